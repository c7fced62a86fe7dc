package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import io.dsync.devkit.LocalCluster;
import io.dsync.devkit.TcpProxy;
import io.dsync.testkit.check.LinearizabilityChecker;
import io.dsync.testkit.check.RegisterOps;
import io.dsync.testkit.scenario.Scenario;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * The scenario runner end to end, with real processes and real faults: clients read, write and compare-and-set
 * registers through links the harness cuts, while a node is killed and restarted. Until the subsystems exist, the
 * registers are plain Redis keys, which are linearizable: the checker must accept the history, including operations
 * whose outcome the partition made unknown. The lock, queue and cache scenarios use the same runner.
 *
 * <p>CI runs it for 10 s; {@code -Ddsync.scenario.seconds=120} (profile {@code soak}) runs it longer.
 */
class RegisterScenarioIT {

    @TempDir
    Path dir;

    @Test
    void registersStayLinearizableThroughPartitionsAndACrash() throws Exception {
        int seconds = Integer.getInteger("dsync.scenario.seconds", 10);
        int clients = 8;
        try (LocalCluster cluster = LocalCluster.builder(Nodes.home(), dir).cluster("scenario").proxied(true)
                .nodes("n", 3, "cache").start()) {
            URI redis = URI.create(cluster.redisAddress());
            List<TcpProxy> links = new ArrayList<>();
            List<RedissonClient> redissons = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    TcpProxy link = TcpProxy.start("client-" + i, new InetSocketAddress(redis.getHost(), redis.getPort()));
                    links.add(link);
                    Config config = new Config();
                    config.setCodec(StringCodec.INSTANCE);
                    config.useSingleServer().setAddress("redis://127.0.0.1:" + link.port()).setTimeout(500)
                            .setConnectTimeout(500).setRetryAttempts(0).setConnectionMinimumIdleSize(1).setConnectionPoolSize(2)
                            .setPingConnectionInterval(0);
                    redissons.add(Redisson.create(config));
                }
                List<TcpProxy> half = links.subList(0, clients / 2);
                Duration run = Duration.ofSeconds(seconds);
                ScenarioReport report = Scenario.builder("registers through partitions")
                        .clients(clients)
                        .duration(run)
                        .pauseBetweenSteps(Duration.ofMillis(5))
                        .workload(c -> {
                            RedissonClient r = redissons.get(Integer.parseInt(c.process().substring(1)) - 1);
                            String key = "dsync:scenario:reg:" + c.random().nextInt(4);
                            int pick = c.random().nextInt(10);
                            String value = c.process() + "." + c.random().nextInt(1_000_000);
                            if (pick < 5) {
                                c.call(RegisterOps.read(key), () -> r.<String>getBucket(key).get());
                            } else if (pick < 8) {
                                c.call(RegisterOps.write(key, value), () -> {
                                    r.getBucket(key).set(value);
                                    return null;
                                });
                            } else {
                                // Read first (recorded like any read); a read that failed leaves null: "expect absent".
                                String expected = c.call(RegisterOps.read(key), () -> r.<String>getBucket(key).get());
                                c.call(RegisterOps.cas(key, expected, value), () -> {
                                    if (!r.<String>getBucket(key).compareAndSet(expected, value)) {
                                        throw new Scenario.DefiniteFailure("value was not " + expected);
                                    }
                                    return null;
                                });
                            }
                        })
                        .fault(run.multipliedBy(2).dividedBy(10), "kill -9 n-1", () -> cluster.node("n-1").kill())
                        .fault(run.multipliedBy(3).dividedBy(10), "cut half of the clients", () -> half.forEach(l -> l.cut(TcpProxy.Direction.BOTH)))
                        .fault(run.multipliedBy(5).dividedBy(10), "restart n-1", () -> cluster.node("n-1").restart())
                        .fault(run.multipliedBy(6).dividedBy(10), "heal", () -> half.forEach(TcpProxy::heal))
                        .fault(run.multipliedBy(7).dividedBy(10), "cut one client's answers", () -> links.get(clients - 1).cut(TcpProxy.Direction.DOWNSTREAM))
                        .fault(run.multipliedBy(8).dividedBy(10), "heal all", () -> links.forEach(TcpProxy::heal))
                        .checker(new LinearizabilityChecker())
                        .run();
                Files.createDirectories(Nodes.reports());
                Files.writeString(Nodes.reports().resolve("register-scenario.txt"), report.summary() + "\n" + report.history().dump());
                System.out.println(report.summary());
                assertThat(report.valid()).as(report.summary()).isTrue();
                long[] outcomes = report.outcomes();
                assertThat(outcomes[0]).as("operations that succeeded").isGreaterThan(200);
                assertThat(outcomes[2]).as("operations the partitions left unknown").isGreaterThan(0);
                // The clients that were cut (c1..c4) must work again after the heal; say how long it took them.
                var heal = report.fault("heal").orElseThrow();
                var healed = report.recoveryNanos(heal, p -> Integer.parseInt(p.substring(1)) <= clients / 2);
                assertThat(healed).as("the cut clients succeed again after the heal").isPresent();
                System.out.printf("cut clients recovered %.0f ms after the heal%n", healed.getAsLong() / 1e6);
                cluster.node("n-1").awaitHealthy(Duration.ofSeconds(60));
            } finally {
                redissons.forEach(RedissonClient::shutdown);
                links.forEach(TcpProxy::close);
            }
        }
    }
}
