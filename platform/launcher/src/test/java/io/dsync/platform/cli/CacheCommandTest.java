package io.dsync.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code dsync cache}: sizes as people write them, and the one-line summary of a cache. */
class CacheCommandTest {

    @Test
    void sizesTakeBytesOrPowersOf1024() {
        assertThat(CacheCommand.parseSize("0")).isZero();
        assertThat(CacheCommand.parseSize("1048576")).isEqualTo(1 << 20);
        assertThat(CacheCommand.parseSize("64k")).isEqualTo(64 << 10);
        assertThat(CacheCommand.parseSize("256m")).isEqualTo(256L << 20);
        assertThat(CacheCommand.parseSize("256MiB")).isEqualTo(256L << 20);
        assertThat(CacheCommand.parseSize(" 2 GB ")).isEqualTo(2L << 30);
        assertThat(CacheCommand.parseSize("1t")).isEqualTo(1L << 40);
        assertThat(CacheCommand.parseSize("100b")).isEqualTo(100);
        for (String bad : new String[] {"", "-1", "1.5g", "12x", "m", "99999999999999999999", "9000000000000000000k"}) {
            assertThat(CacheCommand.parseSize(bad)).as(bad).isEqualTo(-1);
        }
    }

    @Test
    void sizesPrintInTheLargestWholeUnit() {
        assertThat(CacheCommand.size(0)).isEqualTo("0 bytes");
        assertThat(CacheCommand.size(1023)).isEqualTo("1023 bytes");
        assertThat(CacheCommand.size(256L << 20)).isEqualTo("256 MiB");
        assertThat(CacheCommand.size(1536)).isEqualTo("1.5 KiB");
    }

    @Test
    void theSummaryNamesTheBoundInBytesOnlyWhenThereIsOne() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThat(CacheCommand.summary(json.readTree("{\"name\":\"pages\",\"localCapacity\":100,\"maxValueBytes\":16,"
                + "\"writeMode\":\"WRITE_BACK\",\"localCapacityBytes\":268435456}")))
                .isEqualTo("cache pages: 100 local copies per node within 256 MiB, values up to 16 bytes, write-back, "
                        + "lru eviction");
        assertThat(CacheCommand.summary(json.readTree("{\"name\":\"prices\",\"localCapacity\":100,\"maxValueBytes\":16,"
                + "\"writeMode\":\"WRITE_THROUGH\"}")))
                .isEqualTo("cache prices: 100 local copies per node, values up to 16 bytes, write-through, lru eviction");
    }
}
