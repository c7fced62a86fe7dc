package io.dsync.redis.internal;

import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.redisson.client.codec.StringCodec;
import org.redisson.config.BaseConfig;
import org.redisson.config.Config;
import org.redisson.config.EqualJitterDelay;
import org.redisson.config.ReadMode;

/**
 * Turns a {@link RedisConfig} into a Redisson {@link Config}, rejecting bad values with a message an operator can act
 * on. Pure: no connection is made here.
 *
 * <p>With Sentinel and Cluster, every command goes to the primary ({@link ReadMode#MASTER}), reads included:
 * Redisson's default sends reads to replicas, which lag behind, and dsync reads what it has just written (a queue
 * partition's new owner loads what its predecessor stored, a client finds the queue it has just declared).
 */
final class RedisSettings {

    private RedisSettings() {
    }

    static Config toRedissonConfig(RedisConfig cfg, String clientName) {
        Config config = new Config();
        // Connections are made on first use, so a node starts, and reports Redis as unreachable, while Redis is down.
        config.setLazyInitialization(true);
        config.setCodec(StringCodec.INSTANCE);
        config.setUseThreadClassLoader(false);
        config.setNettyThreads(nettyThreads(cfg.nettyThreads(), Runtime.getRuntime().availableProcessors()));
        switch (cfg.mode()) {
            case SINGLE -> {
                var single = config.useSingleServer()
                        .setAddress(address("address", cfg.address()))
                        .setDatabase(database(cfg.database()))
                        .setConnectionMinimumIdleSize(1)
                        .setConnectionPoolSize(32);
                common(single, cfg, clientName);
            }
            case SENTINEL -> {
                var sentinel = config.useSentinelServers()
                        .setMasterName(nonEmpty("masterName", cfg.masterName()))
                        .setDatabase(database(cfg.database()))
                        .setCheckSentinelsList(false)
                        .setReadMode(ReadMode.MASTER);
                for (String node : nodes(cfg)) {
                    sentinel.addSentinelAddress(node);
                }
                common(sentinel, cfg, clientName);
            }
            case CLUSTER -> {
                if (cfg.database() != 0) {
                    throw new IllegalArgumentException("database must be 0 in CLUSTER mode (Redis Cluster has one database), got " + cfg.database());
                }
                var cluster = config.useClusterServers().setReadMode(ReadMode.MASTER);
                for (String node : nodes(cfg)) {
                    cluster.addNodeAddress(node);
                }
                common(cluster, cfg, clientName);
            }
        }
        return config;
    }

    /** The client's I/O threads: as configured, or for 0 one per core (at most 8). */
    static int nettyThreads(int configured, int cores) {
        if (configured < 0) {
            throw new IllegalArgumentException("nettyThreads must be 0 (one per core) or positive, got " + configured);
        }
        return configured == 0 ? Math.max(1, Math.min(8, cores)) : configured;
    }

    /** A description of the endpoint without credentials, for logs and health. */
    static String endpoint(RedisConfig cfg) {
        return switch (cfg.mode()) {
            case SINGLE -> stripUserInfo(cfg.address()) + (cfg.database() == 0 ? "" : " db " + cfg.database());
            case SENTINEL -> "sentinel " + cfg.masterName() + "@" + String.join(",", split(cfg.nodes()).stream().map(RedisSettings::stripUserInfo).toList());
            case CLUSTER -> "cluster " + String.join(",", split(cfg.nodes()).stream().map(RedisSettings::stripUserInfo).toList());
        };
    }

    private static void common(BaseConfig<?> base, RedisConfig cfg, String clientName) {
        base.setConnectTimeout(positive("connectTimeoutMillis", cfg.connectTimeoutMillis()))
                .setTimeout(positive("timeoutMillis", cfg.timeoutMillis()))
                .setRetryAttempts(nonNegative("retryAttempts", cfg.retryAttempts()))
                .setClientName(clientName)
                .setPingConnectionInterval(5_000)
                // Back within 2 s of Redis (Redisson's default waits up to 10 s between attempts after a long outage):
                // the registry takes a node with no connection for a dead one once Redis has been up a few seconds.
                .setReconnectionDelay(new EqualJitterDelay(Duration.ofMillis(100), Duration.ofSeconds(2)));
        if (!cfg.username().isEmpty()) {
            base.setUsername(cfg.username());
        }
        if (!cfg.password().isEmpty()) {
            base.setPassword(cfg.password());
        }
        if (!cfg.truststore().isEmpty()) {
            base.setSslTruststore(url("truststore", cfg.truststore()));
            if (!cfg.truststorePassword().isEmpty()) {
                base.setSslTruststorePassword(cfg.truststorePassword());
            }
        }
    }

    private static List<String> nodes(RedisConfig cfg) {
        List<String> nodes = split(cfg.nodes());
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("nodes must list at least one address in " + cfg.mode() + " mode");
        }
        return nodes.stream().map(n -> address("nodes", n)).toList();
    }

    /**
     * The addresses of {@code nodes}, each value split at commas: {@code etc/io.dsync.redis.cfg} gives them as one
     * comma-separated string ({@code nodes = redis://a:6379,redis://b:6379}), which FileInstall hands over as a single
     * value and SCR turns into a one-element array; a typed array ({@code nodes = ["redis://a:6379", ...]}) or the
     * metatype's list arrive as several values.
     */
    static List<String> split(String[] nodes) {
        return Arrays.stream(nodes == null ? new String[0] : nodes).flatMap(n -> Arrays.stream(n.split(",")))
                .map(String::trim).filter(n -> !n.isEmpty()).toList();
    }

    static String address(String name, String value) {
        String v = value == null ? "" : value.trim();
        if (!(v.startsWith("redis://") || v.startsWith("rediss://"))) {
            throw new IllegalArgumentException(name + " must look like redis://host:port or rediss://host:port, got '" + stripUserInfo(v) + "'");
        }
        URI uri;
        try {
            uri = URI.create(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not a valid address: '" + stripUserInfo(v) + "'");
        }
        if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535) {
            throw new IllegalArgumentException(name + " needs a host and a port between 1 and 65535, got '" + stripUserInfo(v) + "'");
        }
        return v;
    }

    static String stripUserInfo(String address) {
        int at = address.indexOf('@');
        int scheme = address.indexOf("://");
        return at > 0 && scheme > 0 && at > scheme ? address.substring(0, scheme + 3) + address.substring(at + 1) : address;
    }

    private static URL url(String name, String value) {
        try {
            return value.contains("://") ? URI.create(value).toURL() : Path.of(value).toUri().toURL();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is neither a file path nor a URL: '" + value + "'");
        }
    }

    private static int database(int database) {
        if (database < 0) {
            throw new IllegalArgumentException("database must not be negative, got " + database);
        }
        return database;
    }

    private static String nonEmpty(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value.trim();
    }

    private static int positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }

    private static int nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
        return value;
    }
}
