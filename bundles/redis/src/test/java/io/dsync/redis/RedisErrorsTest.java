package io.dsync.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisException;
import org.redisson.client.RedisTimeoutException;

class RedisErrorsTest {

    @Test
    void keepsTheClassAndTheFirstSentenceWithoutTheCommandOrIdentities() {
        // As logged by a node whose Redis stopped answering (2026-12-07): the pool's message, then the script.
        var pool = new RedisTimeoutException("Unable to acquire connection! java.util.concurrent.CompletableFuture"
                + "@95ce663[Completed exceptionally: java.util.concurrent.CancellationException]Increase connection pool"
                + " size. Node source: NodeSource [slot=0], command: (EVALSHA), params: [68ba7399, 2, dsync:{dev}:"
                + "registry:node:queue-3]\nif cur and cur ~= ARGV[1] then return cur end");
        assertThat(RedisErrors.describe(pool)).isEqualTo("RedisTimeoutException: Unable to acquire connection");

        var timeout = new RedisTimeoutException("Command execution timeout for command: (HGET), params: [dsync:{dev}:"
                + "cache:ring, epoch], Redis client: [addr=redis://127.0.0.1:6379]");
        assertThat(RedisErrors.describe(timeout))
                .isEqualTo("RedisTimeoutException: Command execution timeout for command: (HGET)");

        var refused = new RedisConnectionException("Unable to connect to Redis server: 127.0.0.1/127.0.0.1:6379");
        assertThat(RedisErrors.describe(new CompletionException(refused)))
                .isEqualTo("RedisConnectionException: Unable to connect to Redis server: 127.0.0.1/127.0.0.1:6379");
    }

    @Test
    void equalFailuresDescribeEqually() {
        var a = new RedisException("Pending future@1a2b3c4d was cancelled");
        var b = new RedisException("Pending future@99ff00aa was cancelled");
        assertThat(RedisErrors.describe(new ExecutionException(a))).isEqualTo(RedisErrors.describe(b))
                .isEqualTo("RedisException: Pending future was cancelled");
    }

    @Test
    void boundsTheLengthAndNamesFailuresWithoutAMessage() {
        String described = RedisErrors.describe(new RedisException("x".repeat(1000)));
        assertThat(described).hasSize(RedisErrors.MAX_LENGTH).startsWith("RedisException: xxx").endsWith("…");
        assertThat(RedisErrors.describe(new InterruptedException())).isEqualTo("InterruptedException");
        assertThat(RedisErrors.describe(null)).isEqualTo("unknown failure");
    }
}
