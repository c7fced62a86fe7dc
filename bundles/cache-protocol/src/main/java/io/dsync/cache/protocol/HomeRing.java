package io.dsync.cache.protocol;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The ring of cache homes as the cluster agreed on it: one Redis hash, {@code dsync:<cluster>:cache:ring}, with the
 * home epoch and the member node ids. Every change of the members is a new epoch, made by a compare-and-set script,
 * so that two cache nodes that notice the same change at once make one epoch between them. The hash also keeps the
 * members of the last {@value #KEPT} epochs ({@code members@<epoch>}, written once, when the epoch is made), so that a
 * home that did not read an epoch while it lasted (a node leaving and coming back within a fraction of a second)
 * still knows which keys it moved. Homes confirm their
 * authority by reading it (see {@code HomeAuthority} in the cache node); clients locate homes from it.
 */
public final class HomeRing {

    /**
     * One version of the ring.
     *
     * @param epoch the home epoch, 0 before any ring was agreed
     * @param members the cache nodes that home keys, sorted
     */
    public record Record(long epoch, List<String> members) {

        /** No ring yet. */
        public static final Record NONE = new Record(0, List.of());

        public Record {
            members = List.copyOf(new TreeSet<>(members));
        }
    }

    /**
     * The ring and the rings of the epochs just before it that the hash still keeps.
     *
     * @param current the current ring
     * @param earlier rings of earlier epochs, oldest first; an epoch may be missing (made by a node of an earlier
     *     version, which kept no history, or older than the last {@value #KEPT})
     */
    public record View(Record current, List<Record> earlier) {

        public View {
            earlier = List.copyOf(earlier);
        }
    }

    /** How many epochs' members the hash keeps. */
    public static final int KEPT = 8;
    private static final String EPOCH_MEMBERS = "members@";
    /** A field every confirmation overwrites: its write is what the replicas must confirm. */
    private static final String CONFIRMED = "confirmed";

    private static final String PROPOSE = """
            local e = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')
            if e == tonumber(ARGV[1]) then
              e = e + 1
              redis.call('HSET', KEYS[1], 'epoch', tostring(e), 'members', ARGV[2], 'members@' .. tostring(e), ARGV[2])
              redis.call('HDEL', KEYS[1], 'members@' .. tostring(e - tonumber(ARGV[3])))
            end
            return {tostring(e), redis.call('HGET', KEYS[1], 'members') or ''}
            """;

    private final RedissonClient client;
    private final String key;

    /**
     * @param client the node's Redisson client
     * @param key the record's key, {@code dsync:<cluster>:cache:ring}
     */
    public HomeRing(RedissonClient client, String key) {
        this.client = client;
        this.key = key;
    }

    /**
     * Reads the ring (blocking).
     *
     * @return the current ring, {@link Record#NONE} if none was agreed yet
     * @throws org.redisson.client.RedisException when Redis cannot be read
     */
    public Record read() {
        return current(client.<String, String>getMap(key, StringCodec.INSTANCE).getAll(Set.of("epoch", "members")));
    }

    /**
     * Reads the ring with the rings of the epochs before it that are kept (blocking).
     *
     * @return the view; its current ring is {@link Record#NONE} if none was agreed yet
     * @throws org.redisson.client.RedisException when Redis cannot be read
     */
    public View readView() {
        Map<String, String> fields = client.<String, String>getMap(key, StringCodec.INSTANCE).readAllMap();
        Record current = current(fields);
        TreeMap<Long, Record> earlier = new TreeMap<>();
        fields.forEach((field, members) -> {
            if (field.startsWith(EPOCH_MEMBERS)) {
                long e = Long.parseLong(field.substring(EPOCH_MEMBERS.length()));
                if (e < current.epoch()) {
                    earlier.put(e, new Record(e, split(members)));
                }
            }
        });
        return new View(current, new ArrayList<>(earlier.values()));
    }

    /**
     * Makes {@code members} the ring of epoch {@code expected + 1}, unless the ring is no longer at {@code expected}
     * (another node changed it first).
     *
     * @param expected the epoch the proposer read
     * @param members the new members
     * @return the ring in effect afterwards
     */
    public Record propose(long expected, Collection<String> members) {
        List<Object> reply = client.getScript(StringCodec.INSTANCE).eval(key, RScript.Mode.READ_WRITE, PROPOSE,
                RScript.ReturnType.LIST, List.of(key), Long.toString(expected),
                String.join("\n", new TreeSet<>(members)), Integer.toString(KEPT));
        return new Record(Long.parseLong((String) reply.get(0)), split((String) reply.get(1)));
    }

    /**
     * With Redis replicas, makes sure that the ring this node read or wrote so far is on {@code replicaAcks} replicas
     * before the node acts on it: a write of its own (the field {@code confirmed}) and a {@code WAIT} in one round trip.
     * Redis replicates in order, so a replica that has this write has every write before it, the epoch read included.
     * Without it a failover to a replica that missed a new epoch let a later proposal make a different ring under the
     * same epoch number, while homes that had taken up the lost one kept it: two homes for a key until the next epoch.
     * A home therefore takes up an epoch only after this returned; the proposer's own write is covered the same way.
     *
     * @param node this node's id (written in the field, for whoever reads the hash)
     * @param replicaAcks replicas that must confirm; 0 does nothing
     * @param timeout how long {@code WAIT} waits
     * @throws IllegalStateException when fewer replicas confirmed in time
     * @throws org.redisson.client.RedisException when Redis cannot be reached
     */
    public void confirmReplicated(String node, int replicaAcks, Duration timeout) {
        if (replicaAcks <= 0) {
            return;
        }
        RBatch batch = client.createBatch(BatchOptions.defaults().sync(replicaAcks, timeout));
        batch.<String, String>getMap(key, StringCodec.INSTANCE).fastPutAsync(CONFIRMED,
                node + " " + System.currentTimeMillis());
        int synced = batch.execute().getSyncedSlaves();
        if (synced < replicaAcks) {
            throw new IllegalStateException("only " + synced + " of " + replicaAcks + " Redis replica(s) confirmed "
                    + "the cache ring within " + timeout.toMillis() + " ms");
        }
    }

    private static Record current(Map<String, String> fields) {
        String epoch = fields.get("epoch");
        return epoch == null ? Record.NONE : new Record(Long.parseLong(epoch), split(fields.get("members")));
    }

    private static List<String> split(String members) {
        List<String> ids = new ArrayList<>();
        if (members != null) {
            for (String id : members.split("\n")) {
                if (!id.isEmpty()) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }
}
