package io.dsync.queue.node.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.http.HttpError;
import io.dsync.messaging.Messaging;
import io.dsync.messaging.RemoteException;
import io.dsync.queue.protocol.QueueWire;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.CancelRequest;
import io.dsync.queue.protocol.QueueWire.PollRequest;

/**
 * Serves the owner calls of queue clients on node messaging: JSON in, JSON out; a refusal goes back as a
 * {@link RemoteException} with the wire's code ({@link QueueWire}). Runs on the messaging network threads, which is
 * fine because {@link QueueNodeCalls} never blocks. Closing it stops serving the topics.
 */
final class QueueNodeMessaging implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Messaging.Registration> registrations;

    QueueNodeMessaging(Messaging messaging, QueueNodeCalls calls) {
        this.registrations = List.of(
                messaging.serve(QueueWire.TOPIC_BATCH, json(BatchRequest.class, calls::batch)),
                messaging.serve(QueueWire.TOPIC_POLL, json(PollRequest.class, calls::poll)),
                messaging.serve(QueueWire.TOPIC_CANCEL, json(CancelRequest.class, r -> {
                    calls.cancel(r.pollId());
                    return CompletableFuture.completedFuture(null);
                })));
    }

    private static <R> io.dsync.messaging.RequestHandler json(Class<R> type,
                                                             Function<R, CompletionStage<?>> call) {
        return body -> {
            CompletionStage<?> answer;
            try {
                answer = call.apply(JSON.readValue(body, type));
            } catch (IOException | RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            return answer.handle((value, error) -> {
                if (error != null) {
                    throw refusal(error);
                }
                try {
                    return value == null ? new byte[0] : JSON.writeValueAsBytes(value);
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
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
        registrations.forEach(Messaging.Registration::close);
    }
}
