package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import io.dsync.devkit.LocalCluster;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/dsync cache} as a user runs it, against a cluster of one lock node (a cache client only: no homes there)
 * and two cache nodes: declare (and a conflicting declaration refused), put through one node and get through another,
 * counters incremented through both, remove, copies with their MESI states, statistics, a cache node's homes, and
 * precise one-line errors with their exit codes for an unknown cache, a bad key, a bad option, a value over the limit
 * and a node that is not a cache node.
 */
class CacheCliIT extends ClusterTest {

    @Test
    void theCacheCommandsWorkThroughAnyNode() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("ccli").lockGroupSize(1)
                .node("lock-1", "lock").node("cache-1", "cache").node("cache-2", "cache").start();
        String lock = "http://127.0.0.1:" + cluster.node("lock-1").adminPort();
        String cache1 = "http://127.0.0.1:" + cluster.node("cache-1").adminPort();

        assertThat(Nodes.JSON.readTree(cluster.node("lock-1").get("/bundles").body()).path("bundles")
                .findValuesAsText("symbolicName")).contains("io.dsync.cache.client").doesNotContain("io.dsync.cache.node");

        Cli declared = Cli.run("cache", "declare", "prices", "--capacity", "100", "--max-value-bytes", "16",
                "--node", lock);
        assertThat(declared.exitCode()).as(declared.err()).isZero();
        assertThat(declared.out()).contains("cache prices: 100 local copies per node, values up to 16 bytes, write-through, "
                + "lru eviction");
        Cli again = Cli.run("cache", "declare", "prices", "--capacity", "100", "--max-value-bytes", "16", "--node", cache1);
        assertThat(again.exitCode()).as("an equal declaration changes nothing").isZero();
        Cli conflict = Cli.run("cache", "declare", "prices", "--write-mode", "write-back", "--node", lock);
        assertThat(conflict.exitCode()).isEqualTo(2);
        assertThat(conflict.err()).contains("cannot declare cache 'prices'").doesNotContain("Exception");
        Cli otherPolicy = Cli.run("cache", "declare", "prices", "--capacity", "100", "--max-value-bytes", "16",
                "--eviction", "w-tinylfu", "--node", lock);
        assertThat(otherPolicy.exitCode()).as("another eviction policy is another configuration").isEqualTo(2);
        Cli tinyLfu = Cli.run("cache", "declare", "scores", "--eviction", "w-tinylfu", "--node", cache1);
        assertThat(tinyLfu.exitCode()).as(tinyLfu.err()).isZero();
        assertThat(tinyLfu.out()).contains("cache scores: 10000 local copies per node").contains("w-tinylfu eviction");
        assertThat(Cli.run("cache", "stats", "scores", "--node", lock).out()).contains("w-tinylfu eviction");
        Cli badPolicy = Cli.run("cache", "declare", "other", "--eviction", "random", "--node", lock);
        assertThat(badPolicy.exitCode()).isEqualTo(2);
        assertThat(badPolicy.err()).contains("--eviction must be lru or w-tinylfu").doesNotContain("Exception");

        // A new ring waits out earlier homes (about 3 s) before its first grant; a put meanwhile waits for it.
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Cli put = Cli.run("cache", "put", "prices", "DE0007164600", "101.5", "--node", lock);
            assertThat(put.exitCode()).as(put.err()).isZero();
        });
        Cli got = Cli.run("cache", "get", "prices", "DE0007164600", "--node", cache1);
        assertThat(got.exitCode()).as(got.err()).isZero();
        assertThat(got.out().trim()).isEqualTo("101.5");
        assertThat(Cli.run("cache", "put", "prices", "DE0007164600", "99", "--node", cache1).exitCode()).isZero();
        assertThat(Cli.run("cache", "get", "prices", "DE0007164600", "--node", lock).out().trim())
                .as("the lock node's copy was invalidated").isEqualTo("99");
        Cli notWritten = Cli.run("cache", "put", "prices", "DE0007164600", "1", "--if-absent", "--node", lock);
        assertThat(notWritten.out().trim()).isEqualTo("99");
        assertThat(notWritten.err()).contains("not written");

        // The lock node increments last, so that it holds the counter's copy below ('lines'); a key read once
        // is read from Redis without a copy (cold reads), so a read would not do.
        for (String node : new String[] {cache1, lock}) {
            assertThat(Cli.run("cache", "incr", "prices", "views", "--by", "5", "--node", node).exitCode()).isZero();
        }
        assertThat(Cli.run("cache", "get", "prices", "views", "--node", lock).out().trim()).isEqualTo("10");

        Cli lines = Cli.run("cache", "lines", "prices", "--node", lock);
        assertThat(lines.exitCode()).as(lines.err()).isZero();
        assertThat(lines.out()).contains("cache prices on this node:").contains("of 100 copies").contains("views")
                .containsPattern("views\\s+(SHARED|EXCLUSIVE|MODIFIED)");
        Cli stats = Cli.run("cache", "stats", "prices", "--node", lock);
        assertThat(stats.exitCode()).as(stats.err()).isZero();
        assertThat(stats.out()).contains("cache prices: 100 local copies").containsPattern("hits \\d+, misses \\d+")
                .contains("writes lost 0");
        Cli list = Cli.run("cache", "list", "--node", lock);
        assertThat(list.out()).contains("prices").contains("write-through");

        // A bound in bytes: room for two of these values, so the third put evicts the least recently used copy.
        Cli bounded = Cli.run("cache", "declare", "pages", "--capacity-bytes", "2k", "--node", lock);
        assertThat(bounded.exitCode()).as(bounded.err()).isZero();
        assertThat(bounded.out()).contains("cache pages: 10000 local copies per node within 2 KiB");
        for (String page : new String[] {"p1", "p2", "p3"}) {
            Cli put = Cli.run("cache", "put", "pages", page, "x".repeat(1000), "--node", lock);
            assertThat(put.exitCode()).as(put.err()).isZero();
        }
        Cli pages = Cli.run("cache", "lines", "pages", "--node", lock);
        assertThat(pages.out()).contains("cache pages on this node: 2 of 10000 copies, 2.0 KiB").contains("p3")
                .doesNotContain("p1");
        Cli badSize = Cli.run("cache", "declare", "other", "--capacity-bytes", "lots", "--node", lock);
        assertThat(badSize.exitCode()).isEqualTo(2);
        assertThat(badSize.err()).contains("--capacity-bytes must be a size such as 268435456, 256m or 1g, got 'lots'")
                .doesNotContain("Exception");

        Cli removed = Cli.run("cache", "remove", "prices", "views", "--node", cache1);
        assertThat(removed.out().trim()).isEqualTo("removed");
        Cli absent = Cli.run("cache", "get", "prices", "views", "--node", lock);
        assertThat(absent.exitCode()).as("no value: exit 1, like grep").isEqualTo(1);
        assertThat(absent.out()).isEmpty();
        assertThat(absent.err()).contains("no value for 'views'");

        Cli homes = Cli.run("cache", "homes", "--cache", "prices", "--node", cache1);
        assertThat(homes.exitCode()).as(homes.err()).isZero();
        assertThat(homes.out()).contains("ring epoch").contains("cache-1").contains("cache-2");
        Cli notACacheNode = Cli.run("cache", "homes", "--node", lock);
        assertThat(notACacheNode.exitCode()).isNotZero();
        assertThat(notACacheNode.err()).contains("is not a cache node").doesNotContain("Exception");

        Cli unknown = Cli.run("cache", "get", "nothing", "k", "--node", lock);
        assertThat(unknown.exitCode()).isEqualTo(4);
        assertThat(unknown.err()).contains("cache 'nothing' has not been declared").doesNotContain("Exception");
        Cli badKey = Cli.run("cache", "get", "prices", "bad\u0001key", "--node", lock);
        assertThat(badKey.exitCode()).isEqualTo(2);
        assertThat(badKey.err()).contains("control characters").doesNotContain("Exception");
        Cli tooLarge = Cli.run("cache", "put", "prices", "k", "x".repeat(17), "--node", lock);
        assertThat(tooLarge.exitCode()).isEqualTo(2);
        assertThat(tooLarge.err()).contains("17").contains("16").doesNotContain("Exception");
        Cli badMode = Cli.run("cache", "declare", "other", "--write-mode", "sometimes", "--node", lock);
        assertThat(badMode.exitCode()).isEqualTo(2);
        assertThat(badMode.err()).contains("--write-mode must be write-through or write-back");
        for (String sub : new String[] {"put", "homes"}) {
            Cli help = Cli.run("cache", sub, "--help");
            assertThat(help.exitCode()).as(sub + " --help").isZero();
            assertThat(help.out()).contains("Usage: dsync cache " + sub);
        }
    }
}
