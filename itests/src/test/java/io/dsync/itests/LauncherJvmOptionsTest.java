package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM options {@code bin/dsync} chooses by command and role, read from a stand-in {@code java} that prints its
 * arguments: nodes with both compilers, the short commands on the client compiler, and {@code DSYNC_JAVA_OPTS} last
 * so that it overrides them.
 */
class LauncherJvmOptionsTest {

    private static final String C1 = "-XX:TieredStopAtLevel=1";

    @TempDir
    Path java;

    @Test
    void nodesOfEveryRoleKeepBothCompilersAndShortCommandsRunOnTheClientCompiler() throws Exception {
        assertThat(jvmArgs(Map.of(), "node", "--role", "lock")).as("lock").isEqualTo("none");
        assertThat(jvmArgs(Map.of(), "node", "--roles=queue,lock")).as("queue,lock").isEqualTo("none");
        assertThat(jvmArgs(Map.of("DSYNC_ROLES", "queue"), "node", "--id", "q")).as("DSYNC_ROLES").isEqualTo("none");
        assertThat(jvmArgs(Map.of(), "node", "--role", "cache")).as("cache").isEqualTo("none");
        assertThat(jvmArgs(Map.of(), "demo")).as("demo").isEqualTo("none");
        assertThat(has(jvmArgs(Map.of(), "status"), C1)).as("status").isTrue();
    }

    @Test
    void dsyncJavaOptsComeAfterTheLaunchersOwn() throws Exception {
        String args = jvmArgs(Map.of("DSYNC_JAVA_OPTS", "-XX:TieredStopAtLevel=4"), "status");
        assertThat(args).contains("-XX:TieredStopAtLevel=4");
        assertThat(args.indexOf(C1)).isLessThan(args.indexOf("-XX:TieredStopAtLevel=4"));
    }

    private static boolean has(String args, String option) {
        return List.of(args.split(" ")).contains(option);
    }

    /** The options bin/dsync passes to java before {@code -Ddsync.home}, space-separated ("none" for none). */
    private String jvmArgs(Map<String, String> env, String... command) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(java.resolve("bin"));
        Path stub = bin.resolve("java");
        if (!Files.exists(stub)) {
            Files.writeString(java.resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
            Files.writeString(stub, "#!/bin/sh\necho \"$@\"\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        List<String> cmd = new ArrayList<>(List.of("bash", Nodes.home().resolve("bin/dsync").toString()));
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("DSYNC_JAVA_OPTS");
        pb.environment().remove("DSYNC_ROLES");
        pb.environment().put("JAVA_HOME", java.toString());
        pb.environment().put("DSYNC_CDS", "off");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        String before = out.substring(0, Math.max(0, out.indexOf("-Ddsync.home="))).trim();
        return before.isEmpty() ? "none" : before;
    }
}
