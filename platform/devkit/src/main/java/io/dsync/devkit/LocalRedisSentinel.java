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
 * A throw-away Redis with Sentinel on 127.0.0.1: a primary, one replica ({@code --replicaof}) and one sentinel
 * ({@code redis-server sentinel.conf --sentinel}, quorum 1) that watches the primary as {@value #MASTER_NAME}, all
 * child processes of this JVM started from the binary {@link LocalRedis} would run, each in a folder of its own, with
 * no persistence. The sentinel declares the primary down after {@value #DOWN_AFTER_MILLIS} ms without an answer and
 * promotes the replica; {@link #killPrimary()} makes it do so, {@link #awaitFailover} waits for it, and
 * {@link #restartAsReplica(int)} brings the killed server back, empty, as a replica of the new primary (what an
 * operator does, and what the sentinel itself would do some seconds after the old primary came back).
 *
 * <p>Stopped by {@link #close()} and when this JVM exits. Thread-safety: the fault methods may be called from any
 * thread, one at a time.
 */
public final class LocalRedisSentinel implements AutoCloseable {

    /** The name the sentinel knows the primary by. */
    public static final String MASTER_NAME = "mymaster";
    /** How long the sentinel waits for an answer before it takes the primary for down. */
    public static final int DOWN_AFTER_MILLIS = 1500;
    /** The sentinel's failover timeout (also how long it waits before trying a failed failover again). */
    public static final int FAILOVER_TIMEOUT_MILLIS = 5000;

    private final Path dir;
    private final boolean ownDir;
    private final RedisServer.Binary binary;
    /** The data servers (primary and replica, whichever is which now), by port. */
    private final Map<Integer, RedisServer> servers = new LinkedHashMap<>();
    private RedisServer sentinel;

    private LocalRedisSentinel(Path dir, boolean ownDir, RedisServer.Binary binary) {
        this.dir = dir;
        this.ownDir = ownDir;
        this.binary = binary;
    }

    /** Starts the three processes in a temporary folder, deleted on {@link #close()}. */
    public static LocalRedisSentinel start() throws IOException {
        return start(Files.createTempDirectory("dsync-redis-sentinel"), true);
    }

    /**
     * Starts the primary, the replica and the sentinel in {@code dir/primary}, {@code dir/replica} and
     * {@code dir/sentinel} (each with its {@code redis.log}), and waits until the replica is in sync and the sentinel
     * knows it.
     *
     * @throws IOException if a process does not start or the set-up is not ready within 30 s; what was started is
     *     stopped again
     */
    public static LocalRedisSentinel start(Path dir) throws IOException {
        return start(dir, false);
    }

    private static LocalRedisSentinel start(Path dir, boolean ownDir) throws IOException {
        LocalRedisSentinel s = new LocalRedisSentinel(dir, ownDir, RedisServer.Binary.configured());
        try {
            s.startAll();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void startAll() throws IOException {
        int primaryPort = LocalRedis.freePort();
        servers.put(primaryPort, RedisServer.start(binary, dir.resolve("primary"), primaryPort, dataArgs(primaryPort)));
        int replicaPort = LocalRedis.freePort();
        servers.put(replicaPort, RedisServer.start(binary, dir.resolve("replica"), replicaPort, replicaArgs(replicaPort, primaryPort)));
        awaitInSync(replicaPort, Duration.ofSeconds(30));
        awaitStreaming(primaryPort, replicaPort, Duration.ofSeconds(30));

        int sentinelPort = LocalRedis.freePort();
        Path sentinelDir = Files.createDirectories(dir.resolve("sentinel"));
        Path conf = sentinelDir.resolve("sentinel.conf");
        // The sentinel rewrites this file as it learns (replicas, epochs, a failover): it must be its own and writable.
        Files.writeString(conf, String.join("\n",
                "port " + sentinelPort,
                "bind 127.0.0.1",
                "daemonize no",
                "dir " + sentinelDir.toAbsolutePath(),
                "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primaryPort + " 1",
                "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS,
                "sentinel failover-timeout " + MASTER_NAME + " " + FAILOVER_TIMEOUT_MILLIS,
                "sentinel parallel-syncs " + MASTER_NAME + " 1",
                ""));
        sentinel = RedisServer.start(binary, sentinelDir, sentinelPort, List.of(conf.toAbsolutePath().toString(), "--sentinel"));
        awaitSentinelKnowsReplica(replicaPort, Duration.ofSeconds(30));
    }

    /**
     * A data server's arguments. Either server may be primary: each starts a full sync at once (Redis 7 syncs
     * diskless by default, after waiting 5 s for more replicas to join).
     */
    private static List<String> dataArgs(int port) {
        List<String> args = new ArrayList<>(RedisServer.baseArgs(port));
        args.addAll(List.of("--repl-diskless-sync-delay", "0"));
        return args;
    }

    private static List<String> replicaArgs(int port, int primaryPort) {
        List<String> args = new ArrayList<>(dataArgs(port));
        args.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(primaryPort)));
        return args;
    }

    /** @return the name the sentinel knows the primary by, {@value #MASTER_NAME} */
    public String masterName() {
        return MASTER_NAME;
    }

    /** @return {@code redis://127.0.0.1:<port>} of the sentinel */
    public String sentinelAddress() {
        return "redis://127.0.0.1:" + sentinel.port();
    }

    /** @return the sentinel's port */
    public int sentinelPort() {
        return sentinel.port();
    }

    /** @return the ports of the data servers (primary and replica), whichever is which now */
    public List<Integer> dataPorts() {
        return List.copyOf(servers.keySet());
    }

    /** @return which binary runs the servers, for people */
    public String kind() {
        return binary.kind();
    }

    /** @return the port of the primary as the sentinel names it now */
    public int primaryPort() throws IOException {
        @SuppressWarnings("unchecked")
        List<Object> addr = (List<Object>) Resp.call(sentinel.port(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt(addr.get(1).toString());
    }

    /** @return the {@code INFO replication} fields of the data server on {@code port} */
    public Map<String, String> replication(int port) throws IOException {
        return Resp.fields(Resp.text(port, "INFO", "replication"));
    }

    /**
     * Kills the primary with SIGKILL: what it had not sent to its replica is gone.
     *
     * @return its port
     */
    public int killPrimary() throws IOException {
        int port = primaryPort();
        servers.get(port).kill();
        return port;
    }

    /**
     * Waits until the sentinel names a primary other than {@code oldPrimary} and that server says it is one.
     *
     * @return the new primary's port
     * @throws IOException if that does not happen in time
     */
    public int awaitFailover(int oldPrimary, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                int now = primaryPort();
                if (now != oldPrimary && "master".equals(replication(now).get("role"))) {
                    return now;
                }
                last = "the sentinel names :" + now;
            } catch (IOException e) {
                last = e.getMessage();
            }
            RedisServer.sleep(100);
        }
        throw new IOException("no failover from :" + oldPrimary + " within " + timeout.toSeconds() + " s (" + last
                + "); sentinel log:\n" + sentinel.logTail(20));
    }

    /**
     * Starts the server that was on {@code port} again, empty, as a replica of the current primary, and waits until it
     * is in sync.
     */
    public void restartAsReplica(int port) throws IOException {
        RedisServer old = servers.get(port);
        if (old == null) {
            throw new IllegalArgumentException("no data server on port " + port + "; they are " + servers.keySet());
        }
        if (old.isAlive()) {
            throw new IllegalStateException("the server on port " + port + " still runs");
        }
        int primary = primaryPort();
        servers.put(port, old.startAgain(replicaArgs(port, primary)));
        awaitInSync(port, Duration.ofSeconds(30));
        awaitStreaming(primary, port, Duration.ofSeconds(30));
    }

    private void awaitInSync(int replicaPort, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> last = Map.of();
        while (System.nanoTime() < deadline) {
            last = replication(replicaPort);
            if ("up".equals(last.get("master_link_status")) && "0".equals(last.get("master_sync_in_progress"))) {
                return;
            }
            RedisServer.sleep(50);
        }
        throw new IOException("the replica on :" + replicaPort + " was not in sync within " + timeout.toSeconds()
                + " s: " + last + "; its log:\n" + servers.get(replicaPort).logTail(20));
    }

    /**
     * Waits until a write on the primary shows on the replica. The replica reports its link up as soon as it has
     * loaded the primary's snapshot, but the primary streams writes to it only after its first acknowledgement: a
     * write in that window (Redis 7.0.15, under load) was acknowledged by {@code WAIT} and yet missing on the replica
     * after a failover.
     */
    private void awaitStreaming(int primaryPort, int replicaPort, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String probe = "dsync:sentinel-probe";
        Object seen = null;
        for (long attempt = 1; System.nanoTime() < deadline; attempt++) {
            String nonce = Long.toString(attempt);
            Resp.call(primaryPort, "SET", probe, nonce);
            for (int i = 0; i < 10; i++) {
                seen = Resp.call(replicaPort, "GET", probe);
                if (nonce.equals(seen)) {
                    Resp.call(primaryPort, "DEL", probe);
                    return;
                }
                RedisServer.sleep(20);
            }
        }
        throw new IOException("writes on :" + primaryPort + " did not reach the replica :" + replicaPort + " within "
                + timeout.toSeconds() + " s (it has " + seen + "); its log:\n" + servers.get(replicaPort).logTail(20));
    }

    private void awaitSentinelKnowsReplica(int replicaPort, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = null;
        while (System.nanoTime() < deadline) {
            last = Resp.call(sentinel.port(), "SENTINEL", "REPLICAS", MASTER_NAME);
            for (Object replica : (List<?>) last) {
                Map<String, String> fields = pairs((List<?>) replica);
                if (Integer.toString(replicaPort).equals(fields.get("port")) && "slave".equals(fields.get("flags"))) {
                    return;
                }
            }
            RedisServer.sleep(100);
        }
        throw new IOException("the sentinel did not know the replica :" + replicaPort + " within " + timeout.toSeconds()
                + " s: " + last + "; its log:\n" + sentinel.logTail(20));
    }

    private static Map<String, String> pairs(List<?> flat) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            m.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        return m;
    }

    /** @return the process ids of every running process (data servers and sentinel) */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        servers.values().stream().filter(RedisServer::isAlive).forEach(s -> pids.add(s.pid()));
        if (sentinel != null && sentinel.isAlive()) {
            pids.add(sentinel.pid());
        }
        return pids;
    }

    /** Stops the sentinel first (so that it starts no failover), then the data servers; deletes its own folder. */
    @Override
    public void close() {
        if (sentinel != null) {
            sentinel.close();
        }
        servers.values().forEach(RedisServer::close);
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
