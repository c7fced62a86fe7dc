package io.dsync.lock.server.raft;

/**
 * Sizing of Ratis' (shaded) Netty event loops, applied before the first of them is made.
 *
 * <p>Ratis' Netty server (3.1 to 3.3) handles a request on the event loop thread that read it and blocks that thread
 * until the answer is ready. A long-poll of a waiting acquire is held by the leader for up to the poll window, so with Netty's
 * default of two threads per core, a handful of waiters blocked every other request of the leader (keep-alives
 * included) until their windows ran out: sixteen clients queued on one lock made no progress at all. More loop
 * threads keep the server answering while polls are held.
 */
final class RaftNetty {

    /** The relocated name of {@code io.netty.eventLoopThreads} in Ratis' shaded Netty. */
    static final String EVENT_LOOP_THREADS = "org.apache.ratis.thirdparty.io.netty.eventLoopThreads";

    /**
     * Default number of event loop threads per group unless set with {@code -D} {@value #EVENT_LOOP_THREADS}. Not more:
     * every Ratis client and server has groups of its own, and each loop holds three file descriptors from the start
     * (256 ran a test JVM out of them; 16 left sixteen waiters on one lock at 2 grants/s, 64 gives about 400/s).
     */
    static final int DEFAULT_EVENT_LOOP_THREADS = 64;

    private RaftNetty() {
    }

    /** Sets the event loop size unless the system property is set already. */
    static void configure() {
        if (System.getProperty(EVENT_LOOP_THREADS) == null) {
            System.setProperty(EVENT_LOOP_THREADS, Integer.toString(DEFAULT_EVENT_LOOP_THREADS));
        }
    }
}
