package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BundleActionsTest {

    private static final ConsoleUser ANN = new ConsoleUser("ann", ConsoleRole.ADMIN);
    private static final ConsoleUser VIC = new ConsoleUser("vic", ConsoleRole.VIEWER);
    private static final String BSN = "io.dsync.cache.node";

    private final FakeBundleNodes fake = new FakeBundleNodes();
    private final BundleActions actions = new BundleActions(fake, fake.rollingUpdate(Duration.ofSeconds(60)));
    private final BundleInfo cacheNode = FakeBundleNodes.bundle(31, BSN, "0.1.0", "ACTIVE");

    @AfterEach
    void close() throws InterruptedException {
        actions.close();
    }

    @Test
    void anAdminStopsStartsUpdatesAndUninstallsWithTheNodesAnswerShown() {
        fake.node("cache-1", cacheNode);
        String url = FakeBundleNodes.url("cache-1");

        BundleActions.Result stop = actions.change(ANN, BundleActions.Verb.STOP, "cache-1", url, cacheNode, null, null);
        BundleActions.Result start = actions.change(ANN, BundleActions.Verb.START, "cache-1", url, cacheNode, null, null);
        BundleActions.Result update = actions.change(ANN, BundleActions.Verb.UPDATE, "cache-1", url, cacheNode, new byte[7], "cache.jar");
        BundleActions.Result uninstall = actions.change(ANN, BundleActions.Verb.UNINSTALL, "cache-1", url, cacheNode, null, null);

        assertThat(stop).isEqualTo(new BundleActions.Result(true, "Stopped io.dsync.cache.node [31] on cache-1 (now RESOLVED)."));
        assertThat(start.message()).isEqualTo("Started io.dsync.cache.node [31] on cache-1 (now ACTIVE).");
        assertThat(update.message()).isEqualTo("Updated io.dsync.cache.node [31] on cache-1 from 'cache.jar' (now 0.1.1, ACTIVE).");
        assertThat(uninstall.message()).isEqualTo("Uninstalled io.dsync.cache.node [31] on cache-1.");
        assertThat(fake.calls).containsExactly("cache-1 stop 31", "cache-1 start 31", "cache-1 update 31 from 7 bytes",
                "cache-1 uninstall 31");
    }

    @Test
    void aBadFileIsRefusedWithTheNodesReason() {
        FakeBundleNodes.Node n = fake.node("cache-1", cacheNode);
        n.refuseStatus = 400;
        n.refuseMessage = "not an OSGi bundle: the manifest has no Bundle-SymbolicName";

        BundleActions.Result r = actions.install(ANN, "cache-1", FakeBundleNodes.url("cache-1"), "plain.jar", new byte[12]);

        assertThat(r.done()).isFalse();
        assertThat(r.message()).isEqualTo("The node cache-1 refused 'plain.jar': HTTP 400: not an OSGi bundle: the "
                + "manifest has no Bundle-SymbolicName");
        assertThat(n.bundles).hasSize(1);
    }

    @Test
    void aViewerOrNobodyIsRefusedOnTheServerAndNoNodeIsAsked() {
        fake.node("cache-1", cacheNode);
        String url = FakeBundleNodes.url("cache-1");
        RollingUpdate.Plan plan = new RollingUpdate.Plan("cache", List.of(new RollingUpdate.Target("cache-1", url)), List.of());

        List<BundleActions.Result> refused = new CopyOnWriteArrayList<>();
        for (ConsoleUser u : new ConsoleUser[] {VIC, null}) {
            for (BundleActions.Verb verb : BundleActions.Verb.values()) {
                refused.add(actions.change(u, verb, "cache-1", url, cacheNode, null, null));
            }
            refused.add(actions.install(u, "cache-1", url, "x.jar", new byte[3]));
            refused.add(actions.startRollingUpdate(u, plan, BSN, null, null));
        }

        assertThat(refused).hasSize(12).containsOnly(new BundleActions.Result(false, "Refused: changing bundles needs the admin role."));
        assertThat(fake.calls).isEmpty();
        assertThat(actions.latestRollout()).isNull();
    }

    @Test
    void aRollingUpdateRunsOnItsOwnThreadOneAtATimeAndEveryViewSeesItsProgress() throws Exception {
        fake.node("cache-1", cacheNode).degradedLooksAfterUpdate = 1;
        fake.node("cache-2", cacheNode);
        RollingUpdate.Plan plan = new RollingUpdate.Plan("cache", List.of(new RollingUpdate.Target("cache-1", FakeBundleNodes.url("cache-1")),
                new RollingUpdate.Target("cache-2", FakeBundleNodes.url("cache-2"))), List.of());
        // The run waits for cache-1 until the test lets it go on.
        CountDownLatch waiting = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        RollingUpdate.Pause paused = d -> {
            waiting.countDown();
            goOn.await();
            fake.pause().sleep(d);
        };
        CountDownLatch finished = new CountDownLatch(1);
        List<RollingUpdate.Progress> seen = new CopyOnWriteArrayList<>();
        try (BundleActions one = new BundleActions(fake, new RollingUpdate(fake, fake, fake.clock(), paused,
                Duration.ofSeconds(60), Duration.ZERO, Duration.ofMillis(500)))) {
            one.subscribeRollouts(p -> {
                seen.add(p);
                if (p.finished()) {
                    finished.countDown();
                }
            });

            BundleActions.Result started = one.startRollingUpdate(ANN, plan, BSN, null, null);
            assertThat(started).isEqualTo(new BundleActions.Result(true, "Rolling update of io.dsync.cache.node on role 'cache' started."));
            assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(one.rolloutRunning()).isTrue();
            assertThat(one.latestRollout().outcome()).isEqualTo("Waiting for cache-1 to be UP");
            assertThat(one.startRollingUpdate(ANN, plan, BSN, null, null))
                    .isEqualTo(new BundleActions.Result(false, "Another rolling update is running; wait for it to end."));
            goOn.countDown();

            assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(one.latestRollout().succeeded()).as(one.latestRollout().outcome()).isTrue();
            assertThat(seen).last().isEqualTo(one.latestRollout());
            assertThat(fake.calls).filteredOn(c -> c.contains("update")).containsExactly("cache-1 update 31 from location",
                    "cache-2 update 31 from location");
        }
    }
}
