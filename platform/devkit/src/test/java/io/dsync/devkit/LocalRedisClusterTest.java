package io.dsync.devkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three masters formed into one Redis Cluster without redis-cli: every node reports the cluster ok and knows the
 * others, all slots are served, a key lives on the master of its slot (the others redirect), and close stops them all.
 */
class LocalRedisClusterTest {

    @TempDir
    Path dir;

    @Test
    void threeMastersServeEverySlotAndRedirectKeysOfOtherSlots() throws Exception {
        List<Long> pids;
        try (LocalRedisCluster cluster = LocalRedisCluster.start(dir, 3)) {
            pids = cluster.pids();
            assertThat(cluster.ports()).hasSize(3).doesNotHaveDuplicates();
            for (int port : cluster.ports()) {
                Map<String, String> info = Resp.fields(Resp.text(port, "CLUSTER", "INFO"));
                assertThat(info).containsEntry("cluster_state", "ok").containsEntry("cluster_known_nodes", "3")
                        .containsEntry("cluster_slots_assigned", "16384");
            }
            assertThat(cluster.portOfSlot(0)).isEqualTo(cluster.ports().get(0));
            assertThat(cluster.portOfSlot(5460)).isEqualTo(cluster.ports().get(0));
            assertThat(cluster.portOfSlot(5461)).isEqualTo(cluster.ports().get(1));
            assertThat(cluster.portOfSlot(16383)).isEqualTo(cluster.ports().get(2));

            Set<Integer> used = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                String key = "k{" + i + "}";
                int port = cluster.portOfSlot(cluster.slot(key));
                used.add(port);
                assertThat(cluster.call(port, "SET", key, "v" + i)).isEqualTo("OK");
                int other = cluster.ports().stream().filter(p -> p != port).findFirst().orElseThrow();
                assertThatThrownBy(() -> cluster.call(other, "GET", key)).hasMessageStartingWith("MOVED");
            }
            assertThat(used).as("30 keys land on every master").hasSize(3);
            assertThat(cluster.keys("k{*").values().stream().mapToInt(List::size).sum()).isEqualTo(30);
        }
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d stopped", pid).isFalse();
        }
    }
}
