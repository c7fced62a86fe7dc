package io.dsync.bench;

import picocli.CommandLine;

/**
 * Runs a benchmark's command line: a failure is printed as its message (which says what failed, e.g. a node that did
 * not start and its last output), without a stack trace; {@code DSYNC_BENCH_TRACE=1} prints the trace as well.
 */
final class BenchMain {

    private BenchMain() {
    }

    static int run(Object command, String name, String[] args) {
        CommandLine cli = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("dsync bench " + name + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if ("1".equals(System.getenv("DSYNC_BENCH_TRACE"))) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cli.execute(args);
    }
}
