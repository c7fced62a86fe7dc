package io.dsync.lock.client;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.dsync.lock.DeadlockException;
import io.dsync.lock.InvalidLockRequestException;
import io.dsync.lock.LeaseExpiredException;
import io.dsync.lock.LockException;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockNotHeldException;
import io.dsync.lock.LockTimeoutException;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.Outcome;

/** Maps state machine outcomes to API exceptions, and waits for futures. Stateless. */
public final class Outcomes {

    /**
     * What an operation was about, for exception details.
     *
     * @param lockName the lock, or {@code null}
     * @param mode the requested mode, or {@code null}
     * @param waitTimeout the wait timeout, or {@code null}
     * @param token the fencing token of the handle, or 0
     */
    record Context(String lockName, LockMode mode, Duration waitTimeout, long token) {
    }

    private Outcomes() {
    }

    /** The exception for an unexpected or rejecting outcome. */
    static RuntimeException failure(Outcome outcome, SessionId session, Context ctx, String what) {
        if (outcome instanceof Outcome.Cancelled) {
            return new CancellationException(what + " was withdrawn");
        }
        if (!(outcome instanceof Outcome.Rejected r)) {
            return new LockException("unexpected outcome of " + what + ": " + outcome);
        }
        String lock = ctx == null ? null : ctx.lockName();
        switch (r.reason()) {
            case TIMEOUT:
                return new LockTimeoutException(lock, ctx == null ? null : ctx.mode(),
                        ctx == null ? null : ctx.waitTimeout());
            case DEADLOCK:
                return new DeadlockException(r.cycle().orElseThrow());
            case NOT_HELD:
                return new LockNotHeldException(lock, session, ctx == null ? 0 : ctx.token(), r.message());
            case LEASE_EXPIRED:
                return new LeaseExpiredException(session, lock, r.message());
            case SESSION_EXPIRED:
            case UNKNOWN_SESSION:
                return new LeaseExpiredException(session, null, r.message());
            case INVALID:
                return new InvalidLockRequestException("request", r.message());
            default:
                return new LockException(what + " rejected: " + r.reason() + ": " + r.message());
        }
    }

    static boolean isSessionGone(Outcome outcome) {
        return outcome instanceof Outcome.Rejected r
                && (r.reason() == io.dsync.lock.core.RejectReason.SESSION_EXPIRED
                        || r.reason() == io.dsync.lock.core.RejectReason.UNKNOWN_SESSION);
    }

    /**
     * Returns the cause of a future's failure.
     *
     * @param t a failure, possibly wrapped by {@link CompletionException} or {@link ExecutionException}
     * @return the innermost cause such wrappers carry
     */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static RuntimeException rethrowable(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new LockException("unexpected failure: " + cause, cause);
    }

    /**
     * Waits for a future that the transport bounds by the quorum timeout, uninterruptibly (the
     * interrupt status is preserved), unwrapping its failure; fails with {@link NoQuorumException}
     * if it does not complete within {@code bound}.
     *
     * @param <T> the result type
     * @param future the future
     * @param bound how long to wait at most
     * @return its result
     */
    public static <T> T await(CompletableFuture<T> future, Duration bound) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + bound.toNanos();
        try {
            while (true) {
                try {
                    return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrowable(unwrap(e));
                } catch (TimeoutException e) {
                    throw new NoQuorumException(bound, "no answer within " + bound);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
