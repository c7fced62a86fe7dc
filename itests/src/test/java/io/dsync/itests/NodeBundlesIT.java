package io.dsync.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
import org.osgi.framework.Constants;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.devkit.LocalRedis;
import io.dsync.platform.Role;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockHolder;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockService;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockStatus;
import io.dsync.lock.NoQuorumException;
import io.dsync.redis.RedisConnection;
import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;

/**
 * Boots Felix with exactly the bundles a lock node installs ({@code bundles/core} and {@code bundles/lock} of the built
 * distribution) and the framework properties the launcher sets, and checks that every bundle is ACTIVE and the
 * platform services work.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NodeBundlesIT {

    private static final String NODE_ID = "paxexam-node";

    @Inject
    private BundleContext context;

    @Inject
    private RedisConnection redis;

    @Inject
    private NodeRegistry registry;

    @Inject
    private MetricRegistry metrics;

    @Inject
    private LockService locks;

    @Configuration
    public Option[] config() throws Exception {
        // A lock group of one: this node.
        return PaxNode.options(NODE_ID, Role.LOCK, Map.of("dsync.port.raft", Integer.toString(LocalRedis.freePort()),
                "dsync.lock.groupSize", "1"));
    }

    @Test
    public void everyBundleIsActive() {
        List<String> notActive = Arrays.stream(context.getBundles())
                .filter(b -> b.getHeaders().get(Constants.FRAGMENT_HOST) == null && b.getState() != Bundle.ACTIVE)
                .map(b -> b.getSymbolicName() + " state " + b.getState())
                .toList();
        assertEquals("bundles not ACTIVE", List.of(), notActive);
        List<String> names = Arrays.stream(context.getBundles()).map(Bundle::getSymbolicName).toList();
        for (String expected : List.of("io.dsync.lock.api", "io.dsync.queue.api", "io.dsync.cache.api", "io.dsync.redis",
                "io.dsync.registry", "io.dsync.metrics", "io.dsync.http", "io.dsync.admin", "io.dsync.lock.client",
                "io.dsync.lock.server")) {
            assertTrue(expected + " installed", names.contains(expected));
        }
    }

    @Test
    public void apiPackagesAreExportedWithTheirVersion() {
        // cache 1.1: CacheCodec.utf8(); 1.2: EvictionPolicy; 1.3: CacheConfig.localCapacityBytes.
        for (String[] api : new String[][] {{"lock", "1.0.0"}, {"queue", "1.0.0"}, {"cache", "1.3.0"}}) {
            Bundle b = Arrays.stream(context.getBundles())
                    .filter(x -> ("io.dsync." + api[0] + ".api").equals(x.getSymbolicName())).findFirst().orElseThrow();
            String exports = b.getHeaders().get(Constants.EXPORT_PACKAGE);
            assertTrue(exports, exports.contains("io.dsync." + api[0] + ";version=\"" + api[1] + "\""));
        }
        Bundle http = Arrays.stream(context.getBundles()).filter(x -> "io.dsync.http".equals(x.getSymbolicName())).findFirst().orElseThrow();
        String exports = http.getHeaders().get(Constants.EXPORT_PACKAGE);
        // http 1.2: the no-api and api-down codes; 1.3: HttpError.configConflict.
        assertTrue(exports, exports.contains("io.dsync.http;version=\"1.3.0\""));
        assertTrue(exports, exports.contains("io.dsync.health;version=\"1.0.0\""));
    }

    @Test
    public void theBundlesServletPublishesNoConfigurationAsServiceProperties() throws Exception {
        // Its configuration (io.dsync.admin) holds the admin token: as service properties, any bundle could read it.
        org.osgi.framework.ServiceReference<?>[] refs = context.getServiceReferences("jakarta.servlet.Servlet",
                "(osgi.http.whiteboard.servlet.pattern=/bundles)");
        assertTrue("the /bundles servlet is registered", refs != null && refs.length == 1);
        for (String key : refs[0].getPropertyKeys()) {
            assertTrue(key, !key.equals("token") && !key.equals("maxUploadMiB") && !key.equals("service.pid"));
        }
    }

    @Test
    public void redisConnectionIsUsable() {
        // health() reports the monitor's latest check, which runs every second from activation on.
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.health().reachable());
        String key = redis.key("paxexam", "probe");
        redis.client().getBucket(key).set("hello");
        assertEquals("hello", redis.client().getBucket(key).get());
        assertTrue(key, key.startsWith("dsync:" + redis.cluster() + ":"));
    }

    @Test
    public void nodeRegistersItselfInRedis() {
        // Pax Exam starts its own bundles after ours: wait for a heartbeat taken once every bundle is up.
        NodeInfo self = await().atMost(Duration.ofSeconds(20))
                .until(() -> registry.nodes().stream().filter(n -> n.id().equals(NODE_ID)).findFirst(),
                        n -> n.isPresent() && n.get().bundles().stream().allMatch(b -> b.healthy()))
                .orElseThrow();
        assertEquals(List.of("lock"), self.roles());
        assertTrue(self.bundles().toString(), self.bundles().size() > 20);
        assertTrue(self.bundles().toString(), self.bundles().stream().allMatch(b -> b.healthy()));
        assertEquals(java.util.Optional.empty(), registry.problem());
    }

    @Test
    public void locksTakenThroughTheServiceStayHeldWhileTheLockClientIsUpdated() throws Exception {
        String name = "paxexam-hotswap";
        LockRequest request = new LockRequest(name, LockMode.EXCLUSIVE, Duration.ofSeconds(5), Duration.ofSeconds(30));
        LockHandle handle = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .ignoreException(NoQuorumException.class)
                .until(() -> locks.acquire(request), h -> h != null);
        org.osgi.framework.Bundle client = java.util.Arrays.stream(context.getBundles())
                .filter(b -> "io.dsync.lock.client".equals(b.getSymbolicName())).findFirst().orElseThrow();
        client.update(); // a new revision: the service instance that granted the lock goes away

        LockService next = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    org.osgi.framework.ServiceReference<LockService> ref = context.getServiceReference(LockService.class);
                    return ref == null ? null : context.getService(ref);
                }, s -> s != null && s != locks);
        LockStatus status = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .ignoreException(NoQuorumException.class).until(() -> next.status(name), st -> st != null);
        assertEquals("the lock is still held by the session that took it", List.of(handle.sessionId()),
                status.holders().stream().map(LockHolder::sessionId).toList());
        // The new instance took the session up: the old handle releases the lock, and a new acquire is reentrant.
        LockHandle again = next.acquire(request);
        assertEquals(handle.sessionId(), again.sessionId());
        assertEquals(1, next.release(again));
        assertEquals(0, next.release(handle));
        assertTrue(next.status(name).holders().isEmpty());
    }

    @Test
    public void lockServiceGrantsAndReleasesThroughTheRaftGroup() throws Exception {
        LockRequest request = new LockRequest("paxexam-lock", LockMode.EXCLUSIVE, Duration.ofSeconds(5), Duration.ofSeconds(30));
        // The one-member group forms once the node is registered and has elected itself; until then: no quorum.
        LockHandle handle = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .ignoreException(NoQuorumException.class)
                .until(() -> locks.acquire(request), h -> h != null);
        assertTrue("fencing token " + handle.fencingToken(), handle.fencingToken() > 0);
        assertEquals(1, locks.status("paxexam-lock").holders().size());
        LockSession other = locks.openSession(Duration.ofSeconds(10));
        try {
            assertTrue("another session cannot take the held lock",
                    other.tryAcquire(new LockRequest("paxexam-lock", LockMode.EXCLUSIVE, Duration.ZERO, Duration.ofSeconds(30))).isEmpty());
        } finally {
            other.close();
        }
        assertEquals(0, locks.release(handle));
        assertTrue(locks.status("paxexam-lock").holders().isEmpty());
        // The Raft member's gauges: this one-member group is its own leader.
        assertEquals(1, metrics.getGauges().get("dsync.lock.raft.isLeader").getValue());
        assertTrue(((Long) metrics.getGauges().get("dsync.lock.raft.appliedIndex").getValue()) > 0);
    }

    @Test
    public void adminApiServesHealthAndMetrics() throws Exception {
        metrics.counter("dsync.paxexam.probe").inc(3);
        String port = context.getProperty("dsync.port.admin");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> up = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 200);
        JsonNode health = new ObjectMapper().readTree(up.body());
        assertEquals(health.toPrettyString(), "UP", health.get("status").asText());
        assertEquals(NODE_ID, health.get("node").asText());
        assertTrue(health.at("/redis/reachable").asBoolean());

        HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(3, new ObjectMapper().readTree(json.body()).at("/counters/dsync.paxexam.probe/count").asLong());
        HttpResponse<String> text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(text.body(), text.body().contains("dsync_paxexam_probe"));
    }
}
