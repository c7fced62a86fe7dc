package io.dsync.devkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LocalRedisTest {

    @ParameterizedTest
    @EnumSource(LocalRedis.Flavor.class)
    void startsAnswersAndStops(LocalRedis.Flavor flavor) throws Exception {
        int port;
        try (LocalRedis redis = LocalRedis.start(LocalRedis.freePort(), flavor)) {
            port = redis.port();
            assertThat(RedisProbe.ping(redis.address(), Duration.ofSeconds(1))).isEqualTo(RedisProbe.Answer.PONG);
            if (flavor == LocalRedis.Flavor.EMBEDDED) {
                assertThat(redis.kind()).contains("embedded");
            }
        }
        assertThat(RedisProbe.ping("127.0.0.1", port, Duration.ofMillis(300))).isEqualTo(RedisProbe.Answer.NONE);
    }

    @org.junit.jupiter.api.Test
    void probeSaysNoneWhenNothingListens() throws Exception {
        assertThat(RedisProbe.ping("127.0.0.1", LocalRedis.freePort(), Duration.ofMillis(300))).isEqualTo(RedisProbe.Answer.NONE);
    }
}
