package io.dsync.queue.protocol;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.dsync.messaging.Messaging;
import io.dsync.messaging.RemoteException;

/**
 * Which format each queue node reads: the binary topics ({@link QueueWireCodec}) unless the node refused them as
 * unknown ({@link RemoteException#NO_HANDLER}) and then took the same call over JSON, as a queue node of a version
 * before the binary topics does (rolling updates: clients and nodes update one bundle at a time). Such a node gets
 * JSON for {@value #RECHECK_SECONDS} s, then binary is tried again (its bundle may have been updated). A refusal as
 * unknown changes nothing else: the handler did not run, so sending the call again in the other format is safe.
 * Thread-safe.
 */
public final class WireFormats {

    static final long RECHECK_SECONDS = 60;

    /**
     * The same call in both formats: the topic, the body, and how to read the answer ({@code binaryTopic} null for a
     * call that only has JSON).
     */
    public record Call<T>(String binaryTopic, byte[] binary, Function<byte[], T> readBinary,
                          String jsonTopic, Supplier<byte[]> json, Function<byte[], T> readJson) {
    }

    /** A node's answer could not be read; the call's outcome is unknown. */
    public static final class UnreadableAnswer extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreadableAnswer(InetSocketAddress node, Exception e) {
            super("queue node " + node + " answered something unreadable: " + e.getMessage(), e, false, false);
        }
    }

    private final Map<InetSocketAddress, Long> jsonUntil = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    public WireFormats() {
        this(System::nanoTime);
    }

    WireFormats(LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    /** Whether the node is believed to read the binary topics. */
    public boolean binary(InetSocketAddress node) {
        Long until = jsonUntil.get(node);
        if (until == null) {
            return true;
        }
        if (clock.getAsLong() - until >= 0) {
            jsonUntil.remove(node, until);
            return true;
        }
        return false;
    }

    /**
     * Sends a call in the node's format and reads its answer; a binary call that the node does not know is sent again
     * as JSON. An answer that cannot be read fails the future with {@link UnreadableAnswer}; a refusal or an
     * unreachable node with the messaging's exception.
     */
    public <T> CompletableFuture<T> request(Messaging messaging, InetSocketAddress node, Call<T> call,
                                            Duration timeout) {
        if (call.binaryTopic() == null || !binary(node)) {
            return json(messaging, node, call, timeout, false);
        }
        return messaging.request(node, call.binaryTopic(), call.binary(), timeout).handle((answer, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(read(node, call.readBinary(), answer));
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof RemoteException r && RemoteException.NO_HANDLER.equals(r.code())) {
                return json(messaging, node, call, timeout, true);
            }
            return CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    private <T> CompletableFuture<T> json(Messaging messaging, InetSocketAddress node, Call<T> call,
                                         Duration timeout, boolean afterBinary) {
        byte[] body;
        try {
            body = call.json().get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return messaging.request(node, call.jsonTopic(), body, timeout).thenApply(answer -> {
            if (afterBinary) {
                // It knows the JSON topic and not the binary one: a node of an earlier version.
                jsonUntil.put(node, clock.getAsLong() + TimeUnit.SECONDS.toNanos(RECHECK_SECONDS));
            }
            return read(node, call.readJson(), answer);
        });
    }

    private static <T> T read(InetSocketAddress node, Function<byte[], T> reader, byte[] answer) {
        try {
            return reader.apply(answer);
        } catch (RuntimeException e) {
            throw new UnreadableAnswer(node, e);
        }
    }
}
