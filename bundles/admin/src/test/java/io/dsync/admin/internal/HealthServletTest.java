package io.dsync.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.dsync.health.Health;
import io.dsync.health.HealthContributor;
import io.dsync.redis.RedisConnection;
import io.dsync.redis.RedisHealth;
import io.dsync.registry.BundleInfo;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeRegistry;

class HealthServletTest {

    static final List<BundleInfo> BUNDLES = List.of(new BundleInfo(0, "org.apache.felix.framework", "7.0.5", "ACTIVE", false),
            new BundleInfo(7, "io.dsync.admin", "0.1.0", "ACTIVE", false));

    /** What the servlet finds missing of the node's services. */
    List<String> missing = List.of();

    final HealthServlet servlet = new HealthServlet(new NodeIdentity("n1", "c", List.of("lock"), "127.0.0.1", Map.of("admin", 8080),
            "2026-01-01T00:00:00Z", "dev"), () -> BUNDLES, () -> missing);

    static RedisConnection redis() {
        RedisHealth up = new RedisHealth(true, "127.0.0.1:6379", 120, null, Instant.now());
        return (RedisConnection) Proxy.newProxyInstance(HealthServletTest.class.getClassLoader(), new Class<?>[] {RedisConnection.class},
                (p, m, a) -> m.getName().equals("health") ? up : null);
    }

    static NodeRegistry registry() {
        return (NodeRegistry) Proxy.newProxyInstance(HealthServletTest.class.getClassLoader(), new Class<?>[] {NodeRegistry.class},
                (p, m, a) -> switch (m.getName()) {
                    case "problem" -> Optional.empty();
                    case "lastHeartbeat" -> Optional.of(Instant.now());
                    default -> null;
                });
    }

    static HealthContributor contributor(String name, AtomicReference<Health> health) {
        return new HealthContributor() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Health health() {
                return health.get();
            }
        };
    }

    Map<String, Object> report(List<HealthContributor> contributors) {
        return servlet.report(BUNDLES, redis(), registry(), contributors);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> section(Map<String, Object> body, String... path) {
        Object at = body;
        for (String p : path) {
            at = ((Map<String, Object>) at).get(p);
        }
        return (Map<String, Object>) at;
    }

    @Test
    void withoutContributorsTheNodeIsUp() {
        Map<String, Object> body = report(List.of());
        assertThat(body.get("status")).isEqualTo("UP");
        assertThat(body.get("problems")).asList().isEmpty();
        assertThat(section(body, "contributors")).isEmpty();
    }

    @Test
    void aContributorWithAProblemDegradesTheNodeUntilItRecovers() {
        AtomicReference<Health> lockGroup = new AtomicReference<>(Health.up());
        AtomicReference<Health> disk = new AtomicReference<>(Health.up());
        List<HealthContributor> contributors = List.of(contributor("lock-group", lockGroup), contributor("disk", disk));
        assertThat(report(contributors).get("status")).isEqualTo("UP");
        assertThat(section(report(contributors), "contributors", "lock-group")).containsEntry("status", "UP")
                .containsEntry("problems", List.of());

        lockGroup.set(Health.down("no leader for 12 s", "2 of 3 members unreachable"));
        Map<String, Object> degraded = report(contributors);
        assertThat(degraded.get("status")).isEqualTo("DEGRADED");
        assertThat(degraded.get("problems")).asList()
                .containsExactly("lock-group: no leader for 12 s", "lock-group: 2 of 3 members unreachable");
        assertThat(section(degraded, "contributors", "lock-group")).containsEntry("status", "DEGRADED")
                .containsEntry("problems", List.of("no leader for 12 s", "2 of 3 members unreachable"));
        assertThat(section(degraded, "contributors", "disk")).containsEntry("status", "UP");

        lockGroup.set(Health.up());
        Map<String, Object> recovered = report(contributors);
        assertThat(recovered.get("status")).isEqualTo("UP");
        assertThat(recovered.get("problems")).asList().isEmpty();
    }

    @Test
    void aMissingNodeServiceDegradesTheNodeThoughEveryBundleIsActive() {
        // Node messaging whose component failed to start: its bundle stays ACTIVE.
        missing = List.of("node messaging is not running");
        Map<String, Object> body = report(List.of());
        assertThat(body.get("status")).isEqualTo("DEGRADED");
        assertThat(body.get("problems")).asList().containsExactly("node messaging is not running");
        missing = List.of();
        assertThat(report(List.of()).get("status")).isEqualTo("UP");
    }

    @Test
    void aContributorThatThrowsIsAProblemWithItsMessage() {
        HealthContributor broken = new HealthContributor() {
            @Override
            public String name() {
                return "queue";
            }

            @Override
            public Health health() {
                throw new IllegalStateException("ring not loaded");
            }
        };
        Map<String, Object> body = report(List.of(broken));
        assertThat(body.get("status")).isEqualTo("DEGRADED");
        assertThat(body.get("problems")).asList().singleElement().asString()
                .startsWith("queue: health check failed").contains("ring not loaded");
        assertThat(section(body, "contributors", "queue")).containsEntry("status", "DEGRADED");
    }

    @Test
    void contributorsWithOneNameAreBothShown() {
        AtomicReference<Health> up = new AtomicReference<>(Health.up());
        AtomicReference<Health> down = new AtomicReference<>(Health.down("full"));
        Map<String, Object> body = report(List.of(contributor("disk", up), contributor("disk", down)));
        assertThat(section(body, "contributors")).containsOnlyKeys("disk", "disk#2");
        assertThat(body.get("problems")).asList().containsExactly("disk#2: full");
    }

    @Test
    void redisAndTheRegistryStillCount() {
        Map<String, Object> body = servlet.report(BUNDLES, null, null, List.of());
        assertThat(body.get("status")).isEqualTo("DEGRADED");
        assertThat(body.get("problems")).asList().hasSize(2);
    }
}
