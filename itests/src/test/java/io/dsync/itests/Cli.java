package io.dsync.itests;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.dsync.platform.cli.Dsync;

/**
 * Runs dsync's command line and captures what it prints: {@link #run} in this JVM (the commands' code as
 * {@code bin/dsync} runs it, without a JVM start per command: the CLI ITs make about fifty calls), {@link #process} and
 * {@link #runWithInput} as {@code bin/dsync} of the distribution, the way a user does.
 */
record Cli(int exitCode, String out, String err) {

    /** Runs a command in this JVM through {@link Dsync#run}, with {@code dsync.home} set to the distribution. */
    static Cli run(String... args) {
        System.setProperty("dsync.home", Nodes.home().toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Dsync.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(code, out.toString(), err.toString());
    }

    /** Runs {@code bin/dsync} in a process of its own. */
    static Cli process(String... args) throws IOException, InterruptedException {
        return runWithInput(null, args);
    }

    /** Runs {@code bin/dsync} with {@code input} on its standard input ({@code null}: none). */
    static Cli runWithInput(String input, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Nodes.home().resolve("bin/dsync").toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("dsync-cli", ".out");
        Path err = Files.createTempFile("dsync-cli", ".err");
        Path in = input == null ? Path.of("/dev/null") : Files.writeString(Files.createTempFile("dsync-cli", ".in"), input);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(in.toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("dsync " + String.join(" ", args) + " did not finish within 60 s");
            }
            return new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            if (input != null) {
                Files.deleteIfExists(in);
            }
        }
    }
}
