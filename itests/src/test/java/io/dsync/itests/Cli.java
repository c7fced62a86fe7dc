package io.dsync.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code bin/dsync} of the distribution as a user would and captures what it prints. */
record Cli(int exitCode, String out, String err) {

    static Cli run(String... args) throws IOException, InterruptedException {
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
