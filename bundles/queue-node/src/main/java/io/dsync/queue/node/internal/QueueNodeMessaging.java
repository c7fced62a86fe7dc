package io.dsync.queue.node.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.http.HttpError;
import io.dsync.messaging.Messaging;
import io.dsync.messaging.RemoteException;
import io.dsync.messaging.RequestHandler;
import io.dsync.queue.protocol.QueueWire;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.CancelRequest;
import io.dsync.queue.protocol.QueueWire.PollRequest;
import io.dsync.queue.protocol.QueueWireCodec;

/**
 * Serves the owner calls of queue clients on node messaging, in binary ({@link QueueWireCodec}) and in JSON (clients of
 * earlier versions), each answered in its request's format; a refusal goes back as a
 * {@link RemoteException} with the wire's code ({@link QueueWire}). Runs on the messaging network threads, which is
 * fine because {@link QueueNodeCalls} never blocks. Closing it stops serving the topics.
 */
final class QueueNodeMessaging implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Messaging.Registration> registrations;

    QueueNodeMessaging(Messaging messaging, QueueNodeCalls calls) {
        this.registrations = List.of(
                messaging.serve(QueueWire.TOPIC_BATCH_BINARY, handler(QueueWireCodec::decodeBatchRequest, calls::batch,
                        QueueWireCodec::encode)),
                messaging.serve(QueueWire.TOPIC_POLL_BINARY, handler(QueueWireCodec::decodePollRequest, calls::poll,
                        QueueWireCodec::encode)),
                messaging.serve(QueueWire.TOPIC_BATCH, json(BatchRequest.class, calls::batch)),
                messaging.serve(QueueWire.TOPIC_POLL, json(PollRequest.class, calls::poll)),
                messaging.serve(QueueWire.TOPIC_CANCEL, json(CancelRequest.class, r -> {
                    calls.cancel(r.pollId());
                    return CompletableFuture.completedFuture(null);
                })));
    }

    /** A topic in JSON, for clients of versions before the binary topics (and cancels). */
    private static <R, A> RequestHandler json(Class<R> type, Function<R, CompletionStage<A>> call) {
        return handler(body -> {
            try {
                return JSON.readValue(body, type);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, call, value -> {
            try {
                return JSON.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static <R, A> RequestHandler handler(Function<byte[], R> decode, Function<R, CompletionStage<A>> call,
                                                 Function<A, byte[]> encode) {
        return body -> {
            CompletionStage<A> answer;
            try {
                answer = call.apply(decode.apply(body));
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            return answer.handle((value, error) -> {
                if (error != null) {
                    throw refusal(error);
                }
                return value == null ? new byte[0] : encode.apply(value);
            });
        };
    }

    private static RuntimeException refusal(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        HttpError e = t instanceof Exception ex ? QueueNodeCalls.translate(ex) : null;
        if (e == null) {
            return t instanceof RuntimeException r ? r : new CompletionException(t); // a bug: logged by messaging
        }
        return new RemoteException(e.code(), e.getMessage());
    }

    @Override
    public void close() {
        // JSON first, binary last: a client that meets a node half-way through stopping must not take it for a node
        // of a version without the binary topics (it would speak JSON to it for a while).
        for (int i = registrations.size() - 1; i >= 0; i--) {
            registrations.get(i).close();
        }
    }
}
