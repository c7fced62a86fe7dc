package io.dsync.itests;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import io.dsync.devkit.LocalCluster;

/**
 * A test with one {@link LocalCluster} in a temporary folder: after each test the nodes' logs go to
 * {@code target/node-logs/<test class>/} and every process is stopped, a Redis the test started itself last.
 */
abstract class ClusterTest {

    @TempDir
    Path dir;

    /** Set by the test; stopped after it. */
    LocalCluster cluster;

    /** A Redis the test started apart from the cluster (a Redis Cluster, a sentinel setup): stopped after the nodes. */
    AutoCloseable redisOfTheTest;

    @AfterEach
    void stopCluster() throws Exception {
        try {
            if (cluster != null) {
                cluster.collectLogs(Nodes.reports().resolve(getClass().getSimpleName()));
                cluster.close();
                cluster = null;
            }
        } finally {
            if (redisOfTheTest != null) {
                redisOfTheTest.close();
                redisOfTheTest = null;
            }
        }
    }
}
