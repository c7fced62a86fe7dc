package io.dsync.queue.node.store;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;

import io.dsync.queue.protocol.PartitionClaims;
import io.dsync.queue.protocol.PartitionKeys;

/**
 * A partition's storage in Redis, behind three calls: {@link #claim} (take ownership: a new epoch), {@link #load}
 * (read what the partition holds) and {@link #apply} (one batch of writes, fenced by the epoch).
 * <p>
 * Fencing: every batch runs in one Lua script that first compares the partition's epoch in Redis with the epoch the
 * writer was granted; if another node claimed the partition since, the script changes nothing and answers
 * {@link Fenced}. A node that was paused, cut off or replaced therefore cannot store, deliver, ack or delete anything
 * after its successor took over. The epoch lives in Redis, next to the data it guards, so the check is atomic with
 * the write (a fencing token from the lock service would need the same check in Redis, plus a lock service to be up).
 */
public final class PartitionStore {

    /*
     * KEYS: meta, stream, attempts, dedup, dedupTimes. ARGV: epoch, now (ms), then operations, each adding a fixed
     * number of values to the answer:
     *   add <call> <n> (<key> <payload> <headers>)*n  -> the ids, comma-separated; for a call seen before, '=' and the
     *                                                    ids of its first answer
     *   addd <call> <n> (<key> <payload> <headers> <attempts:until>)*n
     *                                                 -> as add, and each new entry with a record ("" for none) gets it:
     *                                                    a message stored with its first delivery (a poll waited)
     *   take <entry> <attempts:until>                 -> found (1/0), key, payload, headers
     *   get <entry>                                   -> found (1/0), key, payload, headers
     *   att <entry> <attempts:until>                  -> nothing ("" deletes the record)
     *   del <call> <entry>                            -> 1 if the entry was there
     *   seen <call>                                   -> 1 if the call was recorded
     */
    private static final String APPLY = """
            local epoch = redis.call('HGET', KEYS[1], 'epoch')
            if epoch ~= ARGV[1] then return {'fenced', epoch or '0'} end
            local out = {'ok'}
            local now = tonumber(ARGV[2])
            local recorded = 0
            local function record(call, result)
              if call ~= '' then
                recorded = recorded + 1
                redis.call('HSET', KEYS[4], call, result)
                redis.call('ZADD', KEYS[5], now, call)
              end
            end
            local function fetch(entry)
              local r = redis.call('XRANGE', KEYS[2], entry, entry)
              if #r == 0 then
                out[#out + 1] = '0'; out[#out + 1] = ''; out[#out + 1] = ''; out[#out + 1] = ''
                return
              end
              local f = r[1][2]
              local k, p, h = '', '', ''
              for j = 1, #f, 2 do
                if f[j] == 'k' then k = f[j + 1] elseif f[j] == 'p' then p = f[j + 1] elseif f[j] == 'h' then h = f[j + 1] end
              end
              out[#out + 1] = '1'; out[#out + 1] = k; out[#out + 1] = p; out[#out + 1] = h
            end
            local i = 3
            while i <= #ARGV do
              local op = ARGV[i]
              if op == 'add' or op == 'addd' then
                local call, n = ARGV[i + 1], tonumber(ARGV[i + 2])
                local width = op == 'add' and 3 or 4
                i = i + 3
                local previous = call ~= '' and redis.call('HGET', KEYS[4], call)
                if previous then
                  out[#out + 1] = '=' .. previous
                else
                  local ids = {}
                  for j = 1, n do
                    local base = i + (j - 1) * width
                    ids[j] = redis.call('XADD', KEYS[2], '*', 'k', ARGV[base], 'p', ARGV[base + 1], 'h', ARGV[base + 2])
                    if width == 4 and ARGV[base + 3] ~= '' then redis.call('HSET', KEYS[3], ids[j], ARGV[base + 3]) end
                  end
                  local joined = table.concat(ids, ',')
                  record(call, joined)
                  out[#out + 1] = joined
                end
                i = i + n * width
              elseif op == 'take' then
                redis.call('HSET', KEYS[3], ARGV[i + 1], ARGV[i + 2])
                fetch(ARGV[i + 1])
                i = i + 3
              elseif op == 'get' then
                fetch(ARGV[i + 1])
                i = i + 2
              elseif op == 'att' then
                if ARGV[i + 2] == '' then redis.call('HDEL', KEYS[3], ARGV[i + 1])
                else redis.call('HSET', KEYS[3], ARGV[i + 1], ARGV[i + 2]) end
                i = i + 3
              elseif op == 'del' then
                local n = redis.call('XDEL', KEYS[2], ARGV[i + 2])
                redis.call('HDEL', KEYS[3], ARGV[i + 2])
                record(ARGV[i + 1], '1')
                out[#out + 1] = tostring(n)
                i = i + 3
              elseif op == 'seen' then
                out[#out + 1] = tostring(redis.call('HEXISTS', KEYS[4], ARGV[i + 1]))
                i = i + 2
              else
                return redis.error_reply('unknown queue operation ' .. tostring(op))
              end
            end
            local old = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now - DEDUP_MILLIS, 'LIMIT', 0, recorded + 100)
            if #old > 0 then
              redis.call('HDEL', KEYS[4], unpack(old))
              redis.call('ZREM', KEYS[5], unpack(old))
            end
            return out
            """;

    /** How long a call id is remembered: longer than any client retries one call. */
    public static final long DEDUP_MILLIS = 10 * 60_000L;

    private static final String APPLY_SCRIPT = APPLY.replace("DEDUP_MILLIS", Long.toString(DEDUP_MILLIS));

    private final RedissonClient client;
    private final int replicaAcks;
    private final Duration replicaTimeout;

    /** A store whose writes complete when the Redis primary has them. */
    public PartitionStore(RedissonClient client) {
        this(client, 0, Duration.ZERO);
    }

    /**
     * @param replicaAcks how many Redis replicas must have a batch before it completes ({@code WAIT}); 0 for none
     * @param replicaTimeout how long a batch waits for them; a batch not replicated in time fails (outcome unknown)
     */
    public PartitionStore(RedissonClient client, int replicaAcks, Duration replicaTimeout) {
        this.client = client;
        this.replicaAcks = replicaAcks;
        this.replicaTimeout = replicaTimeout;
    }

    /**
     * Makes the caller the partition's owner for the queue's incarnation: answers the new epoch, which fences every
     * earlier owner, or {@link PartitionClaims#REFUSED} when the incarnation was deleted or a later one holds the
     * partition ({@link PartitionClaims}).
     */
    public CompletionStage<Long> claim(PartitionKeys keys, String owner, long incarnation) {
        return PartitionClaims.claim(client, keys, owner, incarnation);
    }

    /** An entry as stored: its id, key ({@code null} for none), and its delivery record (0 and 0 when never delivered). */
    public record StoredEntry(String id, String key, int attempts, long invisibleUntil) {
    }

    /**
     * A partition as loaded by a new owner.
     *
     * @param entries its entries, in stream order
     * @param lastId the largest id the stream ever gave an entry (its entries deleted since included), {@code null}
     *     for a stream never written: every id an earlier owner stored is at most this
     */
    public record Loaded(List<StoredEntry> entries, String lastId) {
    }

    /** The stream's last generated id, or '' when there is no stream. */
    private static final String LAST_ID = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return '' end
            local info = redis.call('XINFO', 'STREAM', KEYS[1])
            for i = 1, #info, 2 do
              if info[i] == 'last-generated-id' then return info[i + 1] end
            end
            return ''
            """;

    /**
     * Reads every entry of the partition, in stream order, with its delivery record, and the last id the stream gave.
     * Called by a new owner after its claim: earlier owners are fenced by then, so nothing changes under the read.
     */
    public Loaded load(PartitionKeys keys) {
        String lastId = client.getScript(StringCodec.INSTANCE).eval(keys.stream(), RScript.Mode.READ_ONLY, LAST_ID,
                RScript.ReturnType.STRING, List.of(keys.stream()));
        return new Loaded(entries(keys), lastId == null || lastId.isEmpty() ? null : lastId);
    }

    private List<StoredEntry> entries(PartitionKeys keys) {
        Map<String, String> records = client.<String, String>getMap(keys.attempts(), StringCodec.INSTANCE).readAllMap();
        List<StoredEntry> entries = new ArrayList<>();
        var stream = client.<String, String>getStream(keys.stream(), StringCodec.INSTANCE);
        StreamMessageId from = StreamMessageId.MIN;
        while (true) {
            Map<StreamMessageId, Map<String, String>> page = stream.range(1000, from, StreamMessageId.MAX);
            if (page.isEmpty()) {
                return entries;
            }
            for (var e : page.entrySet()) {
                String id = e.getKey().toString();
                String key = e.getValue().getOrDefault("k", "");
                String record = records.get(id);
                int attempts = 0;
                long until = 0;
                if (record != null) {
                    int colon = record.indexOf(':');
                    attempts = Integer.parseInt(record.substring(0, colon));
                    until = Long.parseLong(record.substring(colon + 1));
                }
                entries.add(new StoredEntry(id, key.isEmpty() ? null : key, attempts, until));
                from = new StreamMessageId(e.getKey().getId0(), e.getKey().getId1() + 1);
            }
        }
    }

    /** The answer of a batch whose epoch was not the partition's any more: another node owns it. */
    public static final class Fenced extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long current;

        Fenced(long current) {
            super("the partition was claimed by another node (epoch " + current + ")", null, false, false);
            this.current = current;
        }

        public long current() {
            return current;
        }
    }

    /**
     * Runs a batch of writes atomically, if the partition's epoch is still {@code epoch}.
     *
     * @return the values the operations answered, in order; fails with {@link Fenced} or the Redis failure
     */
    public CompletionStage<List<byte[]>> apply(PartitionKeys keys, long epoch, long now, Batch batch) {
        List<Object> args = new ArrayList<>(batch.args.size() + 2);
        args.add(bytes(Long.toString(epoch)));
        args.add(bytes(Long.toString(now)));
        args.addAll(batch.args);
        CompletionStage<List<Object>> reply;
        if (replicaAcks == 0) {
            reply = client.getScript(ByteArrayCodec.INSTANCE).evalAsync(keys.meta(), RScript.Mode.READ_WRITE,
                    APPLY_SCRIPT, RScript.ReturnType.LIST, keys.all(), args.toArray());
        } else {
            // The script and a WAIT for the replicas, in one round trip; too few replicas in time fail the batch.
            RBatch replicated = client.createBatch(BatchOptions.defaults().sync(replicaAcks, replicaTimeout));
            CompletionStage<List<Object>> script = replicated.getScript(ByteArrayCodec.INSTANCE).evalAsync(keys.meta(),
                    RScript.Mode.READ_WRITE, APPLY_SCRIPT, RScript.ReturnType.LIST, keys.all(), args.toArray());
            reply = replicated.executeAsync().thenCompose(done -> {
                if (done.getSyncedSlaves() < replicaAcks) {
                    // Redis' WAIT answers how many replicas have the write; Redisson passes the count on unchecked.
                    throw new IllegalStateException("only " + done.getSyncedSlaves() + " of " + replicaAcks
                            + " Redis replica(s) confirmed the write within " + replicaTimeout.toMillis() + " ms");
                }
                return script;
            });
        }
        return reply.thenApply(values -> {
            String status = string(values.get(0));
            if ("fenced".equals(status)) {
                throw new Fenced(Long.parseLong(string(values.get(1))));
            }
            List<byte[]> answers = new ArrayList<>(values.size() - 1);
            for (int i = 1; i < values.size(); i++) {
                answers.add((byte[]) values.get(i));
            }
            return answers;
        });
    }

    /** The operations of one {@link #apply} call, in order. Not thread-safe. */
    public static final class Batch {
        private final List<Object> args = new ArrayList<>();

        public Batch add(String call, List<byte[][]> messages) {
            args.add(bytes("add"));
            args.add(bytes(call == null ? "" : call));
            args.add(bytes(Integer.toString(messages.size())));
            for (byte[][] m : messages) {
                args.add(m[0]);
                args.add(m[1]);
                args.add(m[2]);
            }
            return this;
        }

        /**
         * As {@link #add}, and the new entries whose {@code records} item is not {@code null} get that delivery
         * record ({@code attempts:until}) in the same write: messages stored with their first delivery.
         */
        public Batch addDelivering(String call, List<byte[][]> messages, List<String> records) {
            args.add(bytes("addd"));
            args.add(bytes(call == null ? "" : call));
            args.add(bytes(Integer.toString(messages.size())));
            for (int j = 0; j < messages.size(); j++) {
                byte[][] m = messages.get(j);
                args.add(m[0]);
                args.add(m[1]);
                args.add(m[2]);
                args.add(bytes(records.get(j) == null ? "" : records.get(j)));
            }
            return this;
        }

        public Batch take(String entry, int attempts, long until) {
            args.add(bytes("take"));
            args.add(bytes(entry));
            args.add(bytes(attempts + ":" + until));
            return this;
        }

        public Batch get(String entry) {
            args.add(bytes("get"));
            args.add(bytes(entry));
            return this;
        }

        /** Records an entry's attempts and deadline; attempts 0 and deadline 0 forget the record. */
        public Batch attempts(String entry, int attempts, long until) {
            args.add(bytes("att"));
            args.add(bytes(entry));
            args.add(bytes(attempts == 0 && until == 0 ? "" : attempts + ":" + until));
            return this;
        }

        public Batch delete(String call, String entry) {
            args.add(bytes("del"));
            args.add(bytes(call == null ? "" : call));
            args.add(bytes(entry));
            return this;
        }

        public Batch seen(String call) {
            args.add(bytes("seen"));
            args.add(bytes(call));
            return this;
        }

        public boolean isEmpty() {
            return args.isEmpty();
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String string(Object value) {
        return value == null ? null : new String((byte[]) value, StandardCharsets.UTF_8);
    }
}
