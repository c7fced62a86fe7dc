package io.dsync.cache.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.dsync.cache.CacheConfig;
import io.dsync.cache.EvictionPolicy;
import io.dsync.cache.WriteMode;

class CacheCatalogTest {

    @Test
    void aConfigurationComesBackAsItWasStored() {
        CacheConfig tinyLfu = CacheConfig.of("scores").withLocalCapacity(500).withWriteMode(WriteMode.WRITE_BACK)
                .withEvictionPolicy(EvictionPolicy.W_TINY_LFU);
        assertThat(CacheCatalog.read("scores", CacheCatalog.write(tinyLfu))).isEqualTo(tinyLfu);
        CacheConfig bounded = CacheConfig.of("pages").withLocalCapacityBytes(64L << 20);
        assertThat(CacheCatalog.read("pages", CacheCatalog.write(bounded))).isEqualTo(bounded);
        CacheConfig lru = CacheConfig.of("prices");
        assertThat(CacheCatalog.read("prices", CacheCatalog.write(lru))).isEqualTo(lru);
    }

    @Test
    void anLruEntryIsWhatNodesBefore12WroteAndTheirEntriesAndUnknownPoliciesReadAsLru() {
        String v11 = "{\"localCapacity\":10000,\"maxValueBytes\":1048576,\"writeMode\":\"WRITE_THROUGH\"}";
        assertThat(CacheCatalog.write(CacheConfig.of("prices"))).isEqualTo(v11);
        assertThat(CacheCatalog.read("prices", v11).evictionPolicy()).isEqualTo(EvictionPolicy.LRU);
        assertThat(CacheCatalog.read("prices", v11).localCapacityBytes()).isZero();
        String later = v11.replace("}", ",\"evictionPolicy\":\"SOME_LATER_POLICY\"}");
        assertThat(CacheCatalog.read("prices", later).evictionPolicy()).as("a later version's policy").isEqualTo(EvictionPolicy.LRU);
    }
}
