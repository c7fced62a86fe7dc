package io.dsync.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeLauncherTest {

    @TempDir
    Path home;

    NodeOptions options(Set<Role> roles, boolean shell) {
        return new NodeOptions("n1", roles, "prod", home, home.resolve("data/n1"), home.resolve("deploy"), 8081, "127.0.0.1", "10.0.0.7",
                "redis://r:6379", "tok", shell, Map.of("extra.prop", "x"));
    }

    @Test
    void rolesParseAndNameTheKnownOnesWhenWrong() {
        assertThat(Role.parseAll("lock, queue")).containsExactlyInAnyOrder(Role.LOCK, Role.QUEUE);
        assertThatThrownBy(() -> Role.parseAll("lock,locks")).hasMessage("unknown role 'locks'; roles are lock, queue, cache, console");
        assertThatThrownBy(() -> Role.parseAll(" , ")).hasMessageStartingWith("no role given");
    }

    @Test
    void optionsRejectBadValues() {
        assertThatThrownBy(() -> new NodeOptions("a b", Set.of(Role.LOCK), "c", home, home, home, 1, "h", "h", "redis://r:1", "", false, null))
                .hasMessageContaining("node id must be 1 to 64");
        assertThatThrownBy(() -> new NodeOptions("a", Set.of(), "c", home, home, home, 1, "h", "h", "redis://r:1", "", false, null))
                .hasMessageContaining("at least one role");
        assertThatThrownBy(() -> new NodeOptions("a", Set.of(Role.LOCK), "c", home, home, home, 70000, "h", "h", "redis://r:1", "", false, null))
                .hasMessageContaining("admin port must be between 1 and 65535");
        assertThatThrownBy(() -> new NodeOptions("a", Set.of(Role.LOCK), "c", home, home, home, 1, "h", "h", "r:1", "", false, null))
                .hasMessageContaining("Redis address must look like redis://host:port");
    }

    @Test
    void frameworkPropertiesCarryTheIdentityAndTheConfiguration() {
        Map<String, Object> p = NodeLauncher.frameworkProperties(options(EnumSet.of(Role.QUEUE, Role.LOCK), false), Instant.EPOCH);
        assertThat(p).containsEntry("dsync.node.id", "n1")
                .containsEntry("dsync.cluster", "prod")
                .containsEntry("dsync.node.roles", "lock,queue")
                .containsEntry("dsync.node.host", "10.0.0.7")
                .containsEntry("dsync.port.admin", "8081")
                .containsEntry("org.osgi.service.http.port", "8081")
                .containsEntry("org.apache.felix.http.host", "127.0.0.1")
                .containsEntry("dsync.redis.address", "redis://r:6379")
                .containsEntry("dsync.admin.token", "tok")
                .containsEntry("felix.fileinstall.dir", home.resolve("etc").toString())
                .containsEntry("org.osgi.framework.storage", home.resolve("data/n1/felix-cache").toString())
                .containsEntry("dsync.deploy", home.resolve("deploy").toString())
                .containsEntry("extra.prop", "x")
                .doesNotContainKey("gosh.args");
        assertThat((String) p.get("org.osgi.framework.system.packages.extra")).contains("org.slf4j;version=\"2.0.17\"");
    }

    @Test
    void aNodeInstallsCoreThenItsRolesThenTheShell() throws IOException {
        for (String dir : new String[] {"core", "lock", "queue", "shell"}) {
            Files.createDirectories(home.resolve("bundles").resolve(dir));
            Files.createFile(home.resolve("bundles").resolve(dir).resolve("b-" + dir + ".jar"));
            Files.createFile(home.resolve("bundles").resolve(dir).resolve("a-" + dir + ".jar"));
        }
        Files.createFile(home.resolve("bundles/core/README.txt"));
        assertThat(NodeLauncher.bundleJars(home, EnumSet.of(Role.LOCK), false))
                .extracting(p -> home.relativize(p).toString())
                .containsExactly("bundles/core/a-core.jar", "bundles/core/b-core.jar", "bundles/lock/a-lock.jar", "bundles/lock/b-lock.jar");
        assertThat(NodeLauncher.bundleJars(home, EnumSet.of(Role.CACHE), true))
                .extracting(p -> home.relativize(p).toString())
                .containsExactly("bundles/core/a-core.jar", "bundles/core/b-core.jar", "bundles/shell/a-shell.jar", "bundles/shell/b-shell.jar");
    }

    @Test
    void aFolderWithoutCoreBundlesIsNotADistribution() {
        assertThatThrownBy(() -> NodeLauncher.bundleJars(home, EnumSet.of(Role.LOCK), false))
                .hasMessageContaining("is " + home + " a dsync distribution?");
    }

    @Test
    void aTakenMessagingPortStopsTheStartAndNamesItsOption() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
                java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int adminPort = probe.getLocalPort();
            probe.close(); // free again: only the messaging port is taken
            NodeOptions o = new NodeOptions("n1", Set.of(Role.QUEUE), "prod", home, home.resolve("data/n1"),
                    home.resolve("deploy"), adminPort, "127.0.0.1", "127.0.0.1", "redis://r:6379", "", false,
                    Map.of("dsync.port.messaging", Integer.toString(taken.getLocalPort())));
            // Before, the node started without its messaging listener and reported itself healthy.
            assertThatThrownBy(() -> NodeLauncher.start(o)).isInstanceOf(NodeLauncher.NodeStartException.class)
                    .hasMessageContaining("messaging port " + taken.getLocalPort()).hasMessageContaining("--messaging-port");
        }
    }
}
