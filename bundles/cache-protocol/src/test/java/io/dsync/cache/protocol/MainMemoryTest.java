package io.dsync.cache.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import io.dsync.cache.core.Effect;
import io.dsync.cache.core.Effect.ReadMemory;
import io.dsync.cache.core.Effect.WriteMemory;
import io.dsync.cache.core.GrantId;
import io.dsync.cache.core.MemoryResult;
import io.dsync.cache.core.MemoryResult.ReadDone;
import io.dsync.cache.core.MemoryResult.ReadFailed;
import io.dsync.cache.core.MemoryResult.WriteDone;
import io.dsync.cache.core.MemoryResult.WriteOutcome;
import io.dsync.cache.core.Versioned;
import io.dsync.devkit.LocalRedis;

/**
 * Main memory's scripts against a real Redis: the fenced read, every branch of the conditional write, tombstones,
 * binary values, exact comparison of large numbers, the key layout, waiting for replicas, and failures that are
 * answered, never thrown.
 */
class MainMemoryTest {

    static final String PREFIX = "dsync:mmtest:";
    static final Function<String, String> LAYOUT = MainMemory.keyLayout(PREFIX);

    static LocalRedis redis;
    static RedissonClient client;
    static MainMemory memory;

    static final AtomicInteger ids = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        redis = LocalRedis.start();
        client = clientOf(redis, 3000);
        memory = new MainMemory(client, LAYOUT);
    }

    @AfterAll
    static void stop() {
        client.shutdown();
        redis.close();
    }

    static RedissonClient clientOf(LocalRedis server, int timeoutMillis) {
        Config config = new Config();
        config.useSingleServer().setAddress(server.address()).setTimeout(timeoutMillis).setConnectTimeout(timeoutMillis)
                .setRetryAttempts(0);
        return Redisson.create(config);
    }

    static GrantId g(long epoch, long incarnation, long seq) {
        return new GrantId(epoch, incarnation, seq);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static MemoryResult read(MainMemory m, String cache, String key, GrantId fence) {
        return m.read(cache, new ReadMemory(ids.incrementAndGet(), key, fence)).toCompletableFuture().join();
    }

    static Versioned read(String cache, String key, GrantId fence) {
        MemoryResult r = read(memory, cache, key, fence);
        assertThat(r).isInstanceOf(ReadDone.class);
        assertThat(r.key()).isEqualTo(key);
        return ((ReadDone) r).data();
    }

    static WriteOutcome write(MainMemory m, String cache, String key, byte[] value, long version, GrantId fence) {
        long id = ids.incrementAndGet();
        MemoryResult r = m.write(cache, new WriteMemory(id, key, new Versioned(value, version), fence))
                .toCompletableFuture().join();
        assertThat(r).isEqualTo(new WriteDone(id, key, ((WriteDone) r).outcome()));
        return ((WriteDone) r).outcome();
    }

    static WriteOutcome write(String cache, String key, byte[] value, long version, GrantId fence) {
        return write(memory, cache, key, value, version, fence);
    }

    /** The raw hash of a key, as text. */
    static Map<String, String> stored(String cache, String key) {
        return client.<String, String>getMap(LAYOUT.apply(cache + ":" + key), StringCodec.INSTANCE).readAllMap();
    }

    @Test
    void aKeyNeverWrittenReadsInitialAndTheReadRaisesTheFence() {
        assertThat(read("c1", "k", g(2, 1, 5))).isSameAs(Versioned.INITIAL);
        assertThat(stored("c1", "k")).containsExactly(Map.entry("fence", "2.1.5"));
        // a lower fence does not lower it, a higher one raises it
        assertThat(read("c1", "k", g(1, 9, 9))).isEqualTo(Versioned.INITIAL);
        assertThat(stored("c1", "k")).containsEntry("fence", "2.1.5");
        read("c1", "k", g(2, 2, 1));
        assertThat(stored("c1", "k")).containsEntry("fence", "2.2.1");
    }

    @Test
    void aWriteIsReadBack() {
        GrantId owner = g(1, 1, 1);
        read("c2", "k", owner);
        assertThat(write("c2", "k", b("v1"), 1, owner)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(read("c2", "k", g(1, 1, 2))).isEqualTo(new Versioned(b("v1"), 1));
        assertThat(stored("c2", "k")).containsExactlyInAnyOrderEntriesOf(
                Map.of("value", "v1", "version", "1", "fence", "1.1.2", "writer", "1.1.1"));
    }

    @Test
    void aGhostWriteAfterTheNextGrantsReadIsRejected() {
        GrantId oldOwner = g(1, 1, 1);
        read("c3", "k", oldOwner);
        assertThat(write("c3", "k", b("v1"), 1, oldOwner)).isEqualTo(WriteOutcome.WRITTEN);
        // the home grants the key to another node: its read raises the fence above the old owner's grant
        GrantId newOwner = g(1, 1, 2);
        assertThat(read("c3", "k", newOwner)).isEqualTo(new Versioned(b("v1"), 1));
        // the old owner's late write (even with a newer version) is fenced
        assertThat(write("c3", "k", b("ghost"), 2, oldOwner)).isEqualTo(WriteOutcome.REJECTED);
        assertThat(write("c3", "k", b("new"), 2, newOwner)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(read("c3", "k", g(1, 1, 3))).isEqualTo(new Versioned(b("new"), 2));
    }

    @Test
    void aRejectionOfAWriteThatMayHaveBeenSentTwiceIsUnknown() {
        // A write slower than the client's resend time may have landed at its first send and been rejected at its
        // second (a grant's read raised the fence in between): the node must not take the rejection as certain.
        MainMemory slow = new MainMemory(client, LAYOUT, 0, Duration.ZERO, 0);
        GrantId oldOwner = g(1, 1, 1);
        read("c13", "k", oldOwner);
        read("c13", "k", g(1, 1, 2));
        assertThat(write("c13", "k", b("ghost"), 1, oldOwner)).isEqualTo(WriteOutcome.REJECTED);
        assertThat(write(slow, "c13", "k", b("ghost"), 1, oldOwner)).isEqualTo(WriteOutcome.FAILED);
        assertThat(write(slow, "c13", "k", b("new"), 1, g(1, 1, 2))).as("a write that landed is written however "
                + "long it took").isEqualTo(WriteOutcome.WRITTEN);
    }

    @Test
    void fencesCompareByEpochThenIncarnationThenSeq() {
        read("c4", "k", g(2, 1, 1));
        assertThat(write("c4", "k", b("x"), 1, g(1, 99, 99))).as("older epoch").isEqualTo(WriteOutcome.REJECTED);
        assertThat(write("c4", "k", b("x"), 1, g(2, 1, 1))).isEqualTo(WriteOutcome.WRITTEN);
        read("c4", "k", g(2, 5, 1));
        assertThat(write("c4", "k", b("y"), 2, g(2, 4, 99))).as("older incarnation").isEqualTo(WriteOutcome.REJECTED);
        assertThat(write("c4", "k", b("y"), 2, g(3, 1, 1))).as("newer epoch").isEqualTo(WriteOutcome.WRITTEN);
        assertThat(stored("c4", "k")).containsEntry("fence", "3.1.1").containsEntry("writer", "3.1.1");
    }

    @Test
    void largeNumbersCompareExactly() {
        // 2^53 + 1 and 2^53 are the same double: a comparison through Lua numbers would take them for equal
        long big = (1L << 53) + 1;
        read("c5", "k", g(1, 1, big));
        assertThat(write("c5", "k", b("x"), 1, g(1, 1, big - 1))).isEqualTo(WriteOutcome.REJECTED);
        GrantId max = g(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
        assertThat(write("c5", "k", b("x"), big, max)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(write("c5", "k", b("y"), big - 1, max)).as("older version").isEqualTo(WriteOutcome.REJECTED);
        assertThat(write("c5", "k", b("z"), Long.MAX_VALUE, max)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(read("c5", "k", max)).isEqualTo(new Versioned(b("z"), Long.MAX_VALUE));
    }

    @Test
    void anOlderVersionIsRejected() {
        GrantId owner = g(1, 1, 1);
        read("c6", "k", owner);
        assertThat(write("c6", "k", b("v2"), 2, owner)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(write("c6", "k", b("v1"), 1, owner)).isEqualTo(WriteOutcome.REJECTED);
        assertThat(read("c6", "k", owner)).isEqualTo(new Versioned(b("v2"), 2));
    }

    @Test
    void aRepeatOfTheStoredWriteIsWritten() {
        GrantId owner = g(1, 1, 1);
        read("c7", "k", owner);
        assertThat(write("c7", "k", b("v"), 1, owner)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(write("c7", "k", b("v"), 1, owner)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(write("c7", "k", null, 2, owner)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(write("c7", "k", null, 2, owner)).as("a repeated tombstone").isEqualTo(WriteOutcome.WRITTEN);
    }

    @Test
    void theSameVersionWithAnotherValueOrWriterIsRejected() {
        GrantId owner = g(1, 1, 1);
        read("c8", "k", owner);
        assertThat(write("c8", "k", b("v"), 1, owner)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(write("c8", "k", b("w"), 1, owner)).as("another value").isEqualTo(WriteOutcome.REJECTED);
        assertThat(write("c8", "k", null, 1, owner)).as("a tombstone").isEqualTo(WriteOutcome.REJECTED);
        assertThat(write("c8", "k", new byte[0], 1, owner)).as("an empty value").isEqualTo(WriteOutcome.REJECTED);
        assertThat(write("c8", "k", b("v"), 1, g(1, 1, 2))).as("another writer").isEqualTo(WriteOutcome.REJECTED);
        assertThat(read("c8", "k", g(1, 1, 3))).isEqualTo(new Versioned(b("v"), 1));
        assertThat(write("c8x", "never", b("v"), 0, owner)).as("version 0 of a key never written")
                .isEqualTo(WriteOutcome.REJECTED);
    }

    @Test
    void aTombstoneKeepsItsVersionAndFence() {
        GrantId owner = g(1, 1, 1);
        read("c9", "k", owner);
        assertThat(write("c9", "k", b("v"), 1, owner)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(write("c9", "k", null, 2, owner)).isEqualTo(WriteOutcome.WRITTEN);
        Versioned tombstone = read("c9", "k", g(1, 1, 2));
        assertThat(tombstone.present()).isFalse();
        assertThat(tombstone.version()).isEqualTo(2);
        assertThat(stored("c9", "k")).doesNotContainKey("value").containsEntry("version", "2")
                .containsEntry("fence", "1.1.2");
        assertThat(write("c9", "k", b("ghost"), 2, owner)).isEqualTo(WriteOutcome.REJECTED);
        assertThat(write("c9", "k", b("again"), 3, g(1, 1, 2))).isEqualTo(WriteOutcome.WRITTEN);
    }

    @Test
    void valuesAreBinarySafe() {
        byte[] all = new byte[512];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        GrantId owner = g(1, 1, 1);
        read("c10", "k", owner);
        assertThat(write("c10", "k", all, 1, owner)).isEqualTo(WriteOutcome.WRITTEN);
        assertThat(read("c10", "k", owner).value()).isEqualTo(all);
        assertThat(write("c10", "k", all.clone(), 1, owner)).as("a repeat compares the bytes")
                .isEqualTo(WriteOutcome.WRITTEN);
        assertThat(write("c10", "k", new byte[0], 2, owner)).isEqualTo(WriteOutcome.WRITTEN);
        Versioned empty = read("c10", "k", owner);
        assertThat(empty.present()).as("an empty value is not a tombstone").isTrue();
        assertThat(empty.value()).isEmpty();
    }

    @Test
    void keysWithAnyCharactersAreKeptApart() {
        GrantId owner = g(1, 1, 1);
        for (String key : new String[] {"a:b", "a}b", "{a}", "ключ 😀", "a"}) {
            read("c11", key, owner);
            assertThat(write("c11", key, b(key), 1, owner)).isEqualTo(WriteOutcome.WRITTEN);
        }
        for (String key : new String[] {"a:b", "a}b", "{a}", "ключ 😀", "a"}) {
            assertThat(read("c11", key, owner)).isEqualTo(new Versioned(b(key), 1));
        }
    }

    @Test
    void aCacheNameWithAColonIsRefused() {
        assertThatThrownBy(() -> memory.read("a:b", new ReadMemory(1, "k", g(1, 1, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not contain ':'");
    }

    /** Redis hashes the part between the first '{' and the next '}' after it, if that part is not empty. */
    static String hashTag(String key) {
        int open = key.indexOf('{');
        int close = open < 0 ? -1 : key.indexOf('}', open + 1);
        return close > open + 1 ? key.substring(open + 1, close) : key;
    }

    @Test
    void theLayoutGivesEveryKeyItsOwnHashTag() {
        assertThat(MainMemory.keyLayout("dsync:prod:").apply("users:42")).isEqualTo("dsync:prod:cache:{users:42}");
        assertThat(hashTag(MainMemory.keyLayout("dsync:prod:").apply("users:42"))).isEqualTo("users:42");
        // a prefix with its own hash tag would put every cache key on one slot: the key's tag goes first
        String braced = MainMemory.keyLayout("dsync:{prod}:").apply("users:42");
        assertThat(braced).isEqualTo("{users:42}:dsync:{prod}:cache");
        assertThat(hashTag(braced)).isEqualTo("users:42");
        assertThat(hashTag(MainMemory.keyLayout("").apply("users:a}b"))).isEqualTo("users:a");
    }

    @Test
    void aStoppedRedisGivesFailedResultsNotExceptions() throws IOException {
        LocalRedis doomed = LocalRedis.start();
        RedissonClient doomedClient = clientOf(doomed, 500);
        try {
            MainMemory m = new MainMemory(doomedClient, LAYOUT);
            assertThat(read(m, "d", "k", g(1, 1, 1))).isInstanceOf(ReadDone.class);
            doomed.close();
            assertThat(m.read("d", new ReadMemory(77, "k", g(1, 1, 2))).toCompletableFuture()
                    .completeOnTimeout(null, 30, TimeUnit.SECONDS).join()).isEqualTo(new ReadFailed(77, "k"));
            WriteMemory w = new WriteMemory(78, "k", new Versioned(b("v"), 1), g(1, 1, 2));
            assertThat(m.write("d", w).toCompletableFuture().completeOnTimeout(null, 30, TimeUnit.SECONDS).join())
                    .isEqualTo(new WriteDone(78, "k", WriteOutcome.FAILED));
        } finally {
            doomedClient.shutdown();
            doomed.close();
        }
    }

    @Test
    void aColdReadOfAHungRedisFailsWithinItsOwnTimeoutNotTheClients() throws Exception {
        LocalRedis hung = LocalRedis.start();
        RedissonClient hungClient = clientOf(hung, 10_000);
        try {
            MainMemory m = new MainMemory(hungClient, LAYOUT);
            assertThat(m.readPlain("h", new Effect.ReadPlain(1, "k")).toCompletableFuture().join())
                    .isEqualTo(new ReadDone(1, "k", Versioned.INITIAL));
            new ProcessBuilder("kill", "-STOP", Long.toString(hung.pid())).start().waitFor();
            // The client would wait 10 s; the cold read gives up after its own 500 ms (the bound here leaves room
            // for a loaded machine), so that its operation can go the home's way.
            assertThat(m.readPlain("h", new Effect.ReadPlain(2, "k")).toCompletableFuture()
                    .completeOnTimeout(null, 5, TimeUnit.SECONDS).join()).isEqualTo(new ReadFailed(2, "k"));
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(hung.pid())).start().waitFor();
            hungClient.shutdown();
            hung.close();
        }
    }

    @Test
    void aShutDownClientGivesFailedResultsNotExceptions() {
        RedissonClient closed = clientOf(redis, 500);
        closed.shutdown();
        MainMemory m = new MainMemory(closed, LAYOUT);
        assertThat(m.read("d", new ReadMemory(1, "k", g(1, 1, 1))).toCompletableFuture().join())
                .isEqualTo(new ReadFailed(1, "k"));
        assertThat(m.write("d", new WriteMemory(2, "k", Versioned.INITIAL.next(b("v")), g(1, 1, 1)))
                .toCompletableFuture().join()).isEqualTo(new WriteDone(2, "k", WriteOutcome.FAILED));
    }

    @Test
    void withoutEnoughReplicasReadsAndWritesFailButRejectionsStand() {
        MainMemory waiting = new MainMemory(client, LAYOUT, 1, Duration.ofMillis(100));
        GrantId owner = g(1, 1, 5);
        assertThat(read(waiting, "c12", "k", owner)).isInstanceOf(ReadFailed.class);
        assertThat(stored("c12", "k")).as("the primary ran the script").containsEntry("fence", "1.1.5");
        assertThat(write(waiting, "c12", "k", b("v"), 1, owner)).isEqualTo(WriteOutcome.FAILED);
        assertThat(write(waiting, "c12", "k", b("v"), 1, g(1, 1, 4))).isEqualTo(WriteOutcome.REJECTED);
        assertThat(read("c12", "k", owner)).as("the unconfirmed write is on the primary")
                .isEqualTo(new Versioned(b("v"), 1));
    }

    @Test
    void aReplicaConfirmsReadsAndWrites() throws IOException {
        try (LocalRedis primary = LocalRedis.start(); LocalRedis replica = LocalRedis.start()) {
            // Redis 7 waits 5 s for more replicas before a diskless full sync
            command(primary.port(), "CONFIG", "SET", "repl-diskless-sync-delay", "0");
            command(replica.port(), "REPLICAOF", "127.0.0.1", Integer.toString(primary.port()));
            await().atMost(Duration.ofSeconds(30)).until(() -> command(primary.port(), "INFO", "replication")
                    .contains("state=online"));
            RedissonClient c = clientOf(primary, 3000);
            try {
                MainMemory waiting = new MainMemory(c, LAYOUT, 1, Duration.ofSeconds(5));
                GrantId owner = g(1, 1, 1);
                assertThat(read(waiting, "r", "k", owner)).isInstanceOf(ReadDone.class);
                assertThat(write(waiting, "r", "k", b("v"), 1, owner)).isEqualTo(WriteOutcome.WRITTEN);
                assertThat(command(replica.port(), "HGET", LAYOUT.apply("r:k"), "value")).isEqualTo("v");
            } finally {
                c.shutdown();
            }
        }
    }

    /** One command over a fresh connection; answers a simple or bulk reply as text (enough for these tests). */
    static String command(int port, String... args) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
                        .append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = in.readLine();
            if (first.startsWith("-")) {
                throw new IOException("Redis answered " + first);
            }
            if (!first.startsWith("$")) {
                return first.substring(1);
            }
            int length = Integer.parseInt(first.substring(1));
            if (length < 0) {
                return null;
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return new String(body, 0, read);
        }
    }
}
