package io.dsync.itests;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.core.ConditionTimeoutException;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;

/** Reads {@code GET /lock/raft} of lock nodes through their admin ports (never partitioned by the harness). */
final class RaftProbe {

    private RaftProbe() {
    }

    /** @return the node's Raft status, or {@code null} when it does not answer or is not a member yet */
    static JsonNode raft(ClusterNode node) {
        try {
            JsonNode r = Nodes.JSON.readTree(node.get("/lock/raft").body());
            return r.has("role") ? r : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** @return the statuses of the nodes that answer */
    static List<JsonNode> raft(List<ClusterNode> nodes) {
        List<JsonNode> all = new ArrayList<>();
        for (ClusterNode n : nodes) {
            JsonNode r = raft(n);
            if (r != null) {
                all.add(r);
            }
        }
        return all;
    }

    /** @return the role of the node ({@code LEADER}, {@code FOLLOWER} ...), or {@code ""} */
    static String role(ClusterNode node) {
        JsonNode r = raft(node);
        return r == null ? "" : r.path("role").asText();
    }

    /**
     * Waits until every given node answers, exactly one of them leads, all name it as leader in the same term, and
     * each has applied an entry. The last condition matters to tests that kill the leader next: in Ratis 3.3 a
     * candidate that holds a committed entry does not count the vote of a member whose log is empty
     * (LeaderElection, since RATIS-1995), so a leader killed right after a group formed, before the last member had
     * its first entry, leaves the other two unable to elect anyone until it returns (docs/architecture.md).
     *
     * @return the leader's id
     */
    static String awaitOneLeader(List<ClusterNode> nodes) {
        return awaitOneLeader(nodes, Duration.ofSeconds(60));
    }

    static String awaitOneLeader(List<ClusterNode> nodes, Duration atMost) {
        String[] leader = new String[1];
        List<List<JsonNode>> last = new ArrayList<>(List.of(List.of()));
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> {
                List<JsonNode> all = raft(nodes);
                last.set(0, all);
                if (all.size() != nodes.size()) {
                    return false;
                }
                long leaders = all.stream().filter(r -> "LEADER".equals(r.path("role").asText())).count();
                String seen = all.get(0).path("leader").asText(null);
                boolean agreed = seen != null && all.stream().allMatch(r -> seen.equals(r.path("leader").asText(null))
                        && r.path("term").asLong() == all.get(0).path("term").asLong()
                        && r.path("appliedIndex").asLong(-1) >= 0);
                leader[0] = seen;
                return leaders == 1 && agreed;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no leader that all of " + nodes.stream().map(ClusterNode::id).toList()
                    + " name in one term, with an entry applied on each, within " + atMost + "; they answered last: " + last.get(0), e);
        }
        return leader[0];
    }

    /** @return the leader as the nodes report it now (they may disagree briefly; the first LEADER wins) */
    static String leaderNow(List<ClusterNode> nodes) {
        for (ClusterNode n : nodes) {
            if ("LEADER".equals(role(n))) {
                return n.id();
            }
        }
        return awaitOneLeader(nodes);
    }

    /**
     * @return the leader of each lock group (index = group) as the nodes that answer report it now; {@code null} for a
     *     group that none of them leads
     */
    static List<String> groupLeaders(List<ClusterNode> nodes, int groups) {
        List<String> leaders = new ArrayList<>(java.util.Collections.nCopies(groups, (String) null));
        for (ClusterNode n : nodes) {
            JsonNode r = raft(n);
            if (r == null) {
                continue;
            }
            for (JsonNode g : r.path("groups")) {
                int index = g.path("group").asInt();
                if (index < groups && "LEADER".equals(g.path("role").asText())) {
                    leaders.set(index, n.id());
                }
            }
        }
        return leaders;
    }

    /** Waits until every one of {@code groups} lock groups has a leader among the nodes; returns them by group. */
    static List<String> awaitGroupLeaders(List<ClusterNode> nodes, int groups, Duration atMost) {
        List<List<String>> seen = new ArrayList<>(List.of(List.of()));
        await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<String> leaders = groupLeaders(nodes, groups);
            seen.set(0, leaders);
            return !leaders.contains(null);
        });
        return seen.get(0);
    }
}
