package io.dsync.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The registry's layout in Redis, readable and writable from any JVM (the node and the CLI share it).
 *
 * <p>Layout, all in one hash slot per cluster so that it also works on Redis Cluster:
 * <ul>
 *   <li>{@code dsync:{<cluster>}:registry:node:<id>} — a hash {@code instance -> <uuid>}, {@code info -> <NodeInfo
 *       JSON>}, expiring a few heartbeats after the last write;</li>
 *   <li>{@code dsync:{<cluster>}:registry:nodes} — the set of ids that may be live (ids whose hash expired are
 *       removed by readers).</li>
 * </ul>
 *
 * <p>Thread-safety: immutable and safe to share.
 */
public final class NodeDirectory {

    private static final String REGISTER = """
            local cur = redis.call('HGET', KEYS[1], 'instance')
            if cur and cur ~= ARGV[1] then return cur end
            redis.call('HSET', KEYS[1], 'instance', ARGV[1], 'info', ARGV[2])
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

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final RedissonClient client;
    private final String cluster;

    /**
     * @param client a Redisson client
     * @param cluster the cluster whose registry to use
     */
    public NodeDirectory(RedissonClient client, String cluster) {
        this.client = client;
        this.cluster = cluster;
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
        try {
            String holder = script().eval(RScript.Mode.READ_WRITE, REGISTER, RScript.ReturnType.VALUE,
                    List.of(nodeKey(info.id()), setKey()), info.instance(), JSON.writeValueAsString(info),
                    Long.toString(ttl.toMillis()), info.id());
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
     * @return the live nodes, ordered by id
     * @throws RegistryUnavailableException when Redis cannot be read
     */
    public List<NodeInfo> list() {
        try {
            List<String> ids = new ArrayList<>(client.<String>getSet(setKey(), StringCodec.INSTANCE).readAll());
            ids.sort(Comparator.naturalOrder());
            RBatch batch = client.createBatch();
            List<RFuture<Object>> infos = new ArrayList<>(ids.size());
            for (String id : ids) {
                infos.add(batch.getMap(nodeKey(id), StringCodec.INSTANCE).getAsync("info"));
            }
            if (!ids.isEmpty()) {
                batch.execute();
            }
            List<NodeInfo> nodes = new ArrayList<>(ids.size());
            List<String> expired = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                Object json = infos.get(i).toCompletableFuture().join();
                if (json == null) {
                    expired.add(ids.get(i));
                } else {
                    nodes.add(decode(json.toString()));
                }
            }
            if (!expired.isEmpty()) {
                client.<String>getSet(setKey(), StringCodec.INSTANCE).removeAll(expired);
            }
            return nodes;
        } catch (RegistryUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable("read", e);
        }
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
                + "' in Redis: " + root.getClass().getSimpleName() + ": " + root.getMessage(), e);
    }

    String setKey() {
        return "dsync:{" + cluster + "}:registry:nodes";
    }

    String nodeKey(String id) {
        return "dsync:{" + cluster + "}:registry:node:" + id;
    }
}
