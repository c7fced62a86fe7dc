package io.dsync.platform.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.dsync.redis.RedisErrors;
import io.dsync.registry.NodeDirectory;
import io.dsync.registry.NodeInfo;
import io.dsync.registry.RegistryUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dsync status}: the live nodes of a cluster, read from the registry in Redis. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "List the live nodes of a cluster, as registered in Redis.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = "--redis", defaultValue = "${env:DSYNC_REDIS:-redis://127.0.0.1:6379}",
            description = "Redis address (default: ${DEFAULT-VALUE}; env DSYNC_REDIS).")
    String redis;

    @Option(names = "--password", defaultValue = "${env:DSYNC_REDIS_PASSWORD}", description = "Redis password (env DSYNC_REDIS_PASSWORD).")
    String password;

    @Option(names = "--cluster", defaultValue = "${env:DSYNC_CLUSTER:-default}", description = "Cluster name (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--json", description = "Print the registry entries as JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Home.initLogging(Home.find(), null);
        if (!(redis.startsWith("redis://") || redis.startsWith("rediss://"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--redis must look like redis://host:port, got '" + redis + "'");
        }
        Config config = new Config();
        config.setCodec(StringCodec.INSTANCE);
        config.useSingleServer().setAddress(redis).setConnectTimeout(2000).setTimeout(2000)
                .setRetryAttempts(0).setConnectionMinimumIdleSize(1).setConnectionPoolSize(2);
        if (password != null && !password.isBlank()) {
            config.setPassword(password);
        }
        RedissonClient client;
        try {
            client = Redisson.create(config);
        } catch (RuntimeException e) {
            Throwable root = rootCause(e);
            String hint = root instanceof java.net.ConnectException ? " (is it running?)"
                    : String.valueOf(root.getMessage()).contains("decode") ? " (is it a Redis server?)" : "";
            throw new Dsync.CliException("cannot reach Redis at " + redis + ": " + RedisErrors.describe(root) + hint);
        }
        try {
            List<NodeInfo> nodes = new NodeDirectory(client, cluster).list();
            print(nodes, spec.commandLine().getOut());
            return 0;
        } catch (RegistryUnavailableException e) {
            throw new Dsync.CliException(e.getMessage());
        } finally {
            client.shutdown();
        }
    }

    private void print(List<NodeInfo> nodes, PrintWriter out) throws Exception {
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(nodes));
            return;
        }
        if (nodes.isEmpty()) {
            out.printf("No live nodes in cluster '%s' (Redis %s): none started yet, or another --cluster?%n", cluster,
                    redis);
            return;
        }
        String format = "%-20s %-22s %-28s %-9s %-22s %s%n";
        out.printf(format, "NODE", "ROLES", "ADMIN", "BUNDLES", "STARTED", "HEARTBEAT");
        for (NodeInfo n : nodes) {
            long active = n.bundles().stream().filter(b -> b.healthy()).count();
            out.printf(format, n.id(), String.join(",", n.roles()), n.adminUrl() == null ? "-" : n.adminUrl(),
                    active + "/" + n.bundles().size(), seconds(n.startedAt()), age(n.heartbeatAt()));
        }
        out.printf("%d node%s in cluster '%s' (Redis %s)%n", nodes.size(), nodes.size() == 1 ? "" : "s", cluster, redis);
    }

    private static String age(String instant) {
        try {
            Duration d = Duration.between(Instant.parse(instant), Instant.now());
            return String.format("%.1f s ago", Math.max(0, d.toMillis()) / 1000.0);
        } catch (DateTimeParseException | NullPointerException e) {
            return "?";
        }
    }

    private static String seconds(String instant) {
        try {
            return Instant.parse(instant).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        } catch (DateTimeParseException | NullPointerException e) {
            return "?";
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
