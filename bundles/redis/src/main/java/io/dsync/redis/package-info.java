/**
 * The node's shared Redis connection.
 *
 * <p>Every dsync bundle that needs Redis looks up one {@link io.dsync.redis.RedisConnection} service instead of
 * creating its own client: one connection pool per node, one place where the address, credentials and TLS are
 * configured (Configuration Admin PID {@code io.dsync.redis}), and one health status that the admin API reports.
 */
@Export
@Version("1.2.0")
package io.dsync.redis;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
