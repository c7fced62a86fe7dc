package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import io.dsync.devkit.LocalCluster;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockTimeoutException;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.client.raft.ShardedLockClient;
import io.dsync.testkit.check.FencedResource;
import io.dsync.testkit.check.LockOps;
import io.dsync.testkit.check.MutualExclusionChecker;
import io.dsync.testkit.scenario.Scenario;
import io.dsync.testkit.scenario.ScenarioReport;

/** The lock workload of the multi-process lock scenarios, judged by the mutual-exclusion checker. */
final class LockWorkload {

    private LockWorkload() {
    }

    /**
     * Runs 6 clients for {@code run} against the cluster's lock group: each takes an exclusive lock on one of two
     * names, writes to the fenced resource with its token, and releases; the history must pass the mutual-exclusion
     * checker. The summary and the history go to the reports folder.
     */
    static ScenarioReport run(LocalCluster cluster, String reportName, String title, Duration run,
                                      UnaryOperator<Scenario.Builder> faults) throws Exception {
        return run(cluster, reportName, title, run, 2, faults);
    }

    /** As {@link #run(LocalCluster, String, String, Duration, UnaryOperator)}, on {@code locks} names L0, L1, ... */
    static ScenarioReport run(LocalCluster cluster, String reportName, String title, Duration run, int lockNames,
                                      UnaryOperator<Scenario.Builder> faults) throws Exception {
        FencedResource resource = new FencedResource();
        Map<String, LockSession> sessions = new ConcurrentHashMap<>();
        try (ShardedLockClient client = ShardedLockClient.connect(cluster.name(), cluster.raftAddresses(), RaftLockClient.Options.DEFAULT);
             ClientLockService locks = new ClientLockService(client, reportName)) {
            Scenario.Builder scenario = Scenario.builder(title)
                    .clients(6)
                    .duration(run)
                    .definiteFailures(e -> e instanceof LockTimeoutException)
                    .recoveryTypes(LockOps.ACQUIRE, LockOps.RELEASE)
                    .workload(c -> {
                        LockSession session = sessions.get(c.process());
                        if (session == null || !session.isLive()) {
                            // A session that expired during an outage is replaced, as a real client would.
                            try {
                                session = locks.openSession(Duration.ofSeconds(10));
                            } catch (RuntimeException e) {
                                Thread.sleep(100);
                                return;
                            }
                            sessions.put(c.process(), session);
                        }
                        LockSession current = session;
                        String lock = "L" + c.random().nextInt(lockNames);
                        LockHandle[] held = new LockHandle[1];
                        boolean[] unknown = new boolean[1];
                        String token = c.call(LockOps.acquire(lock, LockOps.Mode.EXCLUSIVE), () -> {
                            try {
                                held[0] = current.acquire(new LockRequest(lock, LockMode.EXCLUSIVE, Duration.ofSeconds(2), Duration.ofSeconds(10)));
                            } catch (NoQuorumException e) {
                                unknown[0] = true;
                                throw e;
                            }
                            return LockOps.token(held[0].fencingToken());
                        });
                        if (unknown[0]) {
                            // The acquire may still be granted in the cluster. The checker does not model
                            // reentrant holds, so this client leaves the session (closing it releases whatever
                            // it holds) instead of acquiring the same lock again in it.
                            sessions.remove(c.process());
                            current.close();
                        }
                        if (token == null) {
                            return;
                        }
                        long t = held[0].fencingToken();
                        String value = c.process() + "-" + c.random().nextInt(1000);
                        c.call(LockOps.fencedWrite(lock, t, value), () -> {
                            if (!resource.write(c.process(), lock, t, value)) {
                                throw new Scenario.DefiniteFailure("stale token " + t);
                            }
                            return null;
                        });
                        boolean[] releaseUnknown = new boolean[1];
                        c.call(LockOps.release(lock, t), () -> {
                            try {
                                current.release(held[0]);
                            } catch (NoQuorumException e) {
                                releaseUnknown[0] = true;
                                throw e;
                            }
                            return null;
                        });
                        if (releaseUnknown[0]) {
                            // The lock may still be held: leave the session, whose close releases it, rather than
                            // block the others until its lease ends.
                            sessions.remove(c.process());
                            current.close();
                        }
                    })
                    .checker(new MutualExclusionChecker());
            ScenarioReport report = faults.apply(scenario).run();
            Files.createDirectories(Nodes.reports());
            Files.writeString(Nodes.reports().resolve(reportName + ".txt"), report.summary() + "\n" + report.history().dump());
            System.out.println(report.summary());
            assertThat(report.valid()).as(report.summary()).isTrue();
            assertThat(report.outcomes()[0]).as("successful operations").isGreaterThan(50);
            assertThat(resource.accesses()).isNotEmpty();
            return report;
        } finally {
            sessions.values().forEach(LockSession::close);
        }
    }


    /** @return {@code percent} of {@code run}: when a fault of a scenario strikes */
    static Duration at(Duration run, int percent) {
        return run.multipliedBy(percent).dividedBy(100);
    }
}
