package io.dsync.itests;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import io.dsync.devkit.LocalCluster;

/**
 * A test with one {@link LocalCluster} in a temporary folder: after each test the nodes' logs go to
 * {@code target/node-logs/<test class>/} and every process is stopped.
 */
abstract class ClusterTest {

    @TempDir
    Path dir;

    /** Set by the test; stopped after it. */
    LocalCluster cluster;

    @AfterEach
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.collectLogs(Nodes.reports().resolve(getClass().getSimpleName()));
            cluster.close();
        }
    }
}
