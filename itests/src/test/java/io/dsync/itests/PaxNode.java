package io.dsync.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemPackages;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;

import io.dsync.devkit.LocalRedis;
import io.dsync.platform.NodeLauncher;
import io.dsync.platform.NodeOptions;
import io.dsync.platform.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.ops4j.pax.exam.Option;

/**
 * The Pax Exam configuration of a node of one role: Felix with exactly the bundles such a node installs
 * ({@code bundles/core} and {@code bundles/<role>} of the built distribution) and the framework properties the launcher
 * sets, on the tests' Redis.
 */
final class PaxNode {

    private PaxNode() {
    }

    static Option[] options(String nodeId, Role role, Map<String, String> extra) throws Exception {
        LocalRedis localRedis = TestRedis.get();
        Path home = Path.of(System.getProperty("dsync.distribution")).toAbsolutePath();
        Path data = Files.createTempDirectory("dsync-paxexam");
        int port = LocalRedis.freePort();
        NodeOptions node = new NodeOptions(nodeId, Set.of(role), "paxexam-" + ProcessHandle.current().pid(),
                home, data, data.resolve("deploy"), port, "127.0.0.1", "127.0.0.1", localRedis.address(), "secret", false,
                extra);
        List<Option> options = new ArrayList<>();
        for (Map.Entry<String, Object> p : NodeLauncher.frameworkProperties(node, Instant.now()).entrySet()) {
            // Pax Exam owns the storage, and offers the system packages through systemPackages().
            if (p.getValue() instanceof String value && !p.getKey().startsWith("org.osgi.framework.storage")
                    && !p.getKey().equals(org.osgi.framework.Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA)) {
                options.add(frameworkProperty(p.getKey()).value(value));
            }
        }
        options.add(systemPackages(NodeLauncher.SLF4J_EXPORTS.split(",(?=org)")));
        for (String folder : List.of("bundles/core", "bundles/" + role.id())) {
            try (Stream<Path> jars = Files.list(home.resolve(folder))) {
                jars.filter(j -> j.toString().endsWith(".jar")).sorted().forEach(j -> options.add(bundle(j.toUri().toString())));
            }
        }
        options.add(junitBundles());
        // Awaitility, which the tests wait with, and the Hamcrest 2 it needs: the jars of the test class path.
        options.add(bundle(jarOf(org.awaitility.Awaitility.class)));
        options.add(bundle(jarOf(org.hamcrest.Matchers.class)));
        options.add(cleanCaches());
        options.add(systemTimeout(60_000));
        return options.toArray(new Option[0]);
    }

    private static String jarOf(Class<?> type) throws Exception {
        return type.getProtectionDomain().getCodeSource().getLocation().toURI().toString();
    }
}
