package io.dsync.lock.server.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.redisson.api.RBucket;
import org.redisson.client.codec.StringCodec;

import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.server.group.GroupFormation;
import io.dsync.redis.RedisConnection;

/**
 * The initial members of a cluster's lock group, agreed in Redis: the first node to propose stores its choice
 * ({@code SET NX}), and every node forms the group with what is stored. The record lives a minute, long enough for
 * nodes started together; a node that starts later finds the group running and joins it. A record that names none of
 * the registered lock nodes is stale and replaced; the addresses of the nodes it names are taken from the registry.
 */
final class InitialMembersAgreement implements GroupFormation.Agreement {

    static final Duration LIFE = Duration.ofMinutes(1);

    private final RBucket<String> record;

    InitialMembersAgreement(RedisConnection redis) {
        this.record = redis.client().getBucket(redis.key("lock", "formation"), StringCodec.INSTANCE);
    }

    @Override
    public Map<String, InetSocketAddress> agree(Map<String, InetSocketAddress> proposed,
                                                Map<String, InetSocketAddress> registered) {
        String mine = encode(proposed);
        if (record.setIfAbsent(mine, LIFE)) {
            return proposed;
        }
        String stored = record.get();
        if (stored == null) {
            throw new IllegalStateException("the agreed members expired while they were read; trying again");
        }
        Map<String, InetSocketAddress> agreed = decode(stored);
        if (Collections.disjoint(agreed.keySet(), registered.keySet())) {
            // Names none of the lock nodes there are: a cluster of this name formed again, with other nodes.
            if (record.compareAndSet(stored, mine)) {
                record.expire(LIFE);
                return proposed;
            }
            throw new IllegalStateException("another node replaced a stale choice of initial members; trying again");
        }
        // Their addresses as registered now (a cluster formed again with the same node ids and other ports).
        Map<String, InetSocketAddress> current = new LinkedHashMap<>();
        agreed.forEach((id, address) -> current.put(id, registered.getOrDefault(id, address)));
        return current;
    }

    static String encode(Map<String, InetSocketAddress> members) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(members).forEach((id, address) -> sb.append(id).append('=')
                .append(LockRaftGroup.hostPort(address)).append('\n'));
        return sb.toString();
    }

    static Map<String, InetSocketAddress> decode(String stored) {
        Map<String, InetSocketAddress> members = new LinkedHashMap<>();
        for (String line : stored.split("\n")) {
            int eq = line.lastIndexOf('=');
            if (eq <= 0) {
                continue;
            }
            members.put(line.substring(0, eq), LockRaftGroup.parseHostPort(line.substring(eq + 1)));
        }
        if (members.isEmpty()) {
            throw new IllegalStateException("the agreed members in Redis are unreadable: " + stored);
        }
        return members;
    }
}
