package io.dsync.cache.core;

import java.util.List;
import java.util.Objects;

/**
 * The messages between nodes ({@link CacheNode}) and homes ({@link HomeDirectory}). The network may
 * drop, delay, duplicate and reorder them: both sides retransmit what they wait for, and each message
 * names the request or grant it is about, so that duplicates and late arrivals are recognised. Every
 * grant id carries the home epoch it was made under.
 */
public sealed interface CoherenceMessage {

    /**
     * Returns the key the message is about.
     *
     * @return the key, or {@code null} for the batched renewal messages
     */
    String key();

    /** A message from a node to a key's home. */
    sealed interface ToHome extends CoherenceMessage {
    }

    /** A message from a home to a node. */
    sealed interface ToNode extends CoherenceMessage {
    }

    /**
     * GetS: the node wants to read the key. Answered by a {@link Grant} of S (or E if nobody else holds
     * the key) or by {@link Refused}.
     *
     * @param key the key
     * @param epoch the home epoch the node believes current for the key
     * @param request the request id; retransmissions keep it
     */
    record GetShared(String key, long epoch, RequestId request) implements ToHome {

        /**
         * Validates the message.
         *
         * @param key the key
         * @param epoch the home epoch
         * @param request the request id
         */
        public GetShared {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(request, "request");
        }
    }

    /**
     * GetM: the node wants to write the key. Answered by a {@link Grant} of E once every other copy is
     * gone, or by {@link Refused}.
     *
     * @param key the key
     * @param epoch the home epoch the node believes current for the key
     * @param request the request id; retransmissions keep it
     */
    record GetExclusive(String key, long epoch, RequestId request) implements ToHome {

        /**
         * Validates the message.
         *
         * @param key the key
         * @param epoch the home epoch
         * @param request the request id
         */
        public GetExclusive {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(request, "request");
        }
    }

    /**
     * PutS, PutE or PutM: the node dropped its copy (eviction, local invalidation, refused renewal). A
     * modified copy has been written back before this is sent. A notification: not answered, and
     * harmless if lost (the home then ends the record when the lease runs out).
     *
     * @param key the key
     * @param grant the grant of the dropped copy
     * @param state the state the copy had
     * @param memory from an owner (its grant was E), what main memory holds for the key: the value its grant
     *     carried if it wrote nothing under it, or the value of its last write, which main memory confirmed;
     *     {@code null} if the node cannot vouch for it (a write in doubt, a modified copy, a shared grant). The
     *     home then grants from it without reading
     */
    record Release(String key, GrantId grant, MesiState state, Versioned memory) implements ToHome {

        /**
         * Validates the message.
         *
         * @param key the key
         * @param grant the grant
         * @param state the dropped state
         * @param memory what main memory holds, or {@code null}
         */
        public Release {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(grant, "grant");
            Objects.requireNonNull(state, "state");
        }

        /**
         * A release that vouches for nothing (the home then reads main memory before the next grant).
         *
         * @param key the key
         * @param grant the grant
         * @param state the dropped state
         */
        public Release(String key, GrantId grant, MesiState state) {
            this(key, grant, state, null);
        }
    }

    /**
     * The answer to an {@link Invalidate} or a {@link Downgrade}: the node has done what was asked
     * (written back first if its copy was modified).
     *
     * @param key the key
     * @param grant the grant named by the revocation
     * @param keptShared {@code true} if the node still holds a shared copy (after a downgrade),
     *     {@code false} if it holds nothing
     * @param memory from an owner, what main memory holds for the key (see {@link Release#memory()}), or
     *     {@code null}
     */
    record Ack(String key, GrantId grant, boolean keptShared, Versioned memory) implements ToHome {

        /**
         * Validates the message.
         *
         * @param key the key
         * @param grant the grant
         * @param keptShared whether a shared copy is kept
         * @param memory what main memory holds, or {@code null}
         */
        public Ack {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(grant, "grant");
        }

        /**
         * An acknowledgement that vouches for nothing.
         *
         * @param key the key
         * @param grant the grant
         * @param keptShared whether a shared copy is kept
         */
        public Ack(String key, GrantId grant, boolean keptShared) {
            this(key, grant, keptShared, null);
        }
    }

    /**
     * One lease in a renewal.
     *
     * @param key the key
     * @param grant the grant whose lease is renewed
     */
    record LeaseRef(String key, GrantId grant) {

        /**
         * Validates the reference.
         *
         * @param key the key
         * @param grant the grant
         */
        public LeaseRef {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(grant, "grant");
        }
    }

    /**
     * The node asks one home to renew the leases of copies it used recently. Answered by
     * {@link Renewed}.
     *
     * @param renewal the node's id of this renewal
     * @param leases the leases, all homed by the receiver
     */
    record Renew(long renewal, List<LeaseRef> leases) implements ToHome {

        /**
         * Validates the message and copies the list.
         *
         * @param renewal the renewal id
         * @param leases the leases
         */
        public Renew {
            leases = List.copyOf(leases);
        }

        @Override
        public String key() {
            return null;
        }
    }

    /**
     * A right granted to a node, with the key's value as main memory holds it.
     *
     * @param key the key
     * @param request the request this answers
     * @param grant the grant id (also the owner's fence)
     * @param state {@link MesiState#SHARED} or {@link MesiState#EXCLUSIVE}
     * @param data the value and version
     */
    record Grant(String key, RequestId request, GrantId grant, MesiState state, Versioned data) implements ToNode {

        /**
         * Validates the message.
         *
         * @param key the key
         * @param request the request
         * @param grant the grant id
         * @param state S or E
         * @param data the value
         * @throws IllegalArgumentException if {@code state} is not S or E
         */
        public Grant {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(grant, "grant");
            Objects.requireNonNull(data, "data");
            if (state != MesiState.SHARED && state != MesiState.EXCLUSIVE) {
                throw new IllegalArgumentException("a grant is S or E, was " + state);
            }
        }
    }

    /**
     * Inv (also the recall of an owner for a GetM): the node must drop its copy of the key, writing it
     * back first if modified, and answer with an {@link Ack}.
     *
     * @param key the key
     * @param grant the grant the home has on record for the node; copies with this grant or an earlier
     *     one are dropped
     */
    record Invalidate(String key, GrantId grant) implements ToNode {

        /**
         * Validates the message.
         *
         * @param key the key
         * @param grant the grant
         */
        public Invalidate {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(grant, "grant");
        }
    }

    /**
     * The recall of an owner for a GetS: the node must keep at most a shared copy, writing back first
     * if modified, and answer with an {@link Ack}.
     *
     * @param key the key
     * @param grant the owner's grant
     */
    record Downgrade(String key, GrantId grant) implements ToNode {

        /**
         * Validates the message.
         *
         * @param key the key
         * @param grant the grant
         */
        public Downgrade {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(grant, "grant");
        }
    }

    /**
     * The answer to a {@link Renew}: which leases run on, counted from when the renewal was sent.
     *
     * @param renewal the renewal id
     * @param accepted the renewed leases
     * @param refused the leases that were not renewed; the node drops those copies
     */
    record Renewed(long renewal, List<LeaseRef> accepted, List<LeaseRef> refused) implements ToNode {

        /**
         * Validates the message and copies the lists.
         *
         * @param renewal the renewal id
         * @param accepted the renewed leases
         * @param refused the refused leases
         */
        public Renewed {
            accepted = List.copyOf(accepted);
            refused = List.copyOf(refused);
        }

        @Override
        public String key() {
            return null;
        }
    }

    /** Why a home refused a request. */
    enum RefusalReason {
        /** The request named another home epoch than the home's. */
        STALE_EPOCH,
        /** The receiver does not home the key (any more). */
        NOT_HOME
    }

    /**
     * The home will not serve a request; the node sends it again after the retry interval, to the home
     * its locator names then.
     *
     * @param key the key
     * @param request the refused request
     * @param reason why
     */
    record Refused(String key, RequestId request, RefusalReason reason) implements ToNode {

        /**
         * Validates the message.
         *
         * @param key the key
         * @param request the request
         * @param reason the reason
         */
        public Refused {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
