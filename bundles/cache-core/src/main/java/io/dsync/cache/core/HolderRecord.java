package io.dsync.cache.core;

/** A home's record of one node's right on one key. Mutable (the expiry grows on renewal). */
final class HolderRecord {

    final String node;
    final GrantId grant;
    /** The request the grant answered: a retransmission of it is answered with the same grant. */
    final RequestId request;
    /** {@link MesiState#SHARED} or {@link MesiState#EXCLUSIVE} (an owner may have made it M silently). */
    MesiState state;
    /** The home's end of the lease. */
    long expiry;

    HolderRecord(String node, GrantId grant, RequestId request, MesiState state, long expiry) {
        this.node = node;
        this.grant = grant;
        this.request = request;
        this.state = state;
        this.expiry = expiry;
    }

    @Override
    public String toString() {
        return node + ":" + state.letter() + "@" + grant + " until " + expiry;
    }
}
