package io.dsync.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class CacheCodecTest {

    @Test
    void utf8EncodesAndDecodesAnyText() {
        CacheCodec<String> codec = CacheCodec.utf8();
        for (String text : new String[] {"", "plain", "Grüße, 東京, 🙂"}) {
            byte[] bytes = codec.encode(text);
            assertThat(bytes).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
            assertThat(codec.decode(bytes)).isEqualTo(text);
        }
        assertThat(CacheCodec.utf8()).isSameAs(codec);
    }
}
