package io.dsync.cache;

import java.nio.charset.StandardCharsets;

/** {@link CacheCodec#utf8()}. */
final class Utf8Codec implements CacheCodec<String> {

    static final Utf8Codec INSTANCE = new Utf8Codec();

    private Utf8Codec() {
    }

    @Override
    public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
