package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.dsync.devkit.LocalCluster;
import io.dsync.devkit.TcpProxy;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * A queue node cut off from Redis while producers and consumers run: its writes stall and fail, its registry entry
 * expires, the other queue nodes claim its partitions (new epochs), and when the link heals, the writes it had sent
 * into the cut reach Redis late and are fenced by those epochs. The queue checker must find no acknowledged send lost,
 * nothing invented and no same-key order violation, sends must succeed while the node is still cut off, and the calls
 * the cut node held must reach the new owners (no send ends with an unknown outcome).
 *
 * <p>CI runs it for 30 s; {@code -Ddsync.scenario.seconds=120} (profile {@code soak}) runs it longer.
 */
class QueuePartitionIT extends ClusterTest {

    @Test
    void nothingAcknowledgedIsLostWhenAnOwnerIsCutFromRedis() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(30, Integer.getInteger("dsync.scenario.seconds", 30)));
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("queuepartition").proxied(true)
                .nodes("queue", 3, "queue").start();
        String[] victim = new String[1];
        ScenarioReport report = QueueWorkload.run(cluster, "queue-partition", "queue through an owner cut from Redis", run, s -> s
                .fault(QueueScenarioIT.at(run, 10), "cut the owner of partition 0 from Redis", () -> {
                    victim[0] = QueueScenarioIT.ownerOfPartitionZero(cluster);
                    System.out.printf("[scenario] cutting %s from Redis%n", victim[0]);
                    cluster.link(victim[0]).cut(TcpProxy.Direction.BOTH);
                })
                .fault(QueueScenarioIT.at(run, 40), "heal", cluster::healAll));
        ScenarioReport.Fault cut = report.fault("cut the owner of partition 0 from Redis").orElseThrow();
        ScenarioReport.Fault heal = report.fault("heal").orElseThrow();
        assertThat(report.firstSuccess(cut, p -> true).map(io.dsync.testkit.history.Call::completionTime))
                .as("sends and acks succeed while the old owner is still cut off")
                .hasValueSatisfying(t -> assertThat(t).isLessThan(heal.startedNanos()));
        // The cut owner keeps the calls it was sent until its Redis client gives up (seconds after the others took its
        // partitions over); the client sends them again to the new owners once the ring stops naming it, so no send
        // ends with an unknown outcome. (An ack may: the message's visibility can end before the takeover, and an ack
        // of a delivery that was redelivered and acknowledged meanwhile is stale.)
        assertThat(report.results()).as("the queue checker's counters").singleElement()
                .satisfies(r -> assertThat(r.counter("sendsUnknown")).as("sends whose outcome is unknown").isZero());
    }
}
