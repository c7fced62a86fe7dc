package io.dsync.platform.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dsync lock}: the lock service from a shell, through any node's HTTP API (like {@code etcdctl lock}).
 * Exit codes: 0 done, 1 failed (node unreachable, no quorum ...), 2 bad usage, 3 lock not acquired (timeout or
 * deadlock).
 */
@Command(name = "lock", mixinStandardHelpOptions = true,
        description = {"Take, release and inspect distributed locks through a node of the cluster.",
                "Exit codes: 0 done, 1 failed, 2 bad usage, 3 lock not acquired (timeout or deadlock)."},
        subcommands = {LockCommand.Acquire.class, LockCommand.Release.class, LockCommand.Status.class,
                LockCommand.ListLocks.class, LockCommand.Graph.class, LockCommand.Members.class})
final class LockCommand implements Runnable {

    /** Exit code when the lock was not acquired. */
    static final int NOT_ACQUIRED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: acquire, release, status, list, graph or members (dsync lock --help)");
    }

    /** Fails with the node's message; exit 3 for a lock not acquired, 2 for bad input, 1 otherwise. */
    static Dsync.CliException failure(String what, NodeHttp.Answer a) {
        int code = switch (a.error()) {
            case "timeout", "deadlock" -> NOT_ACQUIRED;
            case "invalid" -> 2;
            default -> 1;
        };
        StringBuilder msg = new StringBuilder(what).append(": ").append(a.message());
        if ("deadlock".equals(a.error()) && a.body().has("cycle")) {
            msg.append("\n  cycle: ").append(cycle(a.body().path("cycle")));
        }
        return new Dsync.CliException(msg.toString(), code);
    }

    static String cycle(JsonNode edges) {
        List<String> parts = new ArrayList<>();
        for (JsonNode e : edges) {
            parts.add(e.path("waiter").asText() + " -[" + e.path("lock").asText() + " " + e.path("mode").asText()
                    + "]-> " + e.path("holder").asText());
        }
        return String.join(", ", parts);
    }

    static void printJson(PrintWriter out, JsonNode node) throws Exception {
        out.println(NodeHttp.json().copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node));
    }

    // ---------------------------------------------------------------- acquire

    @Command(name = "acquire", mixinStandardHelpOptions = true,
            description = {"Acquire a lock and hold it until Ctrl-C, while a command runs, or detached.",
                    "Until Ctrl-C; while a command runs (dsync lock acquire NAME -- CMD ...); or, with --detach, in a "
                            + "session that outlives this command by --ttl (release it with 'dsync lock release').",
                    "The command sees DSYNC_LOCK_NAME, DSYNC_LOCK_TOKEN (the fencing token) and DSYNC_LOCK_SESSION."})
    static final class Acquire implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "NAME", converter = Names.LockName.class, description = "Lock name (1 to 256 bytes of UTF-8, no control characters).")
        String name;

        @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Command to run while holding the lock; its exit code becomes dsync's.")
        List<String> command = new ArrayList<>();

        @Option(names = "--shared", description = "Take a shared (read) lock instead of an exclusive one.")
        boolean shared;

        @Option(names = "--wait", defaultValue = "30s", converter = NodeHttp.DurationConverter.class,
                description = "How long to wait for the lock (default: ${DEFAULT-VALUE}; 0 = only if free now; at most 5m).")
        Duration wait;

        @Option(names = "--lease", defaultValue = "24h", converter = NodeHttp.DurationConverter.class,
                description = "Lease of the grant: the lock is taken back after it (default: ${DEFAULT-VALUE}, the most).")
        Duration lease;

        @Option(names = "--ttl", defaultValue = "15s", converter = NodeHttp.DurationConverter.class,
                description = "Session TTL: how long the lock outlives this process if it dies or, with --detach, exits (default: ${DEFAULT-VALUE}).")
        Duration ttl;

        @Option(names = "--detach", description = "Print the session and token and exit, leaving the lock held until the session's TTL runs out or 'dsync lock release'.")
        boolean detach;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (detach && !command.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--detach and a COMMAND exclude each other");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            NodeHttp.Answer opened = node.send("POST", "/lock/sessions?ttlMs=" + ttl.toMillis(), Duration.ofSeconds(15));
            if (!opened.ok()) {
                throw failure("cannot open a lock session", opened);
            }
            String session = opened.body().path("session").asText();
            boolean keep = false;
            boolean acquired = false;
            Heartbeat heartbeat = new Heartbeat(node, session, ttl, err);
            heartbeat.hook(); // a Ctrl-C while the acquire waits withdraws it (the session is closed)
            try {
                NodeHttp.Answer got = node.send("POST", "/lock/sessions/" + NodeHttp.enc(session) + "/acquire?name=" + NodeHttp.enc(name)
                        + "&mode=" + (shared ? "shared" : "exclusive") + "&waitMs=" + wait.toMillis() + "&leaseMs=" + lease.toMillis(),
                        wait.plusSeconds(15));
                if (!got.ok()) {
                    throw failure("lock '" + name + "' not acquired", got);
                }
                acquired = true;
                heartbeat.acquired();
                if (heartbeat.stopping()) {
                    return 143; // stopped (Ctrl-C, SIGTERM) as the lock came: nothing runs under it
                }
                long token = got.body().path("fencingToken").asLong();
                String mode = got.body().path("mode").asText();
                if (detach) {
                    keep = true;
                    out.printf("acquired %s %s, fencing token %d, session %s%n", name, mode, token, session);
                    // The session lives on the node that opened it: the release goes there.
                    out.printf("held until released, or %d s after the last renewal of the session; release it with:%n"
                            + "  dsync lock release %s --session %s --node %s%n", ttl.toSeconds(), shellQuote(name), session,
                            shellQuote(node.node));
                    return 0;
                }
                heartbeat.start();
                try {
                    if (command.isEmpty()) {
                        err.printf("acquired %s %s, fencing token %d, session %s; holding it until Ctrl-C%n", name, mode, token, session);
                        out.println(token);
                        out.flush();
                        heartbeat.awaitStop();
                        return heartbeat.lost ? 1 : 0;
                    }
                    err.printf("acquired %s %s, fencing token %d; running %s%n", name, mode, token, String.join(" ", command));
                    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
                    pb.environment().put("DSYNC_LOCK_NAME", name);
                    pb.environment().put("DSYNC_LOCK_TOKEN", Long.toString(token));
                    pb.environment().put("DSYNC_LOCK_SESSION", session);
                    Process p;
                    try {
                        p = pb.start();
                    } catch (java.io.IOException e) {
                        throw new Dsync.CliException("cannot run " + command.get(0) + ": " + e.getMessage());
                    }
                    return run(p, heartbeat, err);
                } finally {
                    heartbeat.stop();
                }
            } finally {
                if (!keep) {
                    NodeHttp.Answer closed = node.send("DELETE", "/lock/sessions/" + NodeHttp.enc(session), Duration.ofSeconds(15));
                    if (closed.ok()) {
                        if (acquired) {
                            err.printf("released %s (session %s closed)%n", name, session);
                        }
                    } else {
                        err.printf("could not close session %s: %s; its locks are released when it expires (%d s)%n",
                                session, closed.message(), ttl.toSeconds());
                    }
                }
                heartbeat.cleanedUp();
            }
        }
    }

    /**
     * Waits for the command run under the lock. When the lock is lost (its session could not be renewed) or dsync is
     * told to stop (SIGTERM, Ctrl-C), the command is stopped too (SIGTERM, SIGKILL 5 s later) rather than left running
     * without the lock.
     *
     * @return the command's exit status; 1 if the lock was lost, 143 if dsync was stopped
     */
    static int run(Process p, Heartbeat heartbeat, PrintWriter err) throws InterruptedException {
        while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
            if (heartbeat.stopping()) {
                err.printf(heartbeat.lost ? "dsync: the lock was lost; stopping %s%n" : "dsync: stopping %s%n", p.info().command().orElse("the command"));
                err.flush();
                // The command's own children too (a script's commands): they would run on without the lock.
                List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
                tree.add(p.toHandle());
                tree.forEach(ProcessHandle::destroy);
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    tree.forEach(ProcessHandle::destroyForcibly);
                    p.waitFor(5, TimeUnit.SECONDS);
                } else {
                    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
                }
                return heartbeat.lost ? 1 : 143;
            }
        }
        return heartbeat.lost ? 1 : p.exitValue();
    }

    /**
     * Renews a session every third of its TTL until stopped. Ctrl-C stops it too, and the JVM waits (up to 10 s) until
     * the caller has closed the session, so that the lock is released at once rather than after the TTL.
     */
    static final class Heartbeat {
        private final NodeHttp node;
        private final String session;
        private final Duration ttl;
        private final PrintWriter err;
        private final CountDownLatch stopped = new CountDownLatch(1);
        private final CountDownLatch cleaned = new CountDownLatch(1);
        private volatile boolean holding;
        private final Thread hook = new Thread(this::onShutdown, "dsync-lock-ctrl-c");
        private boolean hooked;
        volatile boolean lost;
        private Thread thread;

        Heartbeat(NodeHttp node, String session, Duration ttl, PrintWriter err) {
            this.node = node;
            this.session = session;
            this.ttl = ttl;
            this.err = err;
        }

        private void onShutdown() {
            stopped.countDown();
            if (!holding) {
                // Still waiting for the lock: the main thread is blocked in the acquire, so close the session here,
                // which withdraws the waiting request (else it stays queued until the session's TTL runs out).
                try {
                    node.send("DELETE", "/lock/sessions/" + NodeHttp.enc(session), Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    // best effort: the session expires after its TTL
                }
                return;
            }
            try {
                cleaned.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** From now on, Ctrl-C closes the session (while the lock is awaited) or waits for the caller to close it. */
        void hook() {
            Runtime.getRuntime().addShutdownHook(hook);
            hooked = true;
        }

        /** The lock is held: Ctrl-C now waits until the caller has stopped what runs under it and closed the session. */
        void acquired() {
            holding = true;
        }

        /** The session could not be renewed: the lock may be another's now. */
        void lose() {
            lost = true;
            stopped.countDown();
        }

        /** Whether the lock was lost or dsync was told to stop. */
        boolean stopping() {
            return stopped.getCount() == 0;
        }

        void start() {
            thread = new Thread(() -> {
                long period = Math.max(200, ttl.toMillis() / 3);
                long lastRenewed = System.nanoTime();
                try {
                    while (!stopped.await(period, TimeUnit.MILLISECONDS)) {
                        String failure;
                        try {
                            NodeHttp.Answer a = node.send("PUT", "/lock/sessions/" + NodeHttp.enc(session), Duration.ofSeconds(5));
                            if (a.ok()) {
                                lastRenewed = System.nanoTime();
                                continue;
                            }
                            if (a.status() == 404 || a.status() == 410) {
                                err.printf("dsync: session %s lost, the lock may be held by another process now: %s%n",
                                        session, a.message());
                                lose();
                                continue;
                            }
                            failure = a.message();
                        } catch (Dsync.CliException e) {
                            failure = e.getMessage();
                        }
                        // The node does not answer (or not yet): the session lives until its TTL, unrenewed.
                        if (System.nanoTime() - lastRenewed >= ttl.toNanos()) {
                            err.printf("dsync: session %s not renewed for its TTL of %d s (%s): the lock may be held "
                                    + "by another process now%n", session, ttl.toSeconds(), failure);
                            lose();
                        } else {
                            err.println("renewing the session failed: " + failure);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "dsync-lock-heartbeat");
            thread.setDaemon(true);
            thread.start();
        }

        void awaitStop() throws InterruptedException {
            stopped.await();
        }

        void stop() {
            stopped.countDown();
        }

        /** The session is closed (or kept on purpose): a pending Ctrl-C may end the JVM now. */
        void cleanedUp() {
            stop();
            cleaned.countDown();
            if (hooked) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook is running and sees the latch
                }
            }
        }
    }

    // ---------------------------------------------------------------- release

    /** A word for a POSIX shell: as it is when it is plain, else in single quotes. */
    static String shellQuote(String word) {
        // '=' not first: zsh expands =word to a command's path.
        return word.matches("[A-Za-z0-9_./:@%+,-][A-Za-z0-9_./:@%+=,-]*") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = {"Release a lock held by a session (from 'dsync lock acquire --detach').",
                    "A session lives on the node that opened it: --node must name that node (acquire prints it)."})
    static final class Release implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "NAME", converter = Names.LockName.class, description = "Lock name.")
        String name;

        @Option(names = "--session", required = true, description = "The session holding it.")
        String session;

        @Option(names = "--close", description = "Also close the session (releasing everything it holds).")
        boolean close;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            NodeHttp.Answer a = node.send("POST", "/lock/sessions/" + NodeHttp.enc(session) + "/release?name=" + NodeHttp.enc(name),
                    Duration.ofSeconds(15));
            if (!a.ok()) {
                throw failure("lock '" + name + "' not released", a);
            }
            spec.commandLine().getOut().printf("released %s (session %s still holds it %d time(s))%n", name, session,
                    a.body().path("remainingHoldCount").asInt());
            if (close) {
                NodeHttp.Answer c = node.send("DELETE", "/lock/sessions/" + NodeHttp.enc(session), Duration.ofSeconds(15));
                if (!c.ok()) {
                    throw failure("session " + session + " not closed", c);
                }
                spec.commandLine().getOut().printf("closed session %s%n", session);
            }
            return 0;
        }
    }

    // ---------------------------------------------------------------- status, list, graph

    /** A command that reads one JSON document from the node and prints it, or its raw JSON with {@code --json}. */
    abstract static class Read implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Option(names = "--json", description = "Print the node's JSON answer.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** @return the path and query to read */
        abstract String path();

        /** @return what is read, for the error message */
        abstract String what();

        abstract void print(PrintWriter out, JsonNode body);

        /** @return the node's answer to {@link #path()} */
        NodeHttp.Answer read() {
            return node.get(path(), Duration.ofSeconds(15));
        }

        @Override
        public Integer call() throws Exception {
            NodeHttp.Answer a = read();
            if (!a.ok()) {
                throw failure("cannot read " + what(), a);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                printJson(out, a.body());
            } else {
                print(out, a.body());
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show a lock's holders, modes, fencing tokens and waiters (a linearizable read).")
    static final class Status extends Read {
        @Parameters(index = "0", paramLabel = "NAME", converter = Names.LockName.class, description = "Lock name.")
        String name;

        @Override
        String path() {
            return "/lock/status?name=" + NodeHttp.enc(name);
        }

        @Override
        String what() {
            return "lock '" + name + "'";
        }

        @Override
        void print(PrintWriter out, JsonNode body) {
            printLock(out, body, true);
        }
    }

    static void printLock(PrintWriter out, JsonNode s, boolean detail) {
        JsonNode holders = s.path("holders");
        JsonNode waiters = s.path("waiters");
        if (!detail) {
            String mode = holders.size() == 0 ? "free" : holders.get(0).path("mode").asText();
            List<String> who = new ArrayList<>();
            holders.forEach(h -> who.add(h.path("session").asText() + "#" + h.path("fencingToken").asLong()));
            out.printf("%-32s %-9s %-7d %-8d %s%n", s.path("name").asText(), mode, s.path("lastFencingToken").asLong(),
                    waiters.size(), String.join(" ", who));
            return;
        }
        out.printf("lock %s: %s, last fencing token %d%n", s.path("name").asText(),
                holders.size() == 0 ? "free" : "held", s.path("lastFencingToken").asLong());
        for (JsonNode h : holders) {
            out.printf("  holder  %-36s %-9s token %-6d holds %d, lease until %s%n", h.path("session").asText(),
                    h.path("mode").asText(), h.path("fencingToken").asLong(), h.path("holdCount").asInt(),
                    h.path("leaseExpiresAt").asText());
        }
        for (JsonNode w : waiters) {
            out.printf("  waiter  %-36s %-9s%s since %s, until %s%n", w.path("session").asText(), w.path("mode").asText(),
                    w.path("upgrade").asBoolean() ? " (upgrade)" : "", w.path("enqueuedAt").asText(), w.path("waitDeadline").asText());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the locks that are held or waited for (a linearizable read through the leader).")
    static final class ListLocks extends Read {
        @Option(names = {"-n", "--limit", "--max"}, defaultValue = "100", description = "Show at most this many locks, by name (default: ${DEFAULT-VALUE}).")
        int max;

        @Override
        String path() {
            return "/lock/table?max=" + max;
        }

        @Override
        String what() {
            return "the lock table";
        }

        @Override
        void print(PrintWriter out, JsonNode t) {
            if (t.path("locks").size() == 0) {
                out.printf("No lock is held or waited for (%d live sessions, log index %d).%n", t.path("sessions").asInt(),
                        t.path("appliedIndex").asLong());
                return;
            }
            out.printf("%-32s %-9s %-7s %-8s %s%n", "LOCK", "MODE", "TOKEN", "WAITERS", "HOLDERS (session#token)");
            for (JsonNode s : t.path("locks")) {
                printLock(out, s, false);
            }
            out.printf("%d lock(s) in use%s, %d live sessions, log index %d%n", t.path("lockCount").asInt(),
                    t.path("lockCount").asInt() > t.path("locks").size() ? " (first " + t.path("locks").size() + " shown)" : "",
                    t.path("sessions").asInt(), t.path("appliedIndex").asLong());
        }
    }

    @Command(name = "graph", mixinStandardHelpOptions = true,
            description = "Show the wait-for graph (who waits for whom, on which lock) and the latest deadlocks.")
    static final class Graph extends Read {
        @Option(names = "--dot", description = "Print the graph in Graphviz DOT (dsync lock graph --dot | dot -Tsvg > graph.svg).")
        boolean dot;

        @Override
        String path() {
            return "/lock/table?max=1";
        }

        @Override
        String what() {
            return "the wait-for graph";
        }

        @Override
        void print(PrintWriter out, JsonNode t) {
            JsonNode edges = t.path("waitFor");
            if (dot) {
                out.println("digraph waitfor {");
                for (JsonNode e : edges) {
                    out.printf("  \"%s\" -> \"%s\" [label=\"%s %s\"];%n", e.path("waiter").asText(), e.path("holder").asText(),
                            e.path("lock").asText().replace("\"", "\\\""), e.path("mode").asText());
                }
                out.println("}");
                return;
            }
            if (edges.size() == 0) {
                out.println("Nobody waits for anybody.");
            } else {
                out.printf("%-36s %-24s %-9s %s%n", "WAITER", "LOCK", "MODE", "WAITS FOR");
                for (JsonNode e : edges) {
                    out.printf("%-36s %-24s %-9s %s%n", e.path("waiter").asText(), e.path("lock").asText(), e.path("mode").asText(),
                            e.path("holder").asText());
                }
            }
            JsonNode deadlocks = t.path("deadlocks");
            if (deadlocks.size() > 0) {
                out.printf("%nLatest deadlocks (%d):%n", deadlocks.size());
                for (JsonNode d : deadlocks) {
                    out.printf("  %s  victim %s on %s: %s%n", d.path("at").asText(), d.path("victim").asText(),
                            d.path("lock").asText(), cycle(d.path("cycle")));
                }
            }
        }
    }

    @Command(name = "members", mixinStandardHelpOptions = true,
            description = {"Show the lock Raft group as a lock node sees it, or remove a member.",
                    "Role, term, leader and members (of each group when the lock space is sharded with --lock-groups).",
                    "New lock nodes join the group by themselves; remove the ones that are gone for good, so that the "
                            + "majority is counted over the nodes that exist.",
                    "--node must be a lock node."})
    static final class Members extends Read {
        /** Only lock nodes install the lock server, which serves the group's API. */
        static final String NOT_A_LOCK_NODE = "runs no lock server (it is not a lock node): ask a lock node; "
                + "'dsync status' lists the nodes and their roles";

        @Option(names = "--remove", paramLabel = "ID", description = "Remove this member from the group (needs the admin token).")
        String remove;

        @Override
        NodeHttp.Answer read() {
            return node.send("GET", path(), Duration.ofSeconds(15), NOT_A_LOCK_NODE);
        }

        @Override
        public Integer call() throws Exception {
            if (remove == null) {
                return super.call();
            }
            NodeHttp.Answer a = node.send("DELETE", "/lock/members/" + NodeHttp.enc(remove), Duration.ofSeconds(45),
                    NOT_A_LOCK_NODE);
            if (!a.ok()) {
                throw failure("member '" + remove + "' not removed", a);
            }
            spec.commandLine().getOut().printf("removed %s; members now %s%n", remove, a.body().path("members"));
            return 0;
        }

        @Override
        String path() {
            return "/lock/raft";
        }

        @Override
        String what() {
            return "the lock group";
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            out.printf("node %s: %s%s%n", r.path("node").asText(), r.path("state").asText(),
                    r.has("role") ? ", " + r.path("role").asText() + " in term " + r.path("term").asLong()
                            + ", leader " + r.path("leader").asText("none") : "");
            r.path("peers").fields().forEachRemaining(e -> out.printf("  %-24s %s%s%n", e.getKey(), e.getValue().asText(),
                    e.getKey().equals(r.path("leader").asText()) ? "  (leader)" : ""));
            if (r.path("groups").size() > 1) {
                // The lock space is sharded (--lock-groups): the line above is group 0.
                out.printf("%d lock groups:%n", r.path("groups").size());
                for (JsonNode g : r.path("groups")) {
                    out.printf("  group %-3d %-9s term %-4d leader %-20s applied %d%n", g.path("group").asInt(),
                            g.path("role").asText(), g.path("term").asLong(), g.path("leader").asText("none"),
                            g.path("appliedIndex").asLong());
                }
            }
        }
    }
}
