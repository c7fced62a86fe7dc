package io.dsync.platform.cli;

import java.io.PrintWriter;

import io.dsync.platform.NodeLauncher;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/dsync}: the one command-line entry point of dsync. */
@Command(name = "dsync", mixinStandardHelpOptions = true, versionProvider = Dsync.Version.class,
        description = "Distributed locks, queues and caches on OSGi nodes backed by Redis.",
        subcommands = {NodeCommand.class, DemoCommand.class, DevCommand.class, StatusCommand.class, ConsoleCommand.class, LockCommand.class, QueueCommand.class, CacheCommand.class, BenchCommand.class, Dsync.Help.class})
public final class Dsync implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'dsync demo', 'dsync node --help' or 'dsync status'");
    }

    public static void main(String[] args) {
        commonPoolOfTwo();
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * On a machine with fewer than 3 cores the common fork-join pool has one thread, and {@code CompletableFuture}'s
     * default async executor is then a new thread per task; the JDK's HTTP client completes every response there (and
     * the queue client uses it): thousands of threads a second under load. Two threads make it a pool. Must run
     * before anything touches the common pool; an explicit setting is left alone.
     */
    static void commonPoolOfTwo() {
        String property = "java.util.concurrent.ForkJoinPool.common.parallelism";
        if (System.getProperty(property) == null && Runtime.getRuntime().availableProcessors() < 3) {
            System.setProperty(property, "2");
        }
    }

    /** Runs a command line and returns its exit code: 0 success, 1 failure, 2 bad usage. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Dsync());
        // Everything after 'dsync bench <name>' belongs to the benchmark, --help included.
        cli.getSubcommands().get("bench").setStopAtPositional(true);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CliException ce) {
                cmd.getErr().println("dsync: " + ce.getMessage());
                return ce.exitCode();
            }
            cmd.getErr().println("dsync: unexpected error: " + e);
            return 1;
        });
        return cli.execute(args);
    }

    /** {@code dsync help [COMMAND...]}: the help of a command at any depth ({@code dsync help queue send}). */
    @Command(name = "help", helpCommand = true,
            description = "Show the help of a command or subcommand: dsync help queue send.")
    static final class Help implements Runnable, CommandLine.IHelpCommandInitializable2 {
        @CommandLine.Parameters(paramLabel = "COMMAND", arity = "0..*",
                description = "A command and its subcommands, as they are typed: queue send.")
        String[] commands = new String[0];

        private CommandLine self;
        private CommandLine.Help.ColorScheme colors;
        private PrintWriter out;

        @Override
        public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter out,
                         PrintWriter err) {
            this.self = helpCommandLine;
            this.colors = colorScheme;
            this.out = out;
        }

        @Override
        public void run() {
            CommandLine target = self.getParent();
            for (int i = 0; i < commands.length; i++) {
                CommandLine sub = target.getSubcommands().get(commands[i]);
                if (sub == null) {
                    String typed = "dsync " + String.join(" ", java.util.Arrays.copyOf(commands, i + 1));
                    throw new CommandLine.ParameterException(self, "unknown command '" + typed + "': try '" + typed
                            + " --help', or 'dsync help" + (i == 0 ? "" : " " + String.join(" ",
                            java.util.Arrays.copyOf(commands, i))) + "' for the commands there are");
                }
                target = sub;
            }
            target.usage(out, colors);
        }
    }

    /** A failure the user can act on: printed as one line, no stack trace. */
    public static final class CliException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        public CliException(String message) {
            this(message, 1);
        }

        public CliException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"dsync " + NodeLauncher.version(), "Java " + Runtime.version()};
        }
    }
}
