package io.dsync.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CacheConfigTest {

    @Test
    void ofUsesDefaults() {
        CacheConfig config = CacheConfig.of("prices");

        assertThat(config).isEqualTo(new CacheConfig("prices", 10_000, 1024 * 1024, WriteMode.WRITE_THROUGH));
    }

    @Test
    void withersReturnValidatedCopies() {
        CacheConfig config = CacheConfig.of("prices")
                .withLocalCapacity(1)
                .withMaxValueBytes(16 * 1024 * 1024)
                .withWriteMode(WriteMode.WRITE_BACK);

        assertThat(config).isEqualTo(new CacheConfig("prices", 1, 16 * 1024 * 1024, WriteMode.WRITE_BACK));
    }

    @Test
    void rejectsInvalidNames() {
        assertThatThrownBy(() -> CacheConfig.of(""))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessage("cache name must not be empty")
                .extracting(e -> ((InvalidCacheRequestException) e).parameter()).isEqualTo("name");
        assertThat(CacheConfig.of("c".repeat(128)).name()).hasSize(128);
        assertThatThrownBy(() -> CacheConfig.of("c".repeat(129)))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessageStartingWith("cache name must be at most 128 characters, was 129 characters");
        assertThatThrownBy(() -> CacheConfig.of("-prices"))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessageContaining("start with a letter or digit, was '-prices'");
        assertThatThrownBy(() -> CacheConfig.of("pr\u00efces"))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessageContaining("ASCII letters");
        assertThatNullPointerException().isThrownBy(() -> CacheConfig.of(null)).withMessage("name");
    }

    @Test
    void rejectsCapacityAndValueLimitOutOfRange() {
        CacheConfig config = CacheConfig.of("prices");

        assertThatThrownBy(() -> config.withLocalCapacity(0))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessage("localCapacity must be between 1 and 10000000, was 0");
        assertThatThrownBy(() -> config.withLocalCapacity(10_000_001))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessage("localCapacity must be between 1 and 10000000, was 10000001");
        assertThatThrownBy(() -> config.withMaxValueBytes(-1))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessage("maxValueBytes must be between 1 and 16777216, was -1");
        assertThatThrownBy(() -> config.withMaxValueBytes(16 * 1024 * 1024 + 1))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessage("maxValueBytes must be between 1 and 16777216, was 16777217");
        assertThatNullPointerException().isThrownBy(() -> config.withWriteMode(null)).withMessage("writeMode");
        assertThatThrownBy(() -> config.withLocalCapacityBytes(-1))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessage("localCapacityBytes must be 0 (no bound) or between 1 and 1099511627776, was -1")
                .extracting(e -> ((InvalidCacheRequestException) e).parameter()).isEqualTo("localCapacityBytes");
        assertThatThrownBy(() -> config.withLocalCapacityBytes((1L << 40) + 1))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessageEndingWith("was 1099511627777");
    }

    @Test
    void aBoundInBytesIsOptionalAndKeptByEveryWither() {
        assertThat(CacheConfig.of("prices").localCapacityBytes()).isZero();
        assertThat(new CacheConfig("prices", 10, 100, WriteMode.WRITE_BACK, EvictionPolicy.W_TINY_LFU)
                .localCapacityBytes()).isZero();
        CacheConfig bounded = CacheConfig.of("prices").withLocalCapacityBytes(1 << 20);
        CacheConfig changed = bounded.withLocalCapacity(7).withMaxValueBytes(9).withWriteMode(WriteMode.WRITE_BACK)
                .withEvictionPolicy(EvictionPolicy.W_TINY_LFU);
        assertThat(changed).isEqualTo(new CacheConfig("prices", 7, 9, WriteMode.WRITE_BACK,
                EvictionPolicy.W_TINY_LFU, 1 << 20));
        assertThat(bounded).isNotEqualTo(CacheConfig.of("prices"));
    }

    @Test
    void exceptionMessagesNameCacheKeyAndLimit() {
        assertThat(new ValueTooLargeException("prices", "k1", 2_000_000, 1_048_576))
                .hasMessage("encoded value of 2000000 bytes for key 'k1' exceeds the limit of 1048576 bytes of cache 'prices'");
        assertThat(new CacheNotFoundException("prics")).hasMessage("cache 'prics' does not exist; declare it first");
        assertThat(new CacheConfigConflictException(CacheConfig.of("p"), CacheConfig.of("p").withLocalCapacity(5)))
                .hasMessageContaining("localCapacity=10000")
                .hasMessageContaining("localCapacity=5");
    }
}
