package io.dsync.queue.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.redisson.api.RScript;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.QueueConfigConflictException;
import io.dsync.queue.QueueNotFoundException;

/**
 * The declared queues of a cluster: one Redis hash, {@code dsync:<cluster>:queues}, queue name to {@link QueueMeta}
 * JSON. A declaration is one Lua script (create if absent, with its dead-letter queue required to exist), so two nodes
 * declaring the same queue at once agree on one configuration. Queues are never changed once declared, so a found
 * queue is cached for good; a missing one is asked again each time.
 */
public final class QueueCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(QueueCatalog.class);

    /** Fields it does not know are skipped: an entry written by a later version of the catalog stays readable. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final String DECLARE = """
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            if current then return {'exists', current} end
            if ARGV[3] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[3]) == 0 then return {'no-dlq', ''} end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            return {'created', ARGV[2]}
            """;

    private final RedissonClient client;
    private final String key;
    private final Map<String, QueueMeta> known = new ConcurrentHashMap<>();
    /** Entries found unreadable, warned about once each. */
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();

    /**
     * @param client the node's Redisson client
     * @param key the catalog's key, {@code dsync:<cluster>:queues}
     */
    public QueueCatalog(RedissonClient client, String key) {
        this.client = client;
        this.key = key;
    }

    /**
     * Declares a queue, or finds it declared with an equal configuration.
     *
     * @param config the configuration
     * @param partitions the partition count for a new queue (an existing queue keeps its own)
     * @return the queue as stored; fails with {@link QueueConfigConflictException} or {@link QueueNotFoundException}
     *     (the dead-letter queue), or with the Redis failure
     */
    public CompletionStage<QueueMeta> declare(QueueConfig config, int partitions) {
        if (config.deadLetterQueue() == null) {
            return store(config, partitions);
        }
        // A dead-letter queue must take every message of the queue: one refused for its size would stay at the head
        // of its key, dead-lettered again and again, and hold back every later message of the key.
        return find(config.deadLetterQueue()).thenCompose(dlq -> {
            if (dlq.isPresent() && dlq.get().maxPayloadBytes() < config.maxPayloadBytes()) {
                throw new InvalidQueueRequestException("deadLetterQueue", "dead-letter queue '"
                        + config.deadLetterQueue() + "' accepts payloads up to " + dlq.get().maxPayloadBytes()
                        + " bytes, less than queue '" + config.name() + "' (" + config.maxPayloadBytes()
                        + "): declare it with at least as large a limit, or give '" + config.name() + "' a smaller one");
            }
            return store(config, partitions);
        });
    }

    private CompletionStage<QueueMeta> store(QueueConfig config, int partitions) {
        QueueMeta wanted = QueueMeta.of(config, partitions);
        String dlq = config.deadLetterQueue() == null ? "" : config.deadLetterQueue();
        RScript script = client.getScript(StringCodec.INSTANCE);
        CompletionStage<List<Object>> reply = script.evalAsync(key, RScript.Mode.READ_WRITE, DECLARE,
                RScript.ReturnType.LIST, List.of(key), config.name(), write(wanted), dlq);
        return reply.thenApply(r -> {
            String outcome = (String) r.get(0);
            if ("no-dlq".equals(outcome)) {
                throw new QueueNotFoundException(config.deadLetterQueue());
            }
            QueueMeta stored = read((String) r.get(1));
            // As stored (whole milliseconds): a visibility timeout with a fraction of a millisecond is not a conflict.
            if (!stored.config().equals(wanted.config())) {
                throw new QueueConfigConflictException(stored.config(), config);
            }
            known.put(stored.name(), stored);
            return stored;
        });
    }

    /** The queue, from the cache or Redis; empty if it was never declared. */
    public CompletionStage<Optional<QueueMeta>> find(String queue) {
        QueueMeta cached = known.get(queue);
        if (cached != null) {
            return CompletableFuture.completedFuture(Optional.of(cached));
        }
        return client.<String, String>getMap(key, StringCodec.INSTANCE).getAsync(queue).thenApply(json -> {
            if (json == null) {
                return Optional.<QueueMeta>empty();
            }
            QueueMeta meta = read(json);
            known.put(queue, meta);
            return Optional.of(meta);
        });
    }

    /** Every declared queue, sorted by name (reads Redis). */
    public List<QueueMeta> list() {
        Map<String, String> all = client.<String, String>getMap(key, StringCodec.INSTANCE).readAllMap();
        List<QueueMeta> queues = new ArrayList<>();
        for (Map.Entry<String, String> e : all.entrySet()) {
            QueueMeta meta;
            try {
                meta = read(e.getValue());
            } catch (IllegalStateException bad) {
                // One entry that is not a queue must not hide the others (ownership passes list every queue).
                if (unreadable.add(e.getKey())) {
                    LOG.warn("The queue catalog's entry '{}' is not a queue; left out: {}", e.getKey(), bad.getMessage());
                }
                continue;
            }
            known.put(meta.name(), meta);
            queues.add(meta);
        }
        queues.sort((a, b) -> a.name().compareTo(b.name()));
        return queues;
    }

    /** The queues seen so far, without asking Redis. */
    public List<QueueMeta> cached() {
        return List.copyOf(known.values());
    }

    static String write(QueueMeta meta) {
        try {
            return JSON.writeValueAsString(meta);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static QueueMeta read(String json) {
        try {
            return JSON.readValue(json.getBytes(StandardCharsets.UTF_8), QueueMeta.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the queue catalog holds an entry that is not a queue: "
                    + (json.length() > 200 ? json.substring(0, 200) + "..." : json), e);
        }
    }
}
