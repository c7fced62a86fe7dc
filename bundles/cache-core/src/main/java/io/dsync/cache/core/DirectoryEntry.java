package io.dsync.cache.core;

import java.util.ArrayDeque;
import java.util.TreeMap;

/**
 * A home's directory entry for one key: the owner or the sharers with their leases, the request being
 * served, and the requests waiting behind it. Mutable; owned by one {@link HomeDirectory}.
 */
final class DirectoryEntry {

    final String key;
    HolderRecord owner;
    final TreeMap<String, HolderRecord> sharers = new TreeMap<>();
    Transaction active;
    final ArrayDeque<Transaction.Waiter> queue = new ArrayDeque<>();
    /** When the directory's tick next looks at this entry ({@link Long#MAX_VALUE}: not scheduled). */
    long dueAt = Long.MAX_VALUE;
    /**
     * What main memory holds for the key, as the home last read it or as an owner vouched for it when it returned
     * its grant; {@code null} while an owner may write (from an exclusive grant until the owner's return) or when
     * the home does not know. A grant is served from it without reading memory.
     */
    Versioned memory;

    DirectoryEntry(String key) {
        this.key = key;
    }

    /** Returns a node's record, owner or sharer, or {@code null}. */
    HolderRecord record(String node) {
        if (owner != null && owner.node.equals(node)) {
            return owner;
        }
        return sharers.get(node);
    }

    void remove(HolderRecord record) {
        if (owner == record) {
            owner = null;
        } else {
            sharers.remove(record.node, record);
        }
    }

    /** Tells whether a request is queued or being served. */
    boolean waits(String node, RequestId request) {
        if (active != null && active.serves(node, request)) {
            return true;
        }
        for (Transaction.Waiter w : queue) {
            if (w.node().equals(node) && w.request().equals(request)) {
                return true;
            }
        }
        return false;
    }

    /** Tells whether the node has a later request recorded, being served or queued. */
    boolean hasNewerRequest(String node, RequestId request) {
        HolderRecord r = record(node);
        if (r != null && r.request.compareTo(request) > 0) {
            return true;
        }
        if (active != null) {
            for (Transaction.Waiter w : active.requesters) {
                if (w.node().equals(node) && w.request().compareTo(request) > 0) {
                    return true;
                }
            }
        }
        for (Transaction.Waiter w : queue) {
            if (w.node().equals(node) && w.request().compareTo(request) > 0) {
                return true;
            }
        }
        return false;
    }

    boolean unused() {
        return active == null && queue.isEmpty() && owner == null && sharers.isEmpty();
    }

    HomeState state() {
        if (active != null) {
            if (active.kind == Transaction.Kind.RESEND) {
                return HomeState.RESEND;
            }
            if (!active.awaiting.isEmpty()) {
                return active.awaitsOwner() ? HomeState.RECALL : HomeState.INVALIDATE;
            }
            return HomeState.READ;
        }
        if (!queue.isEmpty()) {
            return HomeState.BLOCKED;
        }
        if (owner != null) {
            return HomeState.EM;
        }
        return sharers.isEmpty() ? HomeState.I : HomeState.S;
    }
}
