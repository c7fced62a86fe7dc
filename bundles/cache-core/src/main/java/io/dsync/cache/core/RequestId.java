package io.dsync.cache.core;

/**
 * Names one request of a node to a home (a GetS or GetM and its retransmissions). Ids of one node are
 * strictly increasing, also across restarts, because the incarnation comes first: the adapter gives
 * every start of a node's cache a larger incarnation (for example its start time in milliseconds, or
 * a counter in the registry). The home uses the order to drop requests that are older than a grant it
 * already made to the same node.
 *
 * @param incarnation the node's incarnation, at least 1
 * @param seq the request's number within the incarnation, at least 1
 */
public record RequestId(long incarnation, long seq) implements Comparable<RequestId> {

    /**
     * Validates the id.
     *
     * @param incarnation the node's incarnation
     * @param seq the request's number
     * @throws IllegalArgumentException if a component is less than 1
     */
    public RequestId {
        if (incarnation < 1 || seq < 1) {
            throw new IllegalArgumentException("request id components must be positive, were " + incarnation + "/" + seq);
        }
    }

    @Override
    public int compareTo(RequestId o) {
        int c = Long.compare(incarnation, o.incarnation);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public String toString() {
        return incarnation + "/" + seq;
    }
}
