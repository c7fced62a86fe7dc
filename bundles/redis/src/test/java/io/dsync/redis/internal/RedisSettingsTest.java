package io.dsync.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

class RedisSettingsTest {

    /** A {@link RedisConfig} with the annotation's defaults, except the given values. */
    static RedisConfig config(Map<String, Object> values) {
        return (RedisConfig) Proxy.newProxyInstance(RedisConfig.class.getClassLoader(), new Class<?>[] {RedisConfig.class},
                (proxy, method, args) -> values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
    }

    @Test
    void singleServerDefaults() {
        Config c = RedisSettings.toRedissonConfig(config(Map.of()), "client");
        assertThat(c.isLazyInitialization()).isTrue();
        assertThat(c.useSingleServer().getAddress()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(RedisSettings.endpoint(config(Map.of()))).isEqualTo("redis://127.0.0.1:6379");
    }

    @Test
    void nettyThreadsDefaultToOnePerCoreUpToEight() {
        assertThat(RedisSettings.nettyThreads(0, 2)).isEqualTo(2);
        assertThat(RedisSettings.nettyThreads(0, 1)).isEqualTo(1);
        assertThat(RedisSettings.nettyThreads(0, 64)).isEqualTo(8);
        assertThat(RedisSettings.nettyThreads(12, 2)).isEqualTo(12);
        assertThatThrownBy(() -> RedisSettings.toRedissonConfig(config(Map.of("nettyThreads", -1)), "c"))
                .hasMessage("nettyThreads must be 0 (one per core) or positive, got -1");
        assertThat(RedisSettings.toRedissonConfig(config(Map.of()), "c").getNettyThreads())
                .isEqualTo(Math.min(8, Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void credentialsNeverAppearInTheEndpoint() {
        RedisConfig cfg = config(Map.of("address", "redis://user:s3cret@redis.example:6380", "database", 2));
        assertThat(RedisSettings.endpoint(cfg)).isEqualTo("redis://redis.example:6380 db 2").doesNotContain("s3cret");
    }

    @Test
    void sentinelAndClusterNeedNodes() {
        assertThatThrownBy(() -> RedisSettings.toRedissonConfig(config(Map.of("mode", RedisConfig.Mode.SENTINEL)), "c"))
                .hasMessage("nodes must list at least one address in SENTINEL mode");
        Config cluster = RedisSettings.toRedissonConfig(config(Map.of("mode", RedisConfig.Mode.CLUSTER,
                "nodes", new String[] {"redis://a:7000", " redis://b:7001 "})), "c");
        assertThat(cluster.isClusterConfig()).isTrue();
        assertThat(RedisSettings.endpoint(config(Map.of("mode", RedisConfig.Mode.SENTINEL, "nodes",
                new String[] {"redis://s1:26379"})))).isEqualTo("sentinel mymaster@redis://s1:26379");
    }

    @Test
    void nodesGivenAsOneCommaSeparatedValueAreSeveralAddresses() {
        // What etc/io.dsync.redis.cfg hands over for "nodes = redis://a:7000, redis://b:7001,redis://c:7002": one string.
        RedisConfig cfg = config(Map.of("mode", RedisConfig.Mode.CLUSTER,
                "nodes", new String[] {"redis://a:7000, redis://b:7001,redis://c:7002"}));
        Config cluster = RedisSettings.toRedissonConfig(cfg, "c");
        assertThat(cluster.useClusterServers().getNodeAddresses())
                .containsExactly("redis://a:7000", "redis://b:7001", "redis://c:7002");
        assertThat(RedisSettings.endpoint(cfg)).isEqualTo("cluster redis://a:7000,redis://b:7001,redis://c:7002");
        Config sentinel = RedisSettings.toRedissonConfig(config(Map.of("mode", RedisConfig.Mode.SENTINEL,
                "nodes", new String[] {"redis://s1:26379,redis://s2:26379", "redis://s3:26379"})), "c");
        assertThat(sentinel.useSentinelServers().getSentinelAddresses())
                .containsExactly("redis://s1:26379", "redis://s2:26379", "redis://s3:26379");
        assertThatThrownBy(() -> RedisSettings.toRedissonConfig(config(Map.of("mode", RedisConfig.Mode.CLUSTER,
                "nodes", new String[] {" , "})), "c")).hasMessage("nodes must list at least one address in CLUSTER mode");
    }

    @Test
    void withReplicasEveryCommandGoesToThePrimary() {
        // Redisson reads from replicas by default; a queue partition's new owner would then load a stale partition.
        Config sentinel = RedisSettings.toRedissonConfig(config(Map.of("mode", RedisConfig.Mode.SENTINEL,
                "nodes", new String[] {"redis://s1:26379"})), "c");
        assertThat(sentinel.useSentinelServers().getReadMode()).isEqualTo(ReadMode.MASTER);
        Config cluster = RedisSettings.toRedissonConfig(config(Map.of("mode", RedisConfig.Mode.CLUSTER,
                "nodes", new String[] {"redis://a:7000"})), "c");
        assertThat(cluster.useClusterServers().getReadMode()).isEqualTo(ReadMode.MASTER);
    }

    @Test
    void badValuesAreRejectedWithTheirName() {
        assertThatThrownBy(() -> RedisSettings.toRedissonConfig(config(Map.of("address", "localhost:6379")), "c"))
                .hasMessage("address must look like redis://host:port or rediss://host:port, got 'localhost:6379'");
        assertThatThrownBy(() -> RedisSettings.toRedissonConfig(config(Map.of("address", "redis://host")), "c"))
                .hasMessageContaining("needs a host and a port");
        assertThatThrownBy(() -> RedisSettings.toRedissonConfig(config(Map.of("timeoutMillis", 0)), "c"))
                .hasMessage("timeoutMillis must be positive, got 0");
        assertThatThrownBy(() -> RedisSettings.toRedissonConfig(config(Map.of("database", -1)), "c"))
                .hasMessage("database must not be negative, got -1");
        assertThatThrownBy(() -> RedisSettings.toRedissonConfig(config(Map.of("mode", RedisConfig.Mode.CLUSTER,
                "nodes", new String[] {"redis://a:7000"}, "database", 1)), "c"))
                .hasMessageContaining("database must be 0 in CLUSTER mode");
    }

    @Test
    void keysLiveInTheClustersNameSpace() {
        assertThat(Keys.of("prod", "queue", "orders")).isEqualTo("dsync:prod:queue:orders");
        assertThatThrownBy(() -> Keys.of("prod")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keys.of("prod", "a", "")).hasMessage("key parts must not be empty");
    }
}
