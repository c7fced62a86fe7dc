package io.dsync.bench;

import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;

/** What a lock node's admin API ({@code GET /lock/raft}) says of its Raft member: leader, role, term. */
final class RaftProbe {

    private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"([^\"]+)\"");

    private static final Pattern ROLE = Pattern.compile("\"role\"\\s*:\\s*\"([A-Z]+)\"");

    private static final Pattern TERM = Pattern.compile("\"term\"\\s*:\\s*(\\d+)");

    private RaftProbe() {
    }

    /** The leader the node knows, if it answers and knows one. */
    static Optional<String> leader(ClusterNode node) {
        return raft(node).flatMap(body -> find(LEADER, body));
    }

    /** The node's role (LEADER, FOLLOWER, CANDIDATE...), if it answers. */
    static Optional<String> role(ClusterNode node) {
        return raft(node).flatMap(body -> find(ROLE, body));
    }

    /**
     * The highest Raft term the cluster's lock nodes report: its growth over a run counts the elections held
     * meanwhile (a leader that stays in charge keeps its term).
     */
    static long maxTerm(LocalCluster cluster) {
        long max = -1;
        for (ClusterNode n : cluster.nodes()) {
            max = Math.max(max, raft(n).flatMap(b -> find(TERM, b)).map(Long::parseLong).orElse(-1L));
        }
        return max;
    }

    private static Optional<String> raft(ClusterNode node) {
        try {
            var response = node.get("/lock/raft");
            return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Optional<String> find(Pattern p, String body) {
        Matcher m = p.matcher(body);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
