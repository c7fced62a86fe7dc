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
import java.util.concurrent.TimeUnit;

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
import io.dsync.queue.QueueException;
import io.dsync.queue.QueueNotFoundException;

/**
 * The declared queues of a cluster: one Redis hash, {@code dsync:<cluster>:queues}, queue name to {@link QueueMeta}
 * JSON. A declaration is one Lua script (create if absent, with its dead-letter queue required to exist, stamped with
 * a new {@link QueueMeta#incarnation()}; refused while a deletion of the name is unfinished), so two nodes declaring
 * the same queue at once agree on one configuration. A queue's configuration never changes, but a queue can be deleted ({@link QueueDeletion}) and declared again: a
 * found queue is cached, and read again in the background once its copy is older than {@link #REVALIDATE_NANOS}, so
 * a node learns of a deletion within about that long (the owners refuse calls for the deleted queue's partitions
 * sooner: the deletion fences them). A missing queue is asked again each time. Fields that start with
 * {@value #RESERVED} are not queues but deletions under way ({@code ~deleting/<name>}); no queue name starts so.
 */
public final class QueueCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(QueueCatalog.class);

    /** Fields it does not know are skipped: an entry written by a later version of the catalog stays readable. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final String DECLARE = """
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            if current then return {'exists', current} end
            if redis.call('HEXISTS', KEYS[1], ARGV[4]) == 1 then return {'deleting', ''} end
            if ARGV[3] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[3]) == 0 then return {'no-dlq', ''} end
            local time = redis.call('TIME')
            local incarnation = string.format('%d', tonumber(time[1]) * 1000000 + tonumber(time[2]))
            local json = string.sub(ARGV[2], 1, -2) .. ',"incarnation":' .. incarnation .. '}'
            redis.call('HSET', KEYS[1], ARGV[1], json)
            return {'created', json}
            """;

    /*
     * KEYS: the catalog. ARGV: the queue, its deletion field. Refused while another queue names it as its dead-letter
     * queue (that queue's dead letters would have nowhere to go); else the entry moves to the deletion field, where it
     * stays until every partition is retired, so that a deletion cut short can be run again.
     */
    private static final String DELETE = """
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            if not current then
              local pending = redis.call('HGET', KEYS[1], ARGV[2])
              if pending then return {'resume', pending} end
              return {'absent', ''}
            end
            local users = {}
            local all = redis.call('HGETALL', KEYS[1])
            for i = 1, #all, 2 do
              if all[i] ~= ARGV[1] and string.sub(all[i], 1, 1) ~= '~' then
                local ok, q = pcall(cjson.decode, all[i + 1])
                if ok and type(q) == 'table' and q['deadLetterQueue'] == ARGV[1] then users[#users + 1] = all[i] end
              end
            end
            if #users > 0 then
              table.sort(users)
              return {'in-use', table.concat(users, ',')}
            end
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('HSET', KEYS[1], ARGV[2], '{"deleting":' .. current .. '}')
            return {'deleting', current}
            """;

    /** Catalog fields that start with this are not queues. */
    public static final String RESERVED = "~";
    private static final String DELETING = RESERVED + "deleting/";
    /** A cached queue older than this is read again (in the background) when it is asked for. */
    static final long REVALIDATE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final RedissonClient client;
    private final String key;
    private final Map<String, Cached> known = new ConcurrentHashMap<>();
    /** Queues whose cached copy is being read again. */
    private final Set<String> revalidating = ConcurrentHashMap.newKeySet();
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
     * @return the queue as stored; fails with {@link QueueConfigConflictException}, {@link QueueNotFoundException}
     *     (the dead-letter queue), {@link DeletionUnfinishedException}, or with the Redis failure
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
                RScript.ReturnType.LIST, List.of(key), config.name(), write(wanted), dlq, DELETING + config.name());
        return reply.thenApply(r -> {
            String outcome = (String) r.get(0);
            if ("no-dlq".equals(outcome)) {
                throw new QueueNotFoundException(config.deadLetterQueue());
            }
            if ("deleting".equals(outcome)) {
                throw new DeletionUnfinishedException(config.name());
            }
            QueueMeta stored = read((String) r.get(1));
            // As stored (whole milliseconds): a visibility timeout with a fraction of a millisecond is not a conflict.
            if (!stored.config().equals(wanted.config())) {
                throw new QueueConfigConflictException(stored.config(), config);
            }
            remember(stored);
            return stored;
        });
    }

    /** The queue, from the cache or Redis; empty if it is not declared. */
    public CompletionStage<Optional<QueueMeta>> find(String queue) {
        Cached cached = known.get(queue);
        if (cached == null) {
            return fetch(queue);
        }
        if (System.nanoTime() - cached.readAt > REVALIDATE_NANOS && revalidating.add(queue)) {
            fetch(queue).whenComplete((found, e) -> revalidating.remove(queue));
        }
        return CompletableFuture.completedFuture(Optional.of(cached.meta));
    }

    private CompletionStage<Optional<QueueMeta>> fetch(String queue) {
        return client.<String, String>getMap(key, StringCodec.INSTANCE).getAsync(queue).thenApply(json -> {
            if (json == null) {
                known.remove(queue);
                return Optional.<QueueMeta>empty();
            }
            QueueMeta meta = read(json);
            remember(meta);
            return Optional.of(meta);
        });
    }

    private void remember(QueueMeta meta) {
        known.put(meta.name(), new Cached(meta, System.nanoTime()));
    }

    /** Forgets a queue found deleted (an owner answered that it is not declared). */
    public void forget(String queue) {
        known.remove(queue);
    }

    /** Every declared queue, sorted by name (reads Redis; the cache then holds exactly these). */
    public List<QueueMeta> list() {
        Map<String, String> all = client.<String, String>getMap(key, StringCodec.INSTANCE).readAllMap();
        List<QueueMeta> queues = new ArrayList<>();
        for (Map.Entry<String, String> e : all.entrySet()) {
            if (e.getKey().startsWith(RESERVED)) {
                continue;
            }
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
            remember(meta);
            queues.add(meta);
        }
        known.keySet().retainAll(all.keySet());
        queues.sort((a, b) -> a.name().compareTo(b.name()));
        return queues;
    }

    /** The queues seen so far, without asking Redis. */
    public List<QueueMeta> cached() {
        return known.values().stream().map(Cached::meta).toList();
    }

    /** The outcome of {@link #startDeletion}. */
    sealed interface Deletion {
        /** The queue to retire: moved out of the catalog now, or left by a deletion cut short ({@code resumed}). */
        record Retire(QueueMeta queue, boolean resumed) implements Deletion {
        }

        /** Refused: these queues send their dead letters to it. */
        record InUse(List<String> deadLetterQueueOf) implements Deletion {
        }

        /** Neither declared nor being deleted. */
        record Absent() implements Deletion {
        }
    }

    /** Takes a queue out of the catalog (first step of {@link QueueDeletion}). */
    CompletionStage<Deletion> startDeletion(String queue) {
        RScript script = client.getScript(StringCodec.INSTANCE);
        CompletionStage<List<Object>> reply = script.evalAsync(key, RScript.Mode.READ_WRITE, DELETE,
                RScript.ReturnType.LIST, List.of(key), queue, DELETING + queue);
        return reply.thenApply(r -> {
            String outcome = (String) r.get(0);
            String value = (String) r.get(1);
            known.remove(queue);
            return switch (outcome) {
                case "deleting" -> new Deletion.Retire(read(value), false);
                case "resume" -> new Deletion.Retire(readDeleting(value), true);
                case "in-use" -> new Deletion.InUse(List.of(value.split(",")));
                default -> new Deletion.Absent();
            };
        });
    }

    /** Ends a deletion whose partitions are all retired (last step of {@link QueueDeletion}). */
    CompletionStage<Void> finishDeletion(String queue) {
        return client.<String, String>getMap(key, StringCodec.INSTANCE).fastRemoveAsync(DELETING + queue)
                .thenApply(n -> null);
    }

    private static QueueMeta readDeleting(String json) {
        try {
            return JSON.treeToValue(JSON.readTree(json).path("deleting"), QueueMeta.class);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalStateException("the queue catalog holds a deletion that is not a queue: " + json, e);
        }
    }

    private record Cached(QueueMeta meta, long readAt) {
    }

    /** A declaration refused: the queue's deletion was cut short, and must be finished first. */
    public static final class DeletionUnfinishedException extends QueueException {
        private static final long serialVersionUID = 1L;

        DeletionUnfinishedException(String queue) {
            super("queue '" + queue + "' is being deleted, and its deletion did not finish (Redis failed during it): "
                    + "delete it again to finish (dsync queue delete " + queue + "), then declare it");
        }
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
