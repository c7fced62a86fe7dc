package io.dsync.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CacheKeyTest {

    @Test
    void acceptsKeysUpToTheLimit() {
        assertThat(Cache.requireValidKey("user:42")).isEqualTo("user:42");
        assertThat(Cache.requireValidKey("k".repeat(256))).hasSize(256);
        assertThat(Cache.requireValidKey("\ud83d\ude00".repeat(64))).hasSize(128); // 64 x 4 bytes = 256
    }

    @Test
    void rejectsEmptyAndNullKeys() {
        assertThatThrownBy(() -> Cache.requireValidKey(""))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessage("cache key must not be empty")
                .extracting(e -> ((InvalidCacheRequestException) e).parameter()).isEqualTo("key");
        assertThatNullPointerException().isThrownBy(() -> Cache.requireValidKey(null)).withMessage("key");
    }

    @Test
    void rejectsOversizedKeysCountingUtf8Bytes() {
        assertThatThrownBy(() -> Cache.requireValidKey("k".repeat(257)))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessageStartingWith("cache key must be at most 256 UTF-8 bytes, was 257 bytes: 'kkk")
                .hasMessageEndingWith("...'");
        assertThatThrownBy(() -> Cache.requireValidKey("\ud83d\ude00".repeat(65)))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessageContaining("was 260 bytes");
    }

    @Test
    void rejectsControlCharactersAndUnpairedSurrogates() {
        assertThatThrownBy(() -> Cache.requireValidKey("a\u0000b"))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessageContaining("U+0000 at index 1");
        assertThatThrownBy(() -> Cache.requireValidKey("ab\ud83d"))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessageContaining("unpaired surrogates, found U+D83D at index 2");
    }
}
