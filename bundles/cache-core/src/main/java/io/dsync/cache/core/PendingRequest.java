package io.dsync.cache.core;

/** A node's GetS or GetM for one key that has not been granted yet. Mutable; owned by one {@link CacheNode}. */
final class PendingRequest {

    final String key;
    final boolean exclusive;
    RequestId id;
    /** When the request was first sent: the holder's lease counts from here. */
    long firstSentAt;
    /** When to send it again. */
    long retryAt;
    /**
     * The latest grant the home revoked while the request was pending: a grant arriving later with
     * this id or an earlier one was revoked before it arrived and must not be installed.
     */
    GrantId floor;

    PendingRequest(String key, boolean exclusive, RequestId id, long sentAt, long retryAt) {
        this.key = key;
        this.exclusive = exclusive;
        this.id = id;
        this.firstSentAt = sentAt;
        this.retryAt = retryAt;
    }
}
