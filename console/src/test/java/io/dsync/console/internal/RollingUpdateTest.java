package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.console.internal.RollingUpdate.StepState;

class RollingUpdateTest {

    private static final String BSN = "io.dsync.cache.node";
    private final FakeBundleNodes fake = new FakeBundleNodes();
    private final List<RollingUpdate.Progress> seen = new ArrayList<>();

    private RollingUpdate.Plan threeCacheNodes() {
        for (String id : List.of("cache-1", "cache-2", "cache-3")) {
            fake.node(id, FakeBundleNodes.bundle(0, "org.apache.felix.framework", "7.0.5", "ACTIVE"),
                    FakeBundleNodes.bundle(31, BSN, "0.1.0", "ACTIVE"));
        }
        return new RollingUpdate.Plan("cache", List.of(target("cache-1"), target("cache-2"), target("cache-3")), List.of());
    }

    private static RollingUpdate.Target target(String id) {
        return new RollingUpdate.Target(id, FakeBundleNodes.url(id));
    }

    @Test
    void everyNodeIsUpdatedInTurnEachUpBeforeTheNextIsTouched() throws Exception {
        RollingUpdate.Plan plan = threeCacheNodes();
        fake.nodes.values().forEach(n -> n.degradedLooksAfterUpdate = 2);

        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(60)).run(plan, BSN, new byte[] {1, 2, 3}, "'cache.jar'", seen::add);

        assertThat(end.finished()).isTrue();
        assertThat(end.succeeded()).isTrue();
        assertThat(end.outcome()).isEqualTo("Updated io.dsync.cache.node on 3 nodes of role 'cache', each UP before the next.");
        assertThat(end.steps()).extracting(RollingUpdate.Step::state).containsOnly(StepState.DONE);
        assertThat(end.steps().get(0).detail()).isEqualTo("io.dsync.cache.node 0.1.0 \u2192 0.1.1, UP after 1.0 s");
        // Node by node: node 2 is not asked anything before node 1 answered UP (twice DEGRADED, then UP).
        assertThat(fake.calls).containsExactly(
                "cache-1 list", "cache-1 health", "cache-1 update 31 from 3 bytes", "cache-1 health", "cache-1 health", "cache-1 health", "cache-1 list",
                "cache-2 list", "cache-2 health", "cache-2 update 31 from 3 bytes", "cache-2 health", "cache-2 health", "cache-2 health", "cache-2 list",
                "cache-3 list", "cache-3 health", "cache-3 update 31 from 3 bytes", "cache-3 health", "cache-3 health", "cache-3 health", "cache-3 list");
        fake.nodes.values().forEach(n -> assertThat(n.bundles.get(31L).version()).isEqualTo("0.1.1"));
        // The progress went out live: each node updating, then checking, then done.
        assertThat(seen.stream().filter(p -> !p.finished()).map(p -> p.steps().get(1).state()).distinct())
                .containsExactly(StepState.PENDING, StepState.UPDATING, StepState.CHECKING, StepState.DONE);
        assertThat(seen.get(seen.size() - 1)).isEqualTo(end);
    }

    @Test
    void eachNodeButTheLastMustStayUpBeforeTheNextIsTouched() throws Exception {
        RollingUpdate.Plan plan = threeCacheNodes();

        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(60), Duration.ofSeconds(5))
                .run(plan, BSN, null, "its location", seen::add);

        assertThat(end.outcome()).isEqualTo("Updated io.dsync.cache.node on 3 nodes of role 'cache', each UP for 5 s "
                + "before the next.");
        assertThat(end.steps().get(0).detail()).isEqualTo("io.dsync.cache.node 0.1.0 \u2192 0.1.1, UP after 0.0 s, "
                + "stayed UP 5 s");
        assertThat(end.steps().get(2).detail()).isEqualTo("io.dsync.cache.node 0.1.0 \u2192 0.1.1, UP after 0.0 s");
        // One look before the update; watched every 0.5 s for 5 s: 1 look at UP, 10 while it stays; the last node only
        // until UP.
        assertThat(fake.calls.stream().filter(c -> c.equals("cache-1 health"))).hasSize(12);
        assertThat(fake.calls.stream().filter(c -> c.equals("cache-3 health"))).hasSize(2);
        assertThat(seen).anyMatch(p -> p.steps().get(0).detail().endsWith("watching it stay UP for 5 s before the next node"));
    }

    @Test
    void aNodeThatFallsOverSoonAfterItsUpdateStopsTheRun() throws Exception {
        RollingUpdate.Plan plan = threeCacheNodes();
        fake.nodes.get(FakeBundleNodes.url("cache-1")).upLooksBeforeFalling = 3;

        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(60), Duration.ofSeconds(5))
                .run(plan, BSN, null, "its location", seen::add);

        assertThat(end.succeeded()).isFalse();
        assertThat(end.outcome()).isEqualTo("Stopped at node cache-1: UP after its update, but not for 5 s: "
                + "DEGRADED: cache-node: stopped. Updated before it: none; not touched: cache-2, cache-3.");
        assertThat(fake.calls).noneMatch(c -> c.startsWith("cache-2 update"));
    }

    @Test
    void aNodeNotUpBeforeItsUpdateIsNotTouched() throws Exception {
        RollingUpdate.Plan plan = threeCacheNodes();
        fake.nodes.get(FakeBundleNodes.url("cache-2")).degradedLooksLeft = Integer.MAX_VALUE; // a bundle stopped there

        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(60)).run(plan, BSN, null, "its location", seen::add);

        assertThat(end.succeeded()).isFalse();
        assertThat(end.outcome()).isEqualTo("Stopped at node cache-2: not UP before its update (DEGRADED: lock: no leader "
                + "yet), so left untouched. Updated before it: cache-1; not touched: cache-3.");
        // Before, it was updated all the same, and the update was blamed after 60 s for what the node had before.
        assertThat(fake.calls).noneMatch(c -> c.startsWith("cache-2 update") || c.startsWith("cache-3"));
    }

    @Test
    void anUpdateTheNodeRanAfterItsAnswerAndUndidIsNoSuccess() throws Exception {
        RollingUpdate.Plan plan = threeCacheNodes();
        FakeBundleNodes.Node first = fake.nodes.get(FakeBundleNodes.url("cache-1"));
        first.deferredForLists = 1;
        // The upload is 0.2.0; the node answers 202, then its update fails and is undone: it runs 0.1.x again.
        byte[] jar = io.dsync.console.internal.RollingUpdateTest.jar(BSN, "0.2.0");

        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(5)).run(plan, BSN, jar, "'cache.jar'", seen::add);

        assertThat(end.succeeded()).isFalse();
        assertThat(end.outcome()).startsWith("Stopped at node cache-1: not UP within 5 s after its update: "
                + "io.dsync.cache.node runs version 0.1.1, not the uploaded 0.2.0");
        assertThat(fake.calls).noneMatch(c -> c.startsWith("cache-2"));
    }

    static byte[] jar(String bsn, String version) throws java.io.IOException {
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        m.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Bundle-SymbolicName", bsn);
        m.getMainAttributes().putValue("Bundle-Version", version);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.jar.JarOutputStream j = new java.util.jar.JarOutputStream(out, m)) {
            j.flush();
        }
        return out.toByteArray();
    }

    @Test
    void aRefusalAtNodeTwoStopsTheRunAndSaysWhichNodeAndWhy() throws Exception {
        RollingUpdate.Plan plan = threeCacheNodes();
        FakeBundleNodes.Node second = fake.nodes.get(FakeBundleNodes.url("cache-2"));
        second.refuseStatus = 409;
        second.refuseMessage = "another bundle operation is still running; try again";

        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(60)).run(plan, BSN, null, "its location", seen::add);

        assertThat(end.finished()).isTrue();
        assertThat(end.succeeded()).isFalse();
        assertThat(end.outcome()).isEqualTo("Stopped at node cache-2: the update was refused: HTTP 409: another bundle "
                + "operation is still running; try again. Updated before it: cache-1; not touched: cache-3.");
        assertThat(end.steps()).extracting(RollingUpdate.Step::state)
                .containsExactly(StepState.DONE, StepState.FAILED, StepState.NOT_RUN);
        assertThat(fake.calls).noneMatch(c -> c.startsWith("cache-3"));
        assertThat(fake.calls).contains("cache-1 update 31 from location");
        assertThat(fake.nodes.get(FakeBundleNodes.url("cache-3")).bundles.get(31L).version()).isEqualTo("0.1.0");
    }

    @Test
    void aNodeNotUpWithinTheBoundedWaitStopsTheRun() throws Exception {
        RollingUpdate.Plan plan = threeCacheNodes();
        fake.nodes.get(FakeBundleNodes.url("cache-1")).staysDown = true;
        Instant t0 = fake.now;

        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(60)).run(plan, BSN, null, "its location", seen::add);

        assertThat(end.succeeded()).isFalse();
        assertThat(end.outcome()).isEqualTo("Stopped at node cache-1: not UP within 60 s after its update: DEGRADED: "
                + "lock: no leader yet. Updated before it: none; not touched: cache-2, cache-3.");
        assertThat(end.steps()).extracting(RollingUpdate.Step::state)
                .containsExactly(StepState.FAILED, StepState.NOT_RUN, StepState.NOT_RUN);
        // Bounded: it gave up at the deadline, looking every 0.5 s.
        assertThat(Duration.between(t0, fake.now)).isEqualTo(Duration.ofSeconds(60));
        assertThat(fake.calls.stream().filter("cache-1 health"::equals)).hasSize(122);
        assertThat(fake.calls).noneMatch(c -> c.startsWith("cache-2") || c.startsWith("cache-3"));
    }

    @Test
    void anUpdateTheNodeRunsAfterItsAnswerIsWaitedForBeforeTheNodeCountsAsUp() throws Exception {
        RollingUpdate.Plan plan = threeCacheNodes();
        // The admin bundle's own update: 202, and the node is UP all along while the update has not run yet.
        fake.nodes.get(FakeBundleNodes.url("cache-1")).deferredForLists = 3;

        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(60)).run(plan, BSN, null, "its location", seen::add);

        assertThat(end.succeeded()).as(end.outcome()).isTrue();
        assertThat(end.steps().get(0).detail()).isEqualTo("io.dsync.cache.node 0.1.0 \u2192 0.1.1, UP after 1.5 s");
        assertThat(fake.calls.subList(0, 11)).containsExactly("cache-1 list", "cache-1 health",
                "cache-1 update 31 from location", "cache-1 health", "cache-1 list", "cache-1 health", "cache-1 list",
                "cache-1 health", "cache-1 list", "cache-1 health", "cache-1 list");
        assertThat(seen).anyMatch(p -> p.steps().get(0).detail().startsWith("updated (the node runs it after its answer)"));
    }

    @Test
    void aBundleThatDoesNotRunAgainAfterItsUpdateIsAFailureEvenWhenTheNodeSaysUp() throws Exception {
        RollingUpdate.Plan plan = threeCacheNodes();
        fake.nodes.get(FakeBundleNodes.url("cache-1")).doesNotRestart = true;

        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(5)).run(plan, BSN, null, "its location", seen::add);

        assertThat(end.outcome()).startsWith("Stopped at node cache-1: not UP within 5 s after its update: "
                + "io.dsync.cache.node is RESOLVED, not ACTIVE as before the update.");
    }

    @Test
    void aNodeWithoutTheBundleOrUnreachableStopsTheRunBeforeAnyUpdateThere() throws Exception {
        fake.node("queue-1", FakeBundleNodes.bundle(0, "org.apache.felix.framework", "7.0.5", "ACTIVE"));
        RollingUpdate.Plan plan = new RollingUpdate.Plan("queue", List.of(target("queue-1"), target("queue-2")), List.of());

        RollingUpdate.Progress missing = fake.rollingUpdate(Duration.ofSeconds(60)).run(plan, BSN, null, "its location", seen::add);
        assertThat(missing.outcome()).startsWith("Stopped at node queue-1: it has no bundle io.dsync.cache.node.");

        fake.nodes.get(FakeBundleNodes.url("queue-1")).bundles.put(31L, FakeBundleNodes.bundle(31, BSN, "0.1.0", "ACTIVE"));
        RollingUpdate.Progress unreachable = fake.rollingUpdate(Duration.ofSeconds(60)).run(plan, BSN, null, "its location", seen::add);
        assertThat(unreachable.outcome()).isEqualTo("Stopped at node queue-2: cannot list its bundles: GET fake://queue-2/bundles: "
                + "ConnectException: Connection refused. Updated before it: queue-1; not touched: none.");
    }

    @Test
    void thePlanTakesTheRolesNodesByIdAndNamesThoseLeftOut() {
        Instant t = Instant.parse("2026-12-04T10:00:00Z");
        List<NodeStatus> cluster = List.of(
                status("cache-2", List.of("cache"), "http://h:2", NodeState.UP, t),
                status("lock-1", List.of("lock"), "http://h:9", NodeState.UP, t),
                status("cache-3", List.of("cache", "queue"), "http://h:3", NodeState.DOWN, t),
                status("cache-1", List.of("cache"), "http://h:1", NodeState.DEGRADED, t),
                status("cache-4", List.of("cache"), null, NodeState.UNKNOWN, t));

        RollingUpdate.Plan plan = RollingUpdate.plan(cluster, "cache");

        assertThat(plan.targets()).containsExactly(new RollingUpdate.Target("cache-1", "http://h:1"),
                new RollingUpdate.Target("cache-2", "http://h:2"));
        assertThat(plan.leftOut()).containsExactly("cache-3 (DOWN)", "cache-4 (no admin API)");
    }

    @Test
    void anEmptyPlanEndsAtOnceAndSaysSo() throws Exception {
        RollingUpdate.Progress end = fake.rollingUpdate(Duration.ofSeconds(60))
                .run(new RollingUpdate.Plan("queue", List.of(), List.of("queue-1 (DOWN)")), BSN, null, "its location", seen::add);

        assertThat(end.finished()).isTrue();
        assertThat(end.succeeded()).isFalse();
        assertThat(end.outcome()).isEqualTo("No node with the role 'queue' to update (left out: queue-1 (DOWN)).");
        assertThat(fake.calls).isEmpty();
    }

    private static NodeStatus status(String id, List<String> roles, String url, NodeState state, Instant t) {
        return new NodeStatus(id, roles, url, state, List.of(), t, "0.1.0", "0.3 ms", t);
    }
}
