package io.dsync.devkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A throw-away Redis Cluster on 127.0.0.1: N masters (3 by default, no replicas), each a child process of this JVM in
 * a folder of its own, started from the binary {@link LocalRedis} would run (the system {@code redis-server}, else the
 * embedded Redis 6.2), with no persistence. Formed without {@code redis-cli}: {@code CLUSTER MEET} from the first node
 * to the others, {@code CLUSTER ADDSLOTS} on each for an equal share of the 16384 slots (as {@code redis-cli --cluster
 * create} splits them: 0-5460, 5461-10922, 10923-16383 for three), then a wait until every node reports
 * {@code cluster_state:ok} (one node says ok while another still answers {@code CLUSTERDOWN}).
 *
 * <p>Stopped by {@link #close()} and when this JVM exits. Thread-safety: may be closed from any thread.
 */
public final class LocalRedisCluster implements AutoCloseable {

    /** The number of hash slots of every Redis Cluster. */
    public static final int SLOTS = 16384;

    /** A cluster node binds its cluster bus on its port plus this (Redis' fixed offset before {@code cluster-port}). */
    static final int CLUSTER_BUS_OFFSET = 10_000;

    private final Path dir;
    private final boolean ownDir;
    private final List<RedisServer> masters = new ArrayList<>();
    /** The first and last slot of each master, in the order of {@link #masters}. */
    private final List<int[]> ranges = new ArrayList<>();

    private LocalRedisCluster(Path dir, boolean ownDir) {
        this.dir = dir;
        this.ownDir = ownDir;
    }

    /** Starts three masters in a temporary folder, deleted on {@link #close()}. */
    public static LocalRedisCluster start() throws IOException {
        return start(3);
    }

    /** Starts {@code masters} masters in a temporary folder, deleted on {@link #close()}. */
    public static LocalRedisCluster start(int masters) throws IOException {
        return start(Files.createTempDirectory("dsync-redis-cluster"), masters, true);
    }

    /**
     * Starts {@code masters} masters, each in {@code dir/master-<i>} (its {@code nodes.conf} and {@code redis.log}
     * stay there), and waits until the cluster is formed.
     *
     * @throws IOException if a server does not start, or the cluster is not ok on every node within 30 s; what was
     *     started is stopped again
     */
    public static LocalRedisCluster start(Path dir, int masters) throws IOException {
        return start(dir, masters, false);
    }

    private static LocalRedisCluster start(Path dir, int count, boolean ownDir) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("a cluster needs at least one master, got " + count);
        }
        LocalRedisCluster cluster = new LocalRedisCluster(dir, ownDir);
        try {
            cluster.form(RedisServer.Binary.configured(), count);
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void form(RedisServer.Binary binary, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            int port = LocalRedis.freePort(CLUSTER_BUS_OFFSET);
            List<String> args = new ArrayList<>(RedisServer.baseArgs(port));
            args.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "5000"));
            masters.add(RedisServer.start(binary, dir.resolve("master-" + (i + 1)), port, args));
        }
        RedisServer first = masters.get(0);
        for (RedisServer other : masters.subList(1, count)) {
            first.call("CLUSTER", "MEET", "127.0.0.1", Integer.toString(other.port()));
        }
        // ADDSLOTSRANGE is Redis 7 only; ADDSLOTS takes the slot numbers one by one.
        double share = (double) SLOTS / count;
        int from = 0;
        for (int i = 0; i < count; i++) {
            int to = i == count - 1 ? SLOTS - 1 : (int) Math.round((i + 1) * share - 1);
            List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
            for (int slot = from; slot <= to; slot++) {
                command.add(Integer.toString(slot));
            }
            masters.get(i).call(command.toArray(String[]::new));
            ranges.add(new int[] {from, to});
            from = to + 1;
        }
        awaitOk(Duration.ofSeconds(30));
    }

    private void awaitOk(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (RedisServer m : masters) {
                Map<String, String> info = Resp.fields(Resp.text(m.port(), "CLUSTER", "INFO"));
                if (!"ok".equals(info.get("cluster_state"))
                        || !Integer.toString(masters.size()).equals(info.get("cluster_known_nodes"))) {
                    ok = false;
                    last = "node :" + m.port() + " says cluster_state:" + info.get("cluster_state") + ", cluster_known_nodes:"
                            + info.get("cluster_known_nodes") + ", cluster_slots_assigned:" + info.get("cluster_slots_assigned");
                    break;
                }
            }
            if (ok) {
                return;
            }
            RedisServer.sleep(100);
        }
        throw new IOException("the Redis Cluster was not ok on every node within " + timeout.toSeconds() + " s: " + last);
    }

    /** @return the masters' ports on 127.0.0.1, in the order of their slot ranges */
    public List<Integer> ports() {
        return masters.stream().map(RedisServer::port).toList();
    }

    /** @return {@code redis://127.0.0.1:<port>} of every master, e.g. the seed nodes of a client */
    public List<String> addresses() {
        return ports().stream().map(p -> "redis://127.0.0.1:" + p).toList();
    }

    /** @return which binary runs the masters, for people */
    public String kind() {
        return masters.get(0).binary().kind();
    }

    /** @return the masters' process ids */
    public List<Long> pids() {
        return masters.stream().map(RedisServer::pid).toList();
    }

    /** @return the hash slot of {@code key}, as the cluster computes it ({@code CLUSTER KEYSLOT}) */
    public int slot(String key) throws IOException {
        return ((Long) Resp.call(masters.get(0).port(), "CLUSTER", "KEYSLOT", key)).intValue();
    }

    /** @return the port of the master that serves {@code slot} */
    public int portOfSlot(int slot) {
        for (int i = 0; i < ranges.size(); i++) {
            if (slot >= ranges.get(i)[0] && slot <= ranges.get(i)[1]) {
                return masters.get(i).port();
            }
        }
        throw new IllegalArgumentException("no slot " + slot + " (0.." + (SLOTS - 1) + ")");
    }

    /**
     * The keys each master holds that match a pattern ({@code KEYS}, fine for a test's few thousand keys).
     *
     * @return by master port, in slot order, the matching keys sorted
     */
    public Map<Integer, List<String>> keys(String pattern) throws IOException {
        Map<Integer, List<String>> byPort = new LinkedHashMap<>();
        for (RedisServer m : masters) {
            @SuppressWarnings("unchecked")
            List<Object> keys = (List<Object>) Resp.call(m.port(), "KEYS", pattern);
            byPort.put(m.port(), keys.stream().map(Object::toString).sorted().toList());
        }
        return byPort;
    }

    /**
     * Sends one command to one master (no redirection is followed: a key of another master's slot answers
     * {@code MOVED}, as an error).
     *
     * @return a {@code String}, {@code Long}, {@code List} or {@code null}
     * @throws IOException if the master answers an error or does not answer
     */
    public Object call(int port, String... command) throws IOException {
        return Resp.call(port, command);
    }

    /** Stops every master (SIGTERM) and deletes the folder if this cluster made it. */
    @Override
    public void close() {
        masters.forEach(RedisServer::close);
        if (ownDir) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // A temporary folder left behind is harmless.
            }
        }
    }
}
