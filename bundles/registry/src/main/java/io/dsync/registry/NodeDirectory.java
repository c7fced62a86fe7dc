package io.dsync.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.redisson.Redisson;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RMapAsync;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.RedisCommands;
import org.redisson.command.CommandAsyncExecutor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.redis.RedisErrors;

/**
 * The registry's layout in Redis, readable and writable from any JVM (the node and the CLI share it).
 *
 * <p>Layout, all in one hash slot per cluster so that it also works on Redis Cluster:
 * <ul>
 *   <li>{@code dsync:{<cluster>}:registry:node:<id>} — a hash {@code instance -> <uuid>}, {@code info -> <NodeInfo
 *       JSON>}, and, from nodes that say how they reach Redis, {@code conn -> <the name of their Redis connections>},
 *       {@code beat -> <ms between heartbeats>}, {@code ttl -> <ms>}; expiring {@code ttl} after the last write;</li>
 *   <li>{@code dsync:{<cluster>}:registry:nodes} — the set of ids that may be live (ids whose hash expired are
 *       removed by readers).</li>
 * </ul>
 *
 * <h2>Which nodes are live</h2>
 * A node is listed until its entry expires, a few heartbeats after its last one. A node that has missed a heartbeat
 * (its entry is older than {@code beat} plus {@value #LATE_SLACK_MILLIS} ms) and has no connection to Redis under its
 * name any more ({@code CLIENT LIST}) is left out at once: its process is gone, since the kernel closes the
 * connections of a process that dies, {@code kill -9} included. So a dead node leaves the list at most one heartbeat
 * and {@value #LATE_SLACK_MILLIS} ms after it died instead of at its entry's expiry. A node that is paused, slow or
 * cut off from the others but not from Redis keeps its connections and stays listed until its entry expires. Absence
 * counts only once the oldest connection of the listed nodes is at least {@code settle} old: after Redis restarted or
 * failed over, every live node gets that long to reconnect. Where {@code CLIENT LIST} is refused (an ACL), entries
 * simply expire.
 *
 * <h2>Responsive nodes</h2>
 * {@link #listResponsive()} also leaves out the nodes whose entry is more than two heartbeats and
 * {@value #LATE_SLACK_MILLIS} ms old, connected or not: a node paused (SIGSTOP, a long GC), starved or cut off from
 * Redis, seconds before its entry expires. For users whose safety does not depend on it (the queue's owners are
 * fenced by epochs in Redis, so a node taken for gone that comes back can do no harm), and who would rather move its
 * work than wait for it. The same settle time applies: right after Redis restarted, when nobody could write a
 * heartbeat for a while, lateness says nothing and only the expiry counts.
 *
 * <p>Thread-safety: immutable and safe to share.
 */
public final class NodeDirectory {

    private static final String REGISTER = """
            local cur = redis.call('HGET', KEYS[1], 'instance')
            if cur and cur ~= ARGV[1] then return cur end
            redis.call('HSET', KEYS[1], 'instance', ARGV[1], 'info', ARGV[2], 'conn', ARGV[5], 'beat', ARGV[6],
                'ttl', ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            redis.call('SADD', KEYS[2], ARGV[4])
            return ARGV[1]
            """;

    private static final String DEREGISTER = """
            if redis.call('HGET', KEYS[1], 'instance') == ARGV[1] then
              redis.call('DEL', KEYS[1])
              redis.call('SREM', KEYS[2], ARGV[2])
              return 1
            end
            return 0
            """;

    private static final Set<String> FIELDS = Set.of("info", "conn", "beat", "ttl");

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** How much later than its heartbeat interval a node's entry may be written before its connections are checked. */
    static final long LATE_SLACK_MILLIS = 250;
    /** How long Redis must have served its oldest connection before a node without one counts as gone. */
    static final Duration DEFAULT_SETTLE = Duration.ofSeconds(5);

    private final RedissonClient client;
    private final String cluster;
    private final long settleSeconds;
    /**
     * The entries the last {@link #list()} decoded, by their JSON: each node, role and console reads the registry
     * several times a second, and an entry changes only when its node's bundles or heartbeat time do.
     */
    private volatile Map<String, NodeInfo> decoded = Map.of();

    /**
     * @param client a Redisson client
     * @param cluster the cluster whose registry to use
     */
    public NodeDirectory(RedissonClient client, String cluster) {
        this(client, cluster, DEFAULT_SETTLE);
    }

    NodeDirectory(RedissonClient client, String cluster, Duration settle) {
        this.client = client;
        this.cluster = cluster;
        this.settleSeconds = settle.toSeconds();
    }

    /**
     * Writes one heartbeat.
     *
     * @param info what to publish
     * @param ttl how long the entry lives without a further heartbeat
     * @return empty when written; otherwise the instance id of another live process that holds this node id (nothing
     *     is written then)
     * @throws RegistryUnavailableException when Redis cannot be written
     */
    public Optional<String> register(NodeInfo info, Duration ttl) {
        return register(info, ttl, Duration.ZERO, "");
    }

    /**
     * Writes one heartbeat of a node whose death the readers may see before its entry expires (see the class
     * comment).
     *
     * @param info what to publish
     * @param ttl how long the entry lives without a further heartbeat
     * @param heartbeat the time between two heartbeats
     * @param connectionName the name the node's Redis connections carry ({@code CLIENT SETNAME})
     * @return empty when written; otherwise the instance id of another live process that holds this node id
     * @throws RegistryUnavailableException when Redis cannot be written
     * @since 1.1
     */
    public Optional<String> register(NodeInfo info, Duration ttl, Duration heartbeat, String connectionName) {
        try {
            String holder = script().eval(RScript.Mode.READ_WRITE, REGISTER, RScript.ReturnType.VALUE,
                    List.of(nodeKey(info.id()), setKey()), info.instance(), JSON.writeValueAsString(info),
                    Long.toString(ttl.toMillis()), info.id(), connectionName, Long.toString(heartbeat.toMillis()));
            return info.instance().equals(holder) ? Optional.empty() : Optional.of(holder);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode node info", e);
        } catch (RuntimeException e) {
            throw unavailable("write", e);
        }
    }

    /**
     * Removes the node's entry if it is still this instance's.
     *
     * @param id node id
     * @param instance the instance id that registered it
     * @throws RegistryUnavailableException when Redis cannot be written
     */
    public void deregister(String id, String instance) {
        try {
            script().eval(RScript.Mode.READ_WRITE, DEREGISTER, RScript.ReturnType.LONG,
                    List.of(nodeKey(id), setKey()), instance, id);
        } catch (RuntimeException e) {
            throw unavailable("write", e);
        }
    }

    /**
     * @return the live nodes (see the class comment), ordered by id
     * @throws RegistryUnavailableException when Redis cannot be read
     */
    public List<NodeInfo> list() {
        return list(false);
    }

    /**
     * The live nodes without those more than two heartbeats late (see the class comment).
     *
     * @return those nodes, ordered by id
     * @throws RegistryUnavailableException when Redis cannot be read
     * @since 1.2
     */
    public List<NodeInfo> listResponsive() {
        return list(true);
    }

    private List<NodeInfo> list(boolean responsiveOnly) {
        try {
            List<String> ids = new ArrayList<>(client.<String>getSet(setKey(), StringCodec.INSTANCE).readAll());
            ids.sort(Comparator.naturalOrder());
            RBatch batch = client.createBatch();
            List<RFuture<Map<String, String>>> entries = new ArrayList<>(ids.size());
            List<RFuture<Long>> remaining = new ArrayList<>(ids.size());
            for (String id : ids) {
                RMapAsync<String, String> entry = batch.getMap(nodeKey(id), StringCodec.INSTANCE);
                entries.add(entry.getAllAsync(FIELDS));
                remaining.add(entry.remainTimeToLiveAsync());
            }
            if (!ids.isEmpty()) {
                batch.execute();
            }
            List<NodeInfo> nodes = new ArrayList<>(ids.size());
            Map<String, NodeInfo> known = decoded;
            Map<String, NodeInfo> decodedNow = new HashMap<>();
            List<String> expired = new ArrayList<>();
            Map<String, String> lateConnections = new HashMap<>();
            Set<String> connectionNames = new HashSet<>();
            Set<String> unresponsive = new HashSet<>();
            for (int i = 0; i < ids.size(); i++) {
                Map<String, String> entry = entries.get(i).toCompletableFuture().join();
                String json = entry.get("info");
                if (json == null) {
                    expired.add(ids.get(i));
                    continue;
                }
                NodeInfo node = known.get(json);
                if (node == null) {
                    node = decode(json);
                }
                decodedNow.put(json, node);
                nodes.add(node);
                String conn = entry.get("conn");
                if (conn == null || conn.isEmpty()) {
                    continue; // a writer that does not name its connections: its entry expires, nothing more
                }
                connectionNames.add(conn);
                long beat = number(entry.get("beat"));
                long late = sinceLastWrite(entry, remaining.get(i).toCompletableFuture().join()) - beat;
                if (late > LATE_SLACK_MILLIS) {
                    lateConnections.put(node.id(), conn);
                    if (responsiveOnly && beat > 0 && late > beat + LATE_SLACK_MILLIS) {
                        unresponsive.add(node.id());
                    }
                }
            }
            decoded = decodedNow;
            if (!expired.isEmpty()) {
                client.<String>getSet(setKey(), StringCodec.INSTANCE).removeAll(expired);
            }
            if (!lateConnections.isEmpty()) {
                connected(connectionNames).ifPresent(connected -> nodes.removeIf(n -> unresponsive.contains(n.id())
                        || lateConnections.containsKey(n.id()) && !connected.contains(lateConnections.get(n.id()))));
            }
            return nodes;
        } catch (RegistryUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable("read", e);
        }
    }

    /** Milliseconds since the entry's last heartbeat, by Redis' clock; 0 when unknown. */
    private static long sinceLastWrite(Map<String, String> entry, Long remainingMillis) {
        long ttl = number(entry.get("ttl"));
        return ttl <= 0 || remainingMillis == null || remainingMillis < 0 ? 0 : ttl - remainingMillis;
    }

    private static long number(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Which of {@code names} have a connection to the primary that holds the registry now, or empty when absence says
     * nothing: none of those connections is {@code settle} old yet (Redis has just restarted or failed over, and the
     * nodes are still coming back; other clients' connections, a Sentinel's say, do not count), or Redis refuses
     * {@code CLIENT LIST}.
     */
    private Optional<Set<String>> connected(Set<String> names) {
        if (!(client instanceof Redisson redisson)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            // Redisson has no public call for CLIENT LIST; its executor sends the command to the key's primary.
            CommandAsyncExecutor executor = redisson.getCommandExecutor();
            lines = executor.<List<String>, List<String>>writeAsync(setKey(), StringCodec.INSTANCE,
                    RedisCommands.CLIENT_LIST).toCompletableFuture().join();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        Set<String> connected = new HashSet<>();
        long oldest = -1;
        for (String line : lines) {
            String name = null;
            long age = -1;
            for (String field : line.split(" ")) {
                if (field.startsWith("name=")) {
                    name = field.substring(5);
                } else if (field.startsWith("age=")) {
                    age = number(field.substring(4));
                }
            }
            if (name != null && names.contains(name)) {
                connected.add(name);
                oldest = Math.max(oldest, age);
            }
        }
        return oldest < settleSeconds ? Optional.empty() : Optional.of(connected);
    }

    private RScript script() {
        return client.getScript(StringCodec.INSTANCE);
    }

    private static NodeInfo decode(String json) {
        try {
            return JSON.readValue(json, NodeInfo.class);
        } catch (JsonProcessingException e) {
            throw new RegistryUnavailableException("registry holds an entry that is not a node: " + e.getOriginalMessage(), e);
        }
    }

    private RegistryUnavailableException unavailable(String what, RuntimeException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new RegistryUnavailableException("cannot " + what + " the node registry of cluster '" + cluster
                + "' in Redis: " + RedisErrors.describe(root), e);
    }

    String setKey() {
        return "dsync:{" + cluster + "}:registry:nodes";
    }

    String nodeKey(String id) {
        return "dsync:{" + cluster + "}:registry:node:" + id;
    }
}
