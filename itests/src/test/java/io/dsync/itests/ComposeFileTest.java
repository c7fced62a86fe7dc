package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.platform.Role;
import io.dsync.platform.cli.Dsync;
import picocli.CommandLine;

/**
 * No Docker engine runs here, so the Compose file is checked against the distribution it packages: the services, the
 * roles and options their commands use, the image's entry point, and what would break {@code --scale}.
 */
class ComposeFileTest {

    private static final Map<String, String> ROLE_OF = Map.of("lock-manager", "lock", "queue-node", "queue",
            "cache-node", "cache", "console", "console");

    private final JsonNode compose = read();

    private static JsonNode read() {
        try {
            // SnakeYAML resolves the anchor and merge key (<<: *node) that the file uses for the shared node settings.
            Object tree = new Yaml().load(Files.readString(Path.of(System.getProperty("dsync.compose"))));
            return new ObjectMapper().valueToTree(tree);
        } catch (Exception e) {
            throw new AssertionError("docker-compose.yml does not parse", e);
        }
    }

    @Test
    void hasThreeNodesPerServerRoleRedisAndTheConsole() {
        Set<String> services = new TreeSet<>();
        compose.path("services").fieldNames().forEachRemaining(services::add);
        assertThat(services).containsExactlyInAnyOrder("redis", "lock-manager", "queue-node", "cache-node", "console");
        for (String s : List.of("lock-manager", "queue-node", "cache-node")) {
            assertThat(service(s).at("/deploy/replicas").asInt()).as(s + " replicas").isEqualTo(3);
        }
        assertThat(service("console").at("/deploy/replicas").asInt()).isEqualTo(1);
        List<String> consolePorts = new ArrayList<>();
        service("console").path("ports").forEach(p -> consolePorts.add(p.asText()));
        assertThat(consolePorts).as("the web console and the console node's admin API, on the host's loopback")
                .contains("127.0.0.1:8880:8880", "127.0.0.1:8080:8080");
        assertThat(service("console").at("/environment/DSYNC_CONSOLE_USERS").isMissingNode())
                .as("console users come from the environment").isFalse();
        assertThat(service("redis").path("image").asText()).startsWith("redis:");
    }

    @Test
    void eachNodeServiceRunsTheDistributionWithItsRole() {
        CommandLine.Model.CommandSpec node = new CommandLine(new Dsync()).getSubcommands().get("node").getCommandSpec();
        Set<String> roles = new TreeSet<>();
        for (Role r : Role.values()) {
            roles.add(r.id());
        }
        for (Map.Entry<String, String> e : ROLE_OF.entrySet()) {
            JsonNode svc = service(e.getKey());
            List<String> cmd = new ArrayList<>();
            svc.path("command").forEach(c -> cmd.add(c.asText()));
            assertThat(cmd).as(e.getKey()).startsWith("node", "--role", e.getValue());
            assertThat(roles).contains(cmd.get(2));
            for (String arg : cmd) {
                if (arg.startsWith("--")) {
                    assertThat(node.findOption(arg)).as("option " + arg + " of " + e.getKey() + " is known to 'dsync node'").isNotNull();
                }
            }
            assertThat(svc.at("/build/dockerfile").asText()).isEqualTo("docker/Dockerfile");
            assertThat(svc.at("/environment/DSYNC_REDIS").asText()).isEqualTo("redis://redis:6379");
            assertThat(svc.at("/depends_on/redis/condition").asText()).isEqualTo("service_healthy");
        }
    }

    @Test
    void scalableServicesHaveNoFixedNamesOrHostPorts() {
        for (String s : List.of("lock-manager", "queue-node", "cache-node")) {
            JsonNode svc = service(s);
            assertThat(svc.has("container_name")).as(s + " container_name breaks --scale").isFalse();
            assertThat(svc.has("ports")).as(s + " host ports break --scale").isFalse();
            assertThat(svc.at("/environment/DSYNC_NODE_ID").isMissingNode()).as(s + " takes its host name as node id").isTrue();
        }
    }

    @Test
    void theImageCopiesTheBuiltDistributionAndStartsBinDsync() throws Exception {
        List<String> dockerfile = Files.readAllLines(Path.of(System.getProperty("dsync.dockerfile")));
        assertThat(dockerfile).anyMatch(l -> l.equals("COPY distribution/target/dsync /opt/dsync"));
        assertThat(dockerfile).anyMatch(l -> l.equals("ENTRYPOINT [\"/opt/dsync/bin/dsync\"]"));
        // Each node keeps its data in data/<its id>: a container recreated by Compose gets a new id (its host name)
        // and keeps its volume, and a lock node started on another id's Raft data never runs.
        assertThat(dockerfile).noneMatch(l -> l.contains("DSYNC_DATA"));
        Path dist = Path.of(System.getProperty("dsync.distribution"));
        assertThat(Files.isExecutable(dist.resolve("bin/dsync"))).isTrue();
        assertThat(dist.resolve("bundles/core")).isDirectory();
        for (String role : ROLE_OF.values()) {
            assertThat(dist.resolve("bundles").resolve(role)).isDirectory();
        }
    }

    private JsonNode service(String name) {
        JsonNode svc = compose.path("services").path(name);
        assertThat(svc.isMissingNode()).as("service " + name).isFalse();
        return svc;
    }
}
