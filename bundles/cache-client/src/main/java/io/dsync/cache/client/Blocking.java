package io.dsync.cache.client;

import io.dsync.cache.CacheUnavailableException;
import io.dsync.cache.core.Timing;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The blocking variants of the cache's operations: not interruptible, the interrupt status kept. */
final class Blocking {

    /** Slack over the operation timeout, which the core enforces itself. */
    private static final long SLACK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private Blocking() {
    }

    /**
     * Waits for {@code future} at most the operation timeout (and a little), and returns its value or throws exactly
     * the exception it failed with.
     */
    static <T> T await(CompletableFuture<T> future, String cache, Timing timing) {
        long deadline = System.nanoTime() + timing.operationTimeout() + SLACK_NANOS;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = ClientCacheService.unwrap(e.getCause());
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new CacheUnavailableException(cache, "operation on cache '" + cache + "' failed: " + cause,
                            cause);
                } catch (TimeoutException e) {
                    throw new CacheUnavailableException(cache, "operation on cache '" + cache
                            + "' did not complete within the operation timeout of "
                            + TimeUnit.NANOSECONDS.toMillis(timing.operationTimeout()) + " ms", null);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
