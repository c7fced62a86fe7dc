package io.dsync.console.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.dsync.registry.NodeInfo;

/**
 * Turns what the registry and the nodes' {@code /health} say at each poll into the rows of the Cluster view, and
 * remembers nodes that went away: the registry forgets a node as soon as it stops or misses its heartbeats, but an
 * operator must see it as DOWN, with since when, rather than see it vanish. A node that stays away is forgotten after
 * {@code forgetAfter}.
 *
 * <p>Plain and deterministic: time is an argument, no I/O. Not thread-safe: one poller owns it.
 */
final class ClusterTracker {

    private final Duration forgetAfter;
    private final Map<String, NodeStatus> known = new TreeMap<>();

    /** @param forgetAfter how long a node that is down stays listed */
    ClusterTracker(Duration forgetAfter) {
        this.forgetAfter = forgetAfter;
    }

    /**
     * @param now the time of this poll
     * @param registered the nodes in the registry, or {@code null} when the registry could not be read
     * @param registryProblem why the registry could not be read, or {@code null}
     * @param health the {@code /health} answer of each registered node that was asked, by node id
     * @return the view after this poll
     */
    ClusterSnapshot update(Instant now, List<NodeInfo> registered, String registryProblem, Map<String, HealthReport> health) {
        if (registered == null) {
            // Without the registry the console cannot tell who is alive; it keeps the nodes it knows and asks nobody
            // new, but the nodes it knows were asked (by their last known address) and say for themselves.
            Map<String, NodeStatus> next = new LinkedHashMap<>();
            for (NodeStatus s : known.values()) {
                HealthReport h = health.get(s.id());
                next.put(s.id(), h == null ? withState(s, NodeState.UNKNOWN, List.of("registry unavailable"), now)
                        : fromHealth(s.id(), s.roles(), s.adminUrl(), s.startedAt(), s.version(), h, s, now));
            }
            known.clear();
            known.putAll(next);
        } else {
            Map<String, NodeStatus> next = new TreeMap<>();
            for (NodeInfo n : registered) {
                HealthReport h = health.getOrDefault(n.id(), n.adminUrl() == null
                        ? HealthReport.unreachable("the node publishes no admin port") : HealthReport.unreachable("not asked"));
                next.put(n.id(), fromHealth(n.id(), n.roles(), n.adminUrl(), parse(n.startedAt()), n.version(), h,
                        known.get(n.id()), now));
            }
            for (NodeStatus gone : known.values()) {
                if (next.containsKey(gone.id())) {
                    continue;
                }
                NodeStatus down = gone.state() == NodeState.DOWN ? gone
                        : withState(gone, NodeState.DOWN, List.of("left the registry (stopped, or missed its heartbeats)"), now);
                if (Duration.between(down.since(), now).compareTo(forgetAfter) < 0) {
                    next.put(down.id(), down);
                }
            }
            known.clear();
            known.putAll(next);
        }
        return new ClusterSnapshot(now, new ArrayList<>(known.values()), registryProblem);
    }

    /** @return the admin URL of every node listed now, by id (to ask them when the registry cannot be read) */
    Map<String, String> knownAdminUrls() {
        Map<String, String> urls = new TreeMap<>();
        known.values().stream().filter(s -> s.adminUrl() != null).forEach(s -> urls.put(s.id(), s.adminUrl()));
        return urls;
    }

    private static NodeStatus fromHealth(String id, List<String> roles, String adminUrl, Instant startedAt, String version,
                                         HealthReport h, NodeStatus before, Instant now) {
        NodeState state = !h.reachable() ? NodeState.DOWN : "UP".equals(h.status()) ? NodeState.UP : NodeState.DEGRADED;
        String redis = h.redisReachable() == null ? "?" : !h.redisReachable() ? "unreachable"
                : h.redisLatencyMicros() == null ? "reachable" : String.format("%.1f ms", h.redisLatencyMicros() / 1000.0);
        Instant since = before != null && before.state() == state ? before.since() : now;
        return new NodeStatus(id, roles, adminUrl, state, h.problems(), startedAt, version, redis, since);
    }

    private static NodeStatus withState(NodeStatus s, NodeState state, List<String> problems, Instant now) {
        return new NodeStatus(s.id(), s.roles(), s.adminUrl(), state, problems, s.startedAt(), s.version(),
                state == NodeState.DOWN ? "?" : s.redis(), s.state() == state ? s.since() : now);
    }

    private static Instant parse(String instant) {
        try {
            return instant == null ? null : Instant.parse(instant);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
