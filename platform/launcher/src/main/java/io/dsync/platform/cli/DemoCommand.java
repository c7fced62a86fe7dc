package io.dsync.platform.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.concurrent.Callable;

import io.dsync.devkit.LocalRedis;
import io.dsync.devkit.RedisProbe;
import io.dsync.platform.NodeLauncher;
import io.dsync.platform.NodeOptions;
import io.dsync.platform.Role;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code dsync demo}: a working node on this machine with no configuration. When no Redis answers at the given address
 * it starts a throw-away one on 127.0.0.1 and says so.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start a local demo node with every role, the web console included (it prints the console's "
                + "address and a generated password for the user admin). If no Redis answers at --redis, start a local "
                + "one (redis-server from the PATH, else an embedded Redis; DSYNC_LOCAL_REDIS=system|embedded forces one) "
                + "and stop it on exit."})
final class DemoCommand implements Callable<Integer> {

    @Mixin
    NodeArgs args;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path home = Home.find();
        // Before anything that may create a logger, or Logback falls back to DEBUG on stdout.
        Home.initLogging(home, args.dataDir(home, "demo").resolve("node.log"));
        if (args.adminToken == null || args.adminToken.isBlank()) {
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            args.adminToken = HexFormat.of().formatHex(random);
        }
        LocalRedis local = null;
        try {
            RedisProbe.requireAddress(args.redis);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--redis: " + e.getMessage());
        }
        RedisProbe.Answer answer = RedisProbe.ping(args.redis, Duration.ofSeconds(1));
        if (answer == RedisProbe.Answer.NONE) {
            URI uri = URI.create(args.redis);
            boolean loopback = "127.0.0.1".equals(uri.getHost()) || "localhost".equals(uri.getHost());
            if (!loopback) {
                throw new Dsync.CliException("no Redis answers at " + args.redis + "; start it, or drop --redis to let the demo start a local one");
            }
            out.printf("No Redis answers at %s; starting a local one for this demo...%n", args.redis);
            out.flush();
            try {
                local = LocalRedis.start();
            } catch (IOException | IllegalArgumentException e) {
                // The message says what to do about the local Redis; the other way out is a Redis that runs already.
                throw new Dsync.CliException("could not start a local Redis: " + e.getMessage()
                        + "; or pass --redis redis://host:port");
            }
            args.redis = local.address();
            out.printf("Started %s on %s (pid %d); it stops with the demo.%n", local.kind(), local.address(), local.pid());
        } else {
            out.printf("Using the Redis at %s%n", args.redis);
        }
        if (args.adminPort != 0 && !NodeLauncher.isPortFree(args.bind, args.adminPort)) {
            out.printf("Port %d is taken; the demo picks a free one.%n", args.adminPort);
            args.adminPort = 0;
        }
        if (args.consolePort != 0 && !NodeLauncher.isPortFree(args.bind, args.consolePort)) {
            out.printf("Port %d is taken; the demo's console picks a free one.%n", args.consolePort);
            args.consolePort = 0;
        }
        char[] password = null;
        if (args.consoleUsers == null || args.consoleUsers.isBlank()) {
            password = ConsoleCommand.randomPassword();
            args.consoleUsers = ConsoleCommand.entry("admin", "admin", password);
        }
        EnumSet<Role> roles = EnumSet.of(Role.LOCK, Role.QUEUE, Role.CACHE, Role.CONSOLE);
        // One node: the lock Raft group is this node alone.
        args.lockGroupSize = 1;
        NodeOptions options = args.toOptions(home, roles, "demo");
        out.printf("Admin token for this demo: %s%n", options.adminToken());
        out.printf("Console: http://%s:%s/  user admin, password %s%n", options.advertise(),
                options.extraProperties().get("dsync.port.console"),
                password == null ? "(as in --console-users)" : new String(password));
        out.printf("Try:    %s status --redis %s%n", home.resolve("bin/dsync"), options.redis());
        out.printf("        curl -s http://%s:%d/health%n", options.advertise(), options.adminPort());
        String node = options.adminPort() == 8080 ? "" : " --node http://" + options.advertise() + ":" + options.adminPort();
        out.printf("        export DSYNC_ADMIN_TOKEN=%s%n", options.adminToken());
        out.printf("        %s lock acquire demo/lock%s -- sh -c 'echo holding demo/lock with token $DSYNC_LOCK_TOKEN'%n",
                home.resolve("bin/dsync"), node);
        out.printf("        %s lock list%s%n", home.resolve("bin/dsync"), node);
        out.printf("        %s queue declare demo%s && %s queue send demo hello --key k1%s && %s queue consume demo%s%n",
                home.resolve("bin/dsync"), node, home.resolve("bin/dsync"), node, home.resolve("bin/dsync"), node);
        out.printf("        %s cache declare demo%s && %s cache put demo greeting hello%s && %s cache get demo greeting%s%n",
                home.resolve("bin/dsync"), node, home.resolve("bin/dsync"), node, home.resolve("bin/dsync"), node);
        LocalRedis redis = local;
        if (redis != null) {
            // Stopped after the node (runInForeground's hook), not beside it: else the node's shutdown finds Redis gone.
            redis.stopOnlyOnClose();
        }
        try {
            return NodeCommand.runInForeground(options, out, redis == null ? null : redis::close);
        } catch (RuntimeException | InterruptedException e) {
            if (redis != null) {
                redis.close();
            }
            throw e;
        }
    }
}
