package io.dsync.lock.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.lock.LockStatus;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.lock.protocol.PollReply;

/**
 * A {@link LockTransport} whose underlying transport can be replaced while sessions use it: when the set of lock
 * nodes changes, a node's lock client is made again over the new set, and the sessions of the node, their locks
 * and their waiting calls live on over the new one. Closing the service to make a new one would end every session,
 * releasing locks whose holders still believe they hold them.
 * <p>
 * {@link #rebind} sends every later call to the new transport and closes the previous one after its quorum timeout
 * and {@code retireDelay}, so that what is in flight there usually ends normally. A call that fails on a transport
 * that was replaced meanwhile is sent again through the current one, within the quorum timeout of the first attempt
 * (a call fails within that bound, as {@link LockTransport} promises): commands are deduplicated by session and call
 * id, and reads change nothing. A wait for an outcome that fails that way answers {@link PollReply.StillWaiting}, so
 * the session asks again through the current transport.
 * <p>
 * Thread-safe.
 */
public final class RebindingTransport implements LockTransport, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RebindingTransport.class);

    /** A transport and what closes it. */
    private record Binding(LockTransport transport, AutoCloseable resource) {
    }

    private final Duration retireDelay;
    private volatile Binding current;
    /** Replaced transports not closed yet; guarded by this. */
    private final Set<Binding> retiring = new HashSet<>();
    private boolean closed;

    /**
     * Creates the transport over a first one.
     *
     * @param transport the first transport
     * @param resource what closes it (often the transport itself)
     * @param retireDelay how long a replaced transport stays open beyond its quorum timeout
     */
    public RebindingTransport(LockTransport transport, AutoCloseable resource, Duration retireDelay) {
        this.current = new Binding(Objects.requireNonNull(transport, "transport"),
                Objects.requireNonNull(resource, "resource"));
        this.retireDelay = Objects.requireNonNull(retireDelay, "retireDelay");
    }

    /**
     * Sends every later call to another transport and closes the previous one once what it carries had time to end.
     * After {@link #close()}, closes the new transport at once instead.
     *
     * @param transport the new transport
     * @param resource what closes it
     */
    public void rebind(LockTransport transport, AutoCloseable resource) {
        Binding next = new Binding(Objects.requireNonNull(transport, "transport"),
                Objects.requireNonNull(resource, "resource"));
        Binding previous;
        synchronized (this) {
            if (closed) {
                closeQuietly(next);
                return;
            }
            previous = current;
            current = next;
            retiring.add(previous);
        }
        long delay = previous.transport().quorumTimeout().plus(retireDelay).toMillis();
        CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(() -> retire(previous));
    }

    private void retire(Binding b) {
        synchronized (this) {
            if (!retiring.remove(b)) {
                return; // closed with the rest by close()
            }
        }
        closeQuietly(b);
    }

    @Override
    public CompletableFuture<Outcome> submit(LockCommand command) {
        Objects.requireNonNull(command, "command");
        return call(t -> t.submit(command));
    }

    @Override
    public CompletableFuture<PollReply> awaitOutcome(SessionId sessionId, long callId, Duration timeout) {
        Binding used = current;
        return used.transport().awaitOutcome(sessionId, callId, timeout).handle((reply, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(reply);
            }
            if (replaced(used)) {
                return CompletableFuture.<PollReply>completedFuture(new PollReply.StillWaiting());
            }
            return CompletableFuture.<PollReply>failedFuture(Outcomes.unwrap(error));
        }).thenCompose(Function.identity());
    }

    @Override
    public CompletableFuture<LockStatus> status(String lockName) {
        return call(t -> t.status(lockName));
    }

    @Override
    public CompletableFuture<LockTableView> table(int maxLocks) {
        return call(t -> t.table(maxLocks));
    }

    @Override
    public Duration quorumTimeout() {
        return current.transport().quorumTimeout();
    }

    /** Makes a call through the current transport, again through the next one if it failed on a replaced one. */
    private <T> CompletableFuture<T> call(Function<LockTransport, CompletableFuture<T>> call) {
        return call(call, System.nanoTime() + current.transport().quorumTimeout().toNanos());
    }

    private <T> CompletableFuture<T> call(Function<LockTransport, CompletableFuture<T>> call, long deadlineNanos) {
        Binding used = current;
        return call.apply(used.transport()).handle((value, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(value);
            }
            long left = deadlineNanos - System.nanoTime();
            if (replaced(used) && left > 0) {
                LOG.debug("a lock call failed on a replaced client ({}); sending it through the current one",
                        Outcomes.unwrap(error).toString());
                return call(call, deadlineNanos).orTimeout(left, TimeUnit.NANOSECONDS).exceptionallyCompose(e -> {
                    Throwable cause = Outcomes.unwrap(e);
                    return CompletableFuture.failedFuture(cause instanceof TimeoutException
                            ? new NoQuorumException(used.transport().quorumTimeout(), "no Raft majority answered within "
                                    + "the quorum timeout (the lock client was replaced meanwhile)")
                            : cause);
                });
            }
            return CompletableFuture.<T>failedFuture(Outcomes.unwrap(error));
        }).thenCompose(Function.identity());
    }

    private synchronized boolean replaced(Binding used) {
        return !closed && used != current;
    }

    /**
     * Closes the current transport and those replaced but not closed yet; later calls fail as the current one fails
     * them once closed. Idempotent.
     */
    @Override
    public void close() {
        List<Binding> open;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            open = new ArrayList<>(retiring);
            retiring.clear();
            open.add(current);
        }
        open.forEach(RebindingTransport::closeQuietly);
    }

    private static void closeQuietly(Binding b) {
        try {
            b.resource().close();
        } catch (Exception e) {
            LOG.debug("closing a lock client failed: {}", e.toString());
        }
    }
}
