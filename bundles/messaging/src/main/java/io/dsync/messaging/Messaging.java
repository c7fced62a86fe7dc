package io.dsync.messaging;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Requests between nodes (one service per node, in {@code bundles/core}). A request goes to a peer's messaging address
 * and names a topic; the peer's handler for that topic answers with bytes or refuses with a {@link RemoteException}.
 * The outcome of a request that fails with {@link PeerUnreachableException} (no connection, the connection dropped,
 * no answer in time) is unknown: the handler may have run. Callers that retry make their requests idempotent.
 * Thread-safe.
 */
public interface Messaging {

    /** Topics' largest request or answer body, in bytes (32 MiB); larger ones are refused before they are sent. */
    int MAX_BODY_BYTES = 32 << 20;

    /**
     * Serves a topic on this node until the returned registration is closed. One handler per topic: a second
     * registration of the same topic fails with {@link IllegalStateException}.
     */
    Registration serve(String topic, RequestHandler handler);

    /**
     * Sends a request and completes with the answer's body. Fails with {@link RemoteException} when the handler
     * refused (or the peer serves no such topic: code {@link RemoteException#NO_HANDLER}), with
     * {@link PeerUnreachableException} when there was no answer within {@code timeout} or no connection, and with
     * {@link IllegalArgumentException} for a body over {@link #MAX_BODY_BYTES}. Never completes on the caller's thread
     * nor on a network thread: continuations may block.
     */
    CompletableFuture<byte[]> request(InetSocketAddress peer, String topic, byte[] body, Duration timeout);

    /**
     * Sends a one-way message: the peer's handler of the topic runs as for a request, and whatever it answers or
     * refuses stays there. Best effort and at most once: nothing tells the sender whether the message arrived, so a
     * protocol that needs it retransmits. Messages and requests to one peer arrive in the order they were sent while
     * the connection holds. Saves the answer frame and the completion of a future on the sender: for protocols whose
     * answers travel as messages of their own. The default sends a request and ignores its outcome.
     *
     * @throws IllegalArgumentException for a body over {@link #MAX_BODY_BYTES}
     * @since 1.1
     */
    default void post(InetSocketAddress peer, String topic, byte[] body) {
        if (body.length > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("a message of " + body.length
                    + " bytes exceeds the messaging limit of " + MAX_BODY_BYTES + " bytes");
        }
        request(peer, topic, body, Duration.ofSeconds(10));
    }

    /** A served topic; closing it stops serving (requests that arrive later are answered {@code no-handler}). */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
