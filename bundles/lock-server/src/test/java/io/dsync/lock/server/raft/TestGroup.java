package io.dsync.lock.server.raft;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.protocol.RaftGroup;

import io.dsync.devkit.LocalRedis;
import io.dsync.lock.protocol.LockRaftGroup;

/**
 * The lock servers of one test: real Ratis members (Netty, durable logs under a temporary directory) on free loopback
 * ports in this JVM, with the default election timeouts (200-400 ms). Closed servers can be started again on their data.
 */
final class TestGroup implements AutoCloseable {

    static final String CLUSTER = "test";

    final List<RaftLockServer> servers = new CopyOnWriteArrayList<>();

    private final Map<String, InetSocketAddress> peers = new LinkedHashMap<>();

    private final Path dir;

    private int groups;

    /** How far each member's wall clock is ahead of the system's (the members' wall clocks, off or stepping). */
    private final Map<String, AtomicLong> clockOffsets = new ConcurrentHashMap<>();

    /** Election timeouts of the next starts; {@code null} for the defaults. */
    private Duration[] electionTimeouts;

    TestGroup(Path dir) {
        this(dir, 1);
    }

    /** A test group whose members form {@code groups} Raft groups when first started. */
    TestGroup(Path dir, int groups) {
        this.dir = dir;
        this.groups = groups;
    }

    /** Sets the election timeouts that the next starts use (the RPC timeout stays the default). */
    void electionTimeouts(Duration min, Duration max) {
        this.electionTimeouts = new Duration[] {min, max};
    }

    /** Sets the group count that the next starts ask for. */
    void groups(int count) {
        this.groups = count;
    }

    private RaftLockServer.Options options(String id) {
        RaftLockServer.Options o = RaftLockServer.Options.of(CLUSTER, id, peers, dir.resolve(id)).withGroups(groups);
        return electionTimeouts == null ? o
                : o.withTimeouts(electionTimeouts[0], electionTimeouts[1], RaftLockServer.Options.DEFAULT_RPC_TIMEOUT);
    }

    /** Starts {@code n} members n1..n{@code n} and returns once their endpoints listen (the election follows). */
    TestGroup start(int n) throws IOException {
        for (int i = 1; i <= n; i++) {
            peers.put("n" + i, new InetSocketAddress("127.0.0.1", freePort()));
        }
        restartAll();
        return this;
    }

    /** Starts every member again on its data folder, in parallel. */
    void restartAll() {
        List<CompletableFuture<RaftLockServer>> started = new ArrayList<>();
        for (String id : peers.keySet()) {
            started.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return start(id);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        started.forEach(f -> servers.add(f.join()));
    }

    /** Starts one member again on its data folder (after {@link #close(RaftLockServer)}). */
    RaftLockServer restart(String id) throws IOException {
        RaftLockServer s = start(id);
        servers.add(s);
        return s;
    }

    /** Starts a new member that joins the running group, and waits until the leader has added it. */
    RaftLockServer join(String id) throws IOException {
        peers.put(id, new InetSocketAddress("127.0.0.1", freePort()));
        RaftLockServer s = RaftLockServer.startJoining(options(id));
        servers.add(s);
        s.requestMembership(Duration.ofSeconds(15));
        return s;
    }

    private RaftLockServer start(String id) throws IOException {
        AtomicLong offset = clockOffsets.computeIfAbsent(id,
                k -> new AtomicLong());
        return RaftLockServer.start(options(id), () -> System.currentTimeMillis() + offset.get());
    }

    /** Moves every member's wall clock by {@code millis} at once (an NTP step, say). */
    void stepClocks(long millis) {
        peers.keySet().forEach(id -> clockOffsets.computeIfAbsent(id, k -> new AtomicLong())
                .addAndGet(millis));
    }

    Map<String, InetSocketAddress> peers() {
        return Map.copyOf(peers);
    }

    RaftGroup group() {
        return LockRaftGroup.group(CLUSTER, peers);
    }

    RaftLockServer member(String id) {
        return servers.stream().filter(s -> s.options().selfId().equals(id)).findFirst().orElseThrow();
    }

    /** Waits until a member is the ready leader (it has committed an entry of its term). */
    RaftLockServer awaitLeader() {
        RaftLockServer[] leader = new RaftLockServer[1];
        await("a ready leader among " + peers.keySet()).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    leader[0] = servers.stream().filter(RaftLockServer::isLeaderReady).findFirst().orElse(null);
                    return leader[0] != null;
                });
        return leader[0];
    }

    void close(RaftLockServer s) throws IOException {
        servers.remove(s);
        s.close();
    }

    /** Closes every member, in parallel: each close blocks about a second. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (RaftLockServer s : servers) {
            closing.add(CompletableFuture.runAsync(() -> {
                try {
                    s.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        servers.clear();
        closing.forEach(CompletableFuture::join);
    }

    /** Below the ephemeral range, so that no outgoing connection takes it before the member binds it. */
    private static int freePort() throws IOException {
        return LocalRedis.freePort();
    }
}
