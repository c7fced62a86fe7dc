package io.dsync.platform.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dsync cache}: the coherent cache from a shell, through one node's HTTP API: the operations go through that
 * node's cache client (its local copies), exactly as a bundle's calls on that node would. Exit codes: 0 done, 1 failed
 * (node unreachable, cache unavailable) or, for {@code get}, the key has no value; 2 bad usage or input; 4 no such
 * cache.
 */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = {"Declare caches, read and write keys, and inspect a node's copies and a cache node's homes.",
                "Operations go through the node's own cache client: they are linearizable like any other, and they "
                        + "fill and use that node's local copies.",
                "Exit codes: 0 done, 1 failed (or get: no value), 2 bad usage or input, 4 no such cache."},
        subcommands = {CacheCommand.Declare.class, CacheCommand.ListCaches.class, CacheCommand.Get.class,
                CacheCommand.Put.class, CacheCommand.Remove.class, CacheCommand.Incr.class, CacheCommand.Lines.class,
                CacheCommand.Stats.class, CacheCommand.Homes.class})
final class CacheCommand implements Runnable {

    static final int NO_CACHE = 4;
    private static final String NO_API = "has no cache API: is it a dsync node of this version?";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: declare, list, get, put, remove, incr, lines, stats or homes (dsync cache --help)");
    }

    static NodeHttp.Answer request(NodeHttp node, String method, String path, Object body, String what) {
        NodeHttp.Answer a = node.send(method, path, TIMEOUT, NO_API, body);
        if (!a.ok()) {
            int code = switch (a.error()) {
                case "unknown-cache" -> NO_CACHE;
                case "invalid", "too-large", "conflict", "token" -> 2;
                default -> 1;
            };
            throw new Dsync.CliException(what + ": " + a.message(), code);
        }
        return a;
    }

    private static String entry(String cache, String key) {
        return "/cache/caches/" + NodeHttp.enc(cache) + "/entry?key=" + NodeHttp.enc(key);
    }

    /** The value of an entry answer as text, or as Base64 with a marker when it is not UTF-8. */
    private static String value(JsonNode entry) {
        return entry.has("value") ? entry.path("value").asText()
                : "<" + Base64.getDecoder().decode(entry.path("valueBase64").asText()).length + " bytes, base64 "
                        + entry.path("valueBase64").asText() + ">";
    }

    /**
     * One line on a cache's configuration, from its JSON (an entry of a node before 1.2 has no eviction: LRU; before
     * 1.3 no bound in bytes).
     */
    static String summary(JsonNode c) {
        String eviction = c.path("evictionPolicy").asText("LRU").equals("W_TINY_LFU") ? "w-tinylfu" : "lru";
        long bytes = c.path("localCapacityBytes").asLong(0);
        return String.format("cache %s: %d local copies per node%s, values up to %d bytes, %s, %s eviction",
                c.path("name").asText(), c.path("localCapacity").asInt(),
                bytes == 0 ? "" : " within " + size(bytes), c.path("maxValueBytes").asInt(),
                c.path("writeMode").asText().toLowerCase(Locale.ROOT).replace('_', '-'), eviction);
    }

    /** A size for people: bytes, or KiB, MiB, GiB with one decimal when not whole. */
    static String size(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v)) + " " + units[u];
    }

    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})\\s*(?:([kmgt])(?:i?b)?|b)?", Pattern.CASE_INSENSITIVE);

    /**
     * Parses a size: a number of bytes, or with a suffix k, m, g or t (powers of 1024; KiB, MB... also accepted).
     *
     * @return the bytes, or -1 if {@code text} is not a size
     */
    static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            return -1;
        }
        try {
            long n = Long.parseLong(m.group(1));
            int shift = m.group(2) == null ? 0 : 10 * (1 + "kmgt".indexOf(Character.toLowerCase(m.group(2).charAt(0))));
            return n > Long.MAX_VALUE >> shift ? -1 : n << shift;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Command(name = "declare", mixinStandardHelpOptions = true,
            description = "Declare a cache (idempotent: an equal declaration of an existing cache changes nothing; a different one is refused).")
    static final class Declare implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "CACHE", converter = Names.CacheName.class, description = "Cache name: letters, digits, '.', '_', '-'.")
        String cache;

        @Option(names = "--capacity", defaultValue = "10000",
                description = "Local copies each node keeps (default: ${DEFAULT-VALUE}).")
        int capacity;

        @Option(names = "--capacity-bytes", defaultValue = "0", paramLabel = "SIZE",
                description = "Most bytes of copies each node keeps (keys at two bytes per character, and values), as "
                        + "bytes or with k, m, g (KiB, MiB, GiB): 256m. Copies are evicted while either bound is passed; "
                        + "0: no bound in bytes (default: ${DEFAULT-VALUE}).")
        String capacityBytes;

        @Option(names = "--eviction", defaultValue = "lru",
                description = "Which copy a full node gives up: lru (least recently used) or w-tinylfu (a copy used "
                        + "once does not push out one used often: better hit ratios on skewed keys) "
                        + "(default: ${DEFAULT-VALUE}).")
        String eviction;

        @Option(names = "--max-value-bytes", defaultValue = "1048576",
                description = "Largest value in bytes (default: ${DEFAULT-VALUE}).")
        int maxValueBytes;

        @Option(names = "--write-mode", defaultValue = "write-through",
                description = "write-through (a put returns once Redis has it) or write-back (modified copies reach "
                        + "Redis on eviction, downgrade and stop; a crash loses them) (default: ${DEFAULT-VALUE}).")
        String writeMode;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            String mode = writeMode.toLowerCase(Locale.ROOT);
            if (!mode.equals("write-through") && !mode.equals("write-back")) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--write-mode must be write-through or write-back, got '" + writeMode + "'");
            }
            String policy = eviction.toLowerCase(Locale.ROOT);
            if (!policy.equals("lru") && !policy.equals("w-tinylfu")) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--eviction must be lru or w-tinylfu, got '" + eviction + "'");
            }
            long bytes = parseSize(capacityBytes);
            if (bytes < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--capacity-bytes must be a size such as 268435456, 256m or 1g, got '" + capacityBytes + "'");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("localCapacity", capacity);
            body.put("localCapacityBytes", bytes);
            body.put("maxValueBytes", maxValueBytes);
            body.put("writeMode", mode);
            body.put("evictionPolicy", policy);
            JsonNode c;
            try {
                c = request(node, "PUT", "/cache/caches/" + NodeHttp.enc(cache), body,
                        "cannot declare cache '" + cache + "'").body();
            } catch (Dsync.CliException e) {
                throw NodeHttp.withOptionNames(e, Map.of("localCapacity", "--capacity", "localCapacityBytes",
                        "--capacity-bytes", "maxValueBytes", "--max-value-bytes", "writeMode", "--write-mode",
                        "evictionPolicy", "--eviction"));
            }
            spec.commandLine().getOut().println(summary(c));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "The declared caches, with the node's hits and misses for those it uses.")
    static final class ListCaches implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode all = request(node, "GET", "/cache/caches", null, "cannot list the caches").body();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-30s %10s %12s %-13s %8s %8s %7s%n", "CACHE", "CAPACITY", "MAX-VALUE", "WRITE-MODE", "HITS",
                    "MISSES", "LINES");
            for (JsonNode c : all) {
                JsonNode s = c.path("stats");
                out.printf("%-30s %10d %12d %-13s %8s %8s %7s%n", c.path("name").asText(), c.path("localCapacity").asInt(),
                        c.path("maxValueBytes").asInt(), c.path("writeMode").asText().toLowerCase(Locale.ROOT).replace('_', '-'),
                        s.path("hits").asText("-"), s.path("misses").asText("-"), c.path("lines").asText("-"));
            }
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = {"Print a key's value (linearizable: the latest write, whichever node made it).",
                    "A key without a value prints nothing and exits with 1, as 'grep' does for no match."})
    static final class Get implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "CACHE", converter = Names.CacheName.class)
        String cache;

        @Parameters(index = "1", paramLabel = "KEY", converter = Names.CacheKey.class)
        String key;

        @Option(names = "--raw", description = "Write the value's bytes as they are, with no newline (for binary "
                + "values; without it a value that is not UTF-8 text is shown as its length and Base64).")
        boolean raw;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode e = request(node, "GET", entry(cache, key), null, "cannot read '" + key + "' of cache '" + cache + "'").body();
            if (!e.path("present").asBoolean()) {
                spec.commandLine().getErr().printf("(no value for '%s' in cache %s)%n", key, cache);
                return 1;
            }
            if (raw) {
                byte[] bytes = e.has("value") ? e.path("value").asText().getBytes(StandardCharsets.UTF_8)
                        : Base64.getDecoder().decode(e.path("valueBase64").asText());
                System.out.write(bytes);
                System.out.flush();
                return System.out.checkError() ? 1 : 0; // a closed pipe: the value did not get out
            }
            spec.commandLine().getOut().println(value(e));
            return 0;
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = {"Write a key's value: VALUE as text, --base64 for bytes, or '-' for standard input's bytes.",
                    "With --if-absent, only if the key has no value (prints the existing value otherwise)."})
    static final class Put implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "CACHE", converter = Names.CacheName.class)
        String cache;

        @Parameters(index = "1", paramLabel = "KEY", converter = Names.CacheKey.class)
        String key;

        @Parameters(index = "2", paramLabel = "VALUE", description = "The value as text; '-' reads standard input.")
        String value;

        @Option(names = "--base64", description = "VALUE is Base64 of the bytes to write.")
        boolean base64;

        @Option(names = "--if-absent", description = "Write only if the key has no value.")
        boolean ifAbsent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> body = new LinkedHashMap<>();
            if (value.equals("-")) {
                body.put("valueBase64", Base64.getEncoder().encodeToString(System.in.readAllBytes()));
            } else if (base64) {
                try {
                    Base64.getDecoder().decode(value);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "VALUE is not Base64: " + e.getMessage());
                }
                body.put("valueBase64", value);
            } else {
                body.put("value", value);
            }
            JsonNode r = request(node, "PUT", entry(cache, key) + (ifAbsent ? "&ifAbsent=true" : ""), body,
                    "cannot write '" + key + "' of cache '" + cache + "'").body();
            PrintWriter out = spec.commandLine().getOut();
            if (ifAbsent && !r.path("written").asBoolean()) {
                out.println(value(r));
                spec.commandLine().getErr().printf("not written: '%s' has a value already (above)%n", key);
                return 0;
            }
            out.println("OK");
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a key's value from main memory and every node's copy; says whether it had one.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "CACHE", converter = Names.CacheName.class)
        String cache;

        @Parameters(index = "1", paramLabel = "KEY", converter = Names.CacheKey.class)
        String key;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode r = request(node, "DELETE", entry(cache, key), null,
                    "cannot remove '" + key + "' of cache '" + cache + "'").body();
            spec.commandLine().getOut().println(r.path("removed").asBoolean() ? "removed" : "(it had no value)");
            return 0;
        }
    }

    @Command(name = "incr", mixinStandardHelpOptions = true,
            description = "Add to a decimal counter atomically (a compute holding the key's M right); prints the new value.")
    static final class Incr implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "CACHE", converter = Names.CacheName.class)
        String cache;

        @Parameters(index = "1", paramLabel = "KEY", converter = Names.CacheKey.class)
        String key;

        @Option(names = "--by", defaultValue = "1", description = "What to add (negative to subtract) (default: ${DEFAULT-VALUE}).")
        long by;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode r = request(node, "POST", "/cache/caches/" + NodeHttp.enc(cache) + "/increment?key="
                    + NodeHttp.enc(key) + "&by=" + by, null, "cannot increment '" + key + "' of cache '" + cache + "'").body();
            spec.commandLine().getOut().println(r.path("value").asLong());
            return 0;
        }
    }

    @Command(name = "lines", mixinStandardHelpOptions = true,
            description = "The node's copies of a cache, most recently used first: key, MESI state, version, home, lease left.")
    static final class Lines implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "CACHE", converter = Names.CacheName.class)
        String cache;

        @Option(names = {"-n", "--limit", "--max"}, defaultValue = "20", description = "At most this many (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--json", description = "Print the node's JSON answer.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (limit < 0 || limit > 10_000) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be from 0 to 10000, got " + limit);
            }
            JsonNode r = request(node, "GET", "/cache/caches/" + NodeHttp.enc(cache) + "/lines?limit=" + limit, null,
                    "cannot read the copies of cache '" + cache + "'").body();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                LockCommand.printJson(out, r);
                return 0;
            }
            out.printf("cache %s on this node: %d of %s copies, %s%n", cache, r.path("total").asInt(),
                    r.path("capacity").asText("?"), size(r.path("bytes").asLong()));
            out.printf("%-40s %-9s %8s %-16s %10s%n", "KEY", "STATE", "VERSION", "HOME", "LEASE-LEFT");
            for (JsonNode l : r.path("lines")) {
                out.printf("%-40s %-9s %8d %-16s %8dms%n", l.path("key").asText(), l.path("state").asText(),
                        l.path("version").asLong(), l.path("home").asText(), l.path("leaseLeftMs").asLong());
            }
            return 0;
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "A cache's configuration and the node's statistics: hits, misses, evictions, invalidations, write-backs, copies per MESI state.")
    static final class Stats implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "CACHE", converter = Names.CacheName.class)
        String cache;

        @Option(names = "--json", description = "Print the node's JSON answer (with every MESI transition and its cause).")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode c = request(node, "GET", "/cache/caches/" + NodeHttp.enc(cache), null,
                    "cannot read cache '" + cache + "'").body();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                LockCommand.printJson(out, c);
                return 0;
            }
            out.println(summary(c));
            if (!c.has("stats")) {
                out.println("not used on this node yet");
                return 0;
            }
            JsonNode s = c.path("stats");
            out.printf("hits %d, misses %d (%d read from Redis without a copy), hit rate %.1f%%, evictions %d, "
                            + "invalidations received %d, write-backs %d%n",
                    s.path("hits").asLong(), s.path("misses").asLong(), c.path("readsFromMemory").asLong(),
                    100 * s.path("hitRate").asDouble(),
                    s.path("evictions").asLong(), s.path("invalidationsReceived").asLong(), s.path("writeBacks").asLong());
            JsonNode byState = c.path("linesByState");
            out.printf("copies %d (%s): M %d, E %d, S %d, I %d; writes lost %d%n", c.path("lines").asInt(),
                    size(c.path("bytes").asLong()), byState.path("M").asInt(), byState.path("E").asInt(),
                    byState.path("S").asInt(), byState.path("I").asInt(), c.path("writesLost").asLong());
            return 0;
        }
    }

    @Command(name = "homes", mixinStandardHelpOptions = true,
            description = {"A cache node's homes: the ring of cache nodes, its epoch and the node's directories.",
                    "With --cache, the directory's entries too (owner, holders with their grants, waiting requests).",
                    "--node must be a cache node ('dsync status' lists the nodes and their roles)."})
    static final class Homes implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Option(names = "--cache", converter = Names.CacheName.class,
                description = "Show this cache's directory entries on the node.")
        String cache;

        @Option(names = {"-n", "--limit", "--max"}, defaultValue = "20", description = "At most this many entries (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--json", description = "Print the node's JSON answer.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (limit < 1 || limit > 10_000) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be from 1 to 10000, got " + limit);
            }
            if (cache != null) {
                // A declared cache whose keys this node homes none of has no directory here: an empty list. An
                // undeclared one is a mistake to say so (exit 4), as every other command does.
                // The catalog's list: reading the cache itself would open it on that node.
                JsonNode declared = request(node, "GET", "/cache/caches", null, "cannot read the caches").body();
                boolean known = false;
                for (JsonNode c : declared) {
                    known |= cache.equals(c.path("name").asText());
                }
                if (!known) {
                    throw new Dsync.CliException("cannot show the homes of '" + cache + "': no cache '" + cache
                            + "' has been declared", NO_CACHE);
                }
            }
            String path = "/cache/homes" + (cache == null ? "" : "?cache=" + NodeHttp.enc(cache) + "&limit=" + limit);
            NodeHttp.Answer a = node.send("GET", path, TIMEOUT,
                    "is not a cache node (it serves no /cache/homes): --node must be the admin URL of a node with the cache role");
            if (!a.ok()) {
                throw new Dsync.CliException("cannot read the homes: " + a.message(), a.status() == 404 ? NO_CACHE : 1);
            }
            JsonNode h = a.body();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                LockCommand.printJson(out, h);
                return 0;
            }
            out.printf("ring epoch %d: %s; this node's homes at epoch %d%n", h.path("ringEpoch").asLong(),
                    h.path("members"), h.path("homeEpoch").asLong());
            h.path("directories").fields().forEachRemaining(e -> out.printf("  cache %-24s %d entries%n", e.getKey(),
                    e.getValue().asInt()));
            if (h.has("entries")) {
                out.printf("%-40s %-9s %-16s %s%n", "KEY", "STATE", "OWNER", "HOLDERS");
                for (JsonNode e : h.path("entries")) {
                    out.printf("%-40s %-9s %-16s %s%s%n", e.path("key").asText(), e.path("state").asText(),
                            e.path("owner").isNull() ? "-" : e.path("owner").asText(), e.path("holders"),
                            e.path("waiting").asInt() > 0 ? " (" + e.path("waiting").asInt() + " waiting)" : "");
                }
            }
            return 0;
        }
    }
}
