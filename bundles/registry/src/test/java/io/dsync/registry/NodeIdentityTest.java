package io.dsync.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class NodeIdentityTest {

    @Test
    void readsTheLaunchersProperties() {
        Map<String, String> p = Map.of("dsync.node.id", "n1", "dsync.cluster", "prod", "dsync.node.roles", "lock, queue",
                "dsync.node.host", "10.0.0.5", "dsync.port.admin", "8081", "dsync.port.raft", "9000",
                "dsync.node.started", "2026-11-25T10:00:00Z", "dsync.version", "1.2.3");
        NodeIdentity id = NodeIdentity.from(p::get);
        assertThat(id.id()).isEqualTo("n1");
        assertThat(id.cluster()).isEqualTo("prod");
        assertThat(id.roles()).containsExactly("lock", "queue");
        assertThat(id.host()).isEqualTo("10.0.0.5");
        assertThat(id.ports()).containsExactlyInAnyOrderEntriesOf(Map.of("admin", 8081, "raft", 9000));
        assertThat(id.version()).isEqualTo("1.2.3");
    }

    @Test
    void anAdvertisedPortIsTheOneOthersUse() {
        Map<String, String> p = Map.of("dsync.port.admin", "8081", "dsync.port.raft", "9000", "dsync.advertise.port.raft", "19000");
        assertThat(NodeIdentity.from(p::get).ports()).containsExactlyInAnyOrderEntriesOf(Map.of("admin", 8081, "raft", 19000));
    }

    @Test
    void missingPropertiesGetDefaults() {
        NodeIdentity id = NodeIdentity.from(k -> null);
        assertThat(id.id()).isEqualTo("unknown");
        assertThat(id.cluster()).isEqualTo("default");
        assertThat(id.roles()).isEmpty();
        assertThat(id.ports()).isEmpty();
    }
}
