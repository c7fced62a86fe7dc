package io.dsync.queue.node;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import io.dsync.devkit.LocalRedis;

/**
 * One Redis and one Redisson client for the tests of this module, started on first use and stopped when the JVM
 * exits. Tests keep apart by their keys (each uses a cluster name of its own).
 */
public final class TestRedis {

    private static LocalRedis redis;
    private static RedissonClient client;

    private TestRedis() {
    }

    public static synchronized LocalRedis server() {
        if (redis == null) {
            try {
                redis = LocalRedis.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Config config = new Config();
            config.useSingleServer().setAddress(redis.address());
            client = Redisson.create(config);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                client.shutdown();
                redis.close();
            }));
        }
        return redis;
    }

    public static RedissonClient client() {
        server();
        return client;
    }
}
