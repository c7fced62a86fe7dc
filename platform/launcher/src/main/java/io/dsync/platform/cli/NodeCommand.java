package io.dsync.platform.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import io.dsync.platform.NodeLauncher;
import io.dsync.platform.NodeOptions;
import io.dsync.platform.Role;
import io.dsync.platform.RunningNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dsync node}: runs one node in the foreground until it is stopped (Ctrl-C or SIGTERM). */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Start one node in the foreground; Ctrl-C or SIGTERM stops it cleanly.",
        footer = {"", "Example:", "  dsync node --role lock --id lock-1 --admin-port 8081 --redis redis://127.0.0.1:6379"})
final class NodeCommand implements Callable<Integer> {

    @Option(names = {"--role", "--roles"}, required = true, defaultValue = "${env:DSYNC_ROLES}",
            description = "Comma-separated roles: lock, queue, cache, console (env DSYNC_ROLES).")
    String roles;

    @Mixin
    NodeArgs args;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Set<Role> parsed;
        try {
            parsed = Role.parseAll(roles);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path home = Home.find();
        NodeOptions options = args.toOptions(home, parsed, NodeArgs.hostName());
        return runInForeground(options, spec.commandLine().getOut(), null);
    }

    /**
     * Starts the node, prints where it answers, and blocks until it stops.
     *
     * @param afterStop run once the node has stopped, at the JVM's exit (also when it exits while the node starts)
     */
    static int runInForeground(NodeOptions options, PrintWriter out, Runnable afterStop) throws InterruptedException {
        Path log = options.data().resolve("node.log");
        Home.initLogging(options.home(), log);
        AtomicReference<RunningNode> started = new AtomicReference<>();
        // Before the start, so that a Ctrl-C during it still runs afterStop.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            RunningNode running = started.get();
            if (running != null) {
                running.stop();
            }
            if (afterStop != null) {
                afterStop.run();
            }
        }, "dsync-shutdown"));
        RunningNode node;
        try {
            node = NodeLauncher.start(options);
        } catch (NodeLauncher.NodeStartException e) {
            throw new Dsync.CliException("node '" + options.id() + "' did not start: " + e.getMessage());
        }
        started.set(node);
        out.printf("dsync node '%s' is up: roles %s, cluster '%s', Redis %s%n", options.id(),
                String.join(",", options.roles().stream().sorted().map(Role::id).toList()), options.cluster(), options.redis());
        out.printf("  health:  %s%n", node.healthUrl());
        out.printf("  metrics: %s%n", node.healthUrl().replace("/health", "/metrics"));
        out.printf("  log:     %s%n", log);
        for (String inactive : node.inactiveBundles()) {
            out.printf("  WARNING: bundle %s is not active; see the log%n", inactive);
        }
        out.flush();
        node.awaitStop();
        return 0;
    }
}
