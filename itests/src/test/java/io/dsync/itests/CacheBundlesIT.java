package io.dsync.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.dsync.cache.Cache;
import io.dsync.cache.CacheConfig;
import io.dsync.cache.CacheService;
import io.dsync.cache.WriteMode;
import io.dsync.devkit.LocalRedis;
import io.dsync.platform.Role;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The cache's bundles in a real Felix, as a cache node installs them ({@code bundles/core} and {@code bundles/cache}):
 * the {@link CacheService} in the service registry works with this node as the only home, its metrics are published,
 * and updating the cache-client bundle of a write-back cache writes its modified copies back first, so the new
 * revision's service reads them.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CacheBundlesIT {

    @Inject
    private BundleContext context;

    @Inject
    private MetricRegistry metrics;

    @Configuration
    public Option[] config() throws Exception {
        // Homes and nodes reach each other over node messaging, at the port the registry publishes.
        return PaxNode.options("paxexam-cache", Role.CACHE,
                Map.of("dsync.port.messaging", Integer.toString(LocalRedis.freePort())));
    }

    private CacheService service() {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            ServiceReference<CacheService> ref = context.getServiceReference(CacheService.class);
            return ref == null ? null : context.getService(ref);
        }, s -> s != null);
    }

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError(symbolicName + " is not installed"));
    }

    /** Puts until the first grant: a new ring waits out earlier homes (about 3 s) before it grants anything. */
    private static void firstPut(Cache<byte[]> cache, String key, String value) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            cache.put(key, value.getBytes(StandardCharsets.UTF_8));
            return true;
        });
    }

    @Test
    public void theCacheServiceWorksAndPublishesItsMetrics() {
        assertEquals(Bundle.ACTIVE, bundle("io.dsync.cache.client").getState());
        assertEquals(Bundle.ACTIVE, bundle("io.dsync.cache.node").getState());
        CacheService caches = service();
        caches.declare(CacheConfig.of("pax").withLocalCapacity(100));
        Cache<byte[]> cache = caches.cache("pax");
        firstPut(cache, "a", "1");
        assertEquals("1", new String(cache.get("a").orElseThrow(), StandardCharsets.UTF_8));
        Optional<byte[]> two = cache.compute("a", v -> Optional.of("2".getBytes(StandardCharsets.UTF_8)));
        assertEquals("2", new String(two.orElseThrow(), StandardCharsets.UTF_8));
        assertTrue(cache.stats().toString(), cache.stats().hits() >= 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.getGauges().containsKey("dsync.cache.client.pax.hits"));
    }

    @Test
    public void updatingTheCacheClientBundleWritesModifiedCopiesBackFirst() throws Exception {
        CacheService caches = service();
        caches.declare(CacheConfig.of("pax-back").withWriteMode(WriteMode.WRITE_BACK));
        Cache<byte[]> cache = caches.cache("pax-back");
        firstPut(cache, "k", "before the update");
        cache.put("k", "modified".getBytes(StandardCharsets.UTF_8));

        Bundle client = bundle("io.dsync.cache.client");
        client.update();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.getState() == Bundle.ACTIVE);

        CacheService after = service();
        assertNotNull(after);
        Cache<byte[]> again = after.cache("pax-back");
        byte[] read = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> again.get("k").orElseThrow(), v -> v != null);
        assertEquals("modified", new String(read, StandardCharsets.UTF_8));
    }
}
