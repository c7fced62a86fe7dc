package io.dsync.bench.queue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;

/**
 * Redis' own count of the commands it ran ({@code INFO commandstats}), read before and after a measurement, so that a
 * run can say how many Redis calls each message cost. Commands that a Lua script runs are counted under their own name
 * as well as under the script's {@code eval}/{@code evalsha}.
 */
public final class RedisCommandStats {

    private final RedissonClient redisson;

    public RedisCommandStats(RedissonClient redisson) {
        this.redisson = redisson;
    }

    /** Calls so far, by command (lower case). */
    public Map<String, Long> read() {
        Map<String, String> info = redisson.getRedisNodes(RedisNodes.SINGLE).getInstance()
                .info(RedisNode.InfoSection.COMMANDSTATS);
        Map<String, Long> calls = new HashMap<>();
        info.forEach((name, value) -> {
            // cmdstat_xadd -> calls=12,usec=345,usec_per_call=28.75,rejected_calls=0,failed_calls=0
            if (name.startsWith("cmdstat_")) {
                for (String field : value.split(",")) {
                    if (field.startsWith("calls=")) {
                        calls.put(name.substring("cmdstat_".length()), Long.parseLong(field.substring("calls=".length())));
                    }
                }
            }
        });
        return calls;
    }

    /** Calls between two readings, most frequent first, leaving out the commands called fewer than {@code min} times. */
    public static Map<String, Long> between(Map<String, Long> before, Map<String, Long> after, long min) {
        Map<String, Long> diff = new LinkedHashMap<>();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() >= min)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> diff.put(e.getKey(), e.getValue()));
        return diff;
    }
}
