package io.dsync.cache.core;

import java.util.List;
import java.util.TreeMap;

/** The request a home is serving for one key, and what it waits for. Mutable; owned by one {@link DirectoryEntry}. */
final class Transaction {

    /** What is being served. */
    enum Kind {
        /** One or more GetS, served together. */
        SHARED,
        /** One GetM. */
        EXCLUSIVE,
        /** A retransmitted request whose grant was made and lost: the same grant is sent again. */
        RESEND
    }

    /** A request waiting at the home. */
    record Waiter(String node, RequestId request, Kind kind) {
    }

    /** A revocation the transaction waits for. */
    record Revocation(GrantId grant, boolean downgrade, boolean owner) {
    }

    final Kind kind;
    final List<Waiter> requesters;
    /** The holders whose acknowledgement (or lease expiry) is awaited, by node. */
    final TreeMap<String, Revocation> awaiting = new TreeMap<>();
    /** When to send the revocations again. */
    long retryAt;
    /** The grant ids, one per requester, allocated when the read is first issued. */
    List<GrantId> grants;
    /** The memory read in flight or done, 0 before it is issued. */
    long read;
    /** Main memory's value, once read. */
    Versioned data;

    Transaction(Kind kind, List<Waiter> requesters) {
        this.kind = kind;
        this.requesters = List.copyOf(requesters);
    }

    boolean awaitsOwner() {
        for (Revocation r : awaiting.values()) {
            if (r.owner()) {
                return true;
            }
        }
        return false;
    }

    boolean serves(String node, RequestId request) {
        for (Waiter w : requesters) {
            if (w.node().equals(node) && w.request().equals(request)) {
                return true;
            }
        }
        return false;
    }
}
