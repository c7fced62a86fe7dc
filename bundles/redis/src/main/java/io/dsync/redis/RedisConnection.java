package io.dsync.redis;

import org.osgi.annotation.versioning.ProviderType;
import org.redisson.api.RedissonClient;

/**
 * The node's shared connection to the Redis deployment that backs a dsync cluster.
 *
 * <p>The service is registered once the configuration {@code io.dsync.redis} exists. It stays registered while Redis
 * is down: the client reconnects by itself when Redis comes back, and {@link #health()} tells whether it is reachable
 * now. Calls made through {@link #client()} while Redis is unreachable fail with Redisson's exceptions after the
 * configured timeout; they never block forever.
 *
 * <p>Key names: every key a dsync bundle writes starts with {@code dsync:<cluster>:} (see {@link #key(String...)}),
 * so several clusters, and parallel test runs, can share one Redis.
 *
 * <p>Thread-safety: all methods may be called from any thread. Do not call {@code shutdown()} on the client: it is
 * owned by the platform and is closed when the configuration is removed or the bundle stops.
 */
@ProviderType
public interface RedisConnection {

    /**
     * The shared client. Its default codec is {@code StringCodec}; pass an explicit codec for other value types
     * (values of classes from another bundle do not decode reliably with class-loader-sensitive codecs).
     *
     * @return the client, never {@code null}
     */
    RedissonClient client();

    /**
     * The cluster this node belongs to, from the framework property {@code dsync.cluster}.
     *
     * @return a non-empty name such as {@code default}
     */
    String cluster();

    /**
     * The name every connection of this node gives itself in Redis ({@code CLIENT SETNAME}), as {@code CLIENT LIST}
     * shows it: the registry publishes it, so that other nodes can tell a node whose process died (its connections
     * closed with it) from one that is only late with a heartbeat.
     *
     * @return {@code dsync-<cluster>-<node id>}
     * @since 1.1
     */
    String clientName();

    /**
     * Builds a key in this cluster's name space: {@code dsync:<cluster>:<part>:<part>...}.
     *
     * @param parts the key's parts, each non-empty
     * @return the full key
     * @throws IllegalArgumentException if no part is given or a part is empty
     */
    String key(String... parts);

    /**
     * Whether Redis answers: the latest result of the connection monitor, which checks every
     * {@code monitorIntervalMillis} (default 1 s) with the configured health timeout. Returns at once, so a health
     * endpoint never waits on a Redis that does not answer.
     *
     * @return the latest check, never {@code null}; never throws
     */
    RedisHealth health();
}
