package io.dsync.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

/** The command line's answers to bad input: a usage error (exit 2) naming the problem, never a stack trace. */
class DsyncTest {

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Dsync.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void noCommandIsAUsageError() {
        Result r = run();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("missing command");
    }

    @Test
    void unknownCommandIsAUsageError() {
        Result r = run("frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unmatched argument").contains("frobnicate");
    }

    @Test
    void helpShowsASubcommandAtAnyDepth() {
        Result send = run("help", "queue", "send");
        assertThat(send.code()).isZero();
        assertThat(send.out()).contains("Usage: dsync queue send");
        Result queue = run("help", "queue");
        assertThat(queue.out()).contains("Usage: dsync queue").contains("delete");
        Result unknown = run("help", "queue", "frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown command 'dsync queue frobnicate'").contains("'dsync help queue'");
    }

    @Test
    void aNodesRefusalNamesTheOptionsTheUserTyped() {
        Dsync.CliException e = NodeHttp.withOptionNames(new Dsync.CliException("cannot declare cache 'c': localCapacity "
                + "must be at least 1, was 0; localCapacityBytes too", 2), java.util.Map.of("localCapacity", "--capacity"));
        assertThat(e.getMessage()).isEqualTo("cannot declare cache 'c': --capacity must be at least 1, was 0; "
                + "localCapacityBytes too");
        assertThat(e.exitCode()).isEqualTo(2);
    }

    @Test
    void unknownRoleNamesTheKnownOnes() {
        Result r = run("node", "--role", "bogus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown role 'bogus'; roles are lock, queue, cache, console").doesNotContain("Exception");
    }

    @Test
    void badPortIsAUsageError() {
        Result r = run("node", "--role", "lock", "--admin-port", "eighty");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--admin-port").contains("eighty");
    }

    @Test
    void outOfRangeRaftPortIsAUsageError() {
        Result r = run("node", "--role", "lock", "--raft-advertise-port", "70000");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--raft-advertise-port").contains("70000").doesNotContain("Exception");
    }

    @Test
    void lockCommandsCheckTheirInput() {
        Result r = run("lock", "acquire");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("NAME");
        r = run("lock", "acquire", "x", "--wait", "soon");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("'soon' is not a duration");
        r = run("lock", "frobnicate");
        assertThat(r.code()).isEqualTo(2);
        r = run("lock", "release", "x");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--session");
        r = run("lock", "status", "x", "--node", "localhost:8080");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--node must be an http:// URL");
        for (String sub : new String[] {"acquire", "release", "status", "list", "graph", "members"}) {
            assertThat(run("lock", sub, "--help").out()).as(sub).contains("Usage: dsync lock " + sub);
        }
    }

    @Test
    void namesAndKeysAreCheckedByTheApisRulesBeforeAnyRequest() {
        // No node at this address: each refusal below comes before a request would have been sent.
        String node = "http://127.0.0.1:9";
        Result r = run("queue", "declare", "", "--node", node);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("queue name must not be empty");
        r = run("queue", "send", "q".repeat(100_000), "x", "--node", node);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("queue name must be at most 128 characters").doesNotContain("html");
        r = run("queue", "send", "q", "x", "-k", "", "--node", node);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("key");
        r = run("cache", "get", "", "k", "--node", node);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("cache name must not be empty");
        r = run("cache", "put", "c", "k".repeat(300), "v", "--node", node);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("at most 256");
        r = run("lock", "status", "", "--node", node);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("lock name");
        r = run("queue", "consume", "q", "-n", "-1", "--node", node);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--max must be at least 1");
        r = run("dev", "--cluster", "../x");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--cluster must be");
    }

    @Test
    void theReleaseHintIsOneShellWordPerArgument() {
        assertThat(LockCommand.shellQuote("app/db-1")).isEqualTo("app/db-1");
        assertThat(LockCommand.shellQuote("a b?c#d")).isEqualTo("'a b?c#d'");
        assertThat(LockCommand.shellQuote("it's")).isEqualTo("'it'\\''s'");
        assertThat(LockCommand.shellQuote("=ls")).as("zsh expands =word").isEqualTo("'=ls'");
    }

    @Test
    void malformedAddressesAndAMissingFileAreUsageErrorsNotExceptions() {
        // Before: "dsync: unexpected error: java.lang.IllegalArgumentException..." and exit 1.
        Result r = run("demo", "--redis", "localhost:6379");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--redis").contains("redis://host:port").doesNotContain("Exception");
        r = run("dev", "--redis", "localhost:6379");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--redis").contains("redis://host:port").doesNotContain("Exception");
        r = run("lock", "list", "--node", "http://127.0.0.1:abc");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--node must be an http:// URL").doesNotContain("Exception");
        r = run("queue", "send", "q", "--file", "/nonexistent/dsync-test-file");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("cannot read --file").contains("no such file").doesNotContain("Exception");
    }

    @Test
    void anUnknownBenchmarkIsAUsageError() {
        Result r = run("bench", "queue-of-dreams");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown benchmark 'queue-of-dreams'; benchmarks are lock, failover, queue, cache, core");
    }

    @Test
    void anUnreachableNodeIsOneLineNotAStackTrace() throws Exception {
        int port = io.dsync.devkit.LocalRedis.freePort();
        Result r = run("lock", "list", "--node", "http://127.0.0.1:" + port);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach node http://127.0.0.1:" + port).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"node", "demo", "dev", "status", "lock", "bench"}) {
            Result r = run(cmd, "--help");
            assertThat(r.code()).as(cmd).isZero();
            assertThat(r.out()).contains("Usage: dsync " + cmd);
        }
    }
}
