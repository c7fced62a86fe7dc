package io.dsync.lock.client.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

/** Reads through the leader without Ratis: who is asked, and when the leader is looked up again. */
class LeaderReadsTest {

    private static final byte[] QUERY = {1, 2, 3};
    private static final byte[] ANSWER = {4, 5};
    private static final Executor NOW = Runnable::run;

    private final List<String> log = new ArrayList<>();

    /** Members of a group: {@code leaders} answer the probe in turn; reads fail on members in {@code down}. */
    private final class Peers implements LeaderReads.Peers {
        final List<String> leaders;
        final List<String> down;

        Peers(List<String> leaders, List<String> down) {
            this.leaders = new ArrayList<>(leaders);
            this.down = down;
        }

        @Override
        public String findLeader() throws IOException {
            if (leaders.isEmpty()) {
                throw new IOException("no member answered");
            }
            String leader = leaders.size() > 1 ? leaders.remove(0) : leaders.get(0);
            log.add("probe -> " + leader);
            return leader;
        }

        @Override
        public byte[] read(String member, byte[] query) throws IOException {
            log.add("read " + member);
            if (down.contains(member)) {
                throw new IOException(member + " is not the leader");
            }
            if (member.equals("rejecting")) {
                throw new LeaderReads.QueryRejectedException("bad query", null);
            }
            return ANSWER;
        }
    }

    private long deadline(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void aKnownLeaderIsReadFromWithoutAProbe() throws Exception {
        LeaderReads reads = new LeaderReads(new Peers(List.of("n1"), List.of()), NOW, NOW);
        reads.leaderIs("n2");
        assertArrayEquals(ANSWER, reads.read(QUERY, deadline(1_000)).get());
        assertEquals(List.of("read n2"), log);
    }

    @Test
    void anUnknownLeaderIsFoundWithAProbeAndRemembered() throws Exception {
        LeaderReads reads = new LeaderReads(new Peers(List.of("n1"), List.of()), NOW, NOW);
        reads.read(QUERY, deadline(1_000)).get();
        reads.read(QUERY, deadline(1_000)).get();
        assertEquals(List.of("probe -> n1", "read n1", "read n1"), log);
        assertEquals("n1", reads.leader());
    }

    @Test
    void aFailedReadLooksForTheLeaderAgainAfterTheRetryDelay() throws Exception {
        List<Runnable> delayed = new ArrayList<>();
        LeaderReads reads = new LeaderReads(new Peers(List.of("n2"), List.of("n1")), NOW, delayed::add);
        reads.leaderIs("n1");
        var answer = reads.read(QUERY, deadline(10_000));
        assertEquals(List.of("read n1"), log);
        assertEquals(1, delayed.size(), "the next attempt waits for the retry delay");
        delayed.get(0).run();
        assertArrayEquals(ANSWER, answer.get());
        assertEquals(List.of("read n1", "probe -> n2", "read n2"), log);
    }

    @Test
    void aRejectedQueryIsNotRetried() {
        List<Runnable> delayed = new ArrayList<>();
        LeaderReads reads = new LeaderReads(new Peers(List.of("rejecting"), List.of()), NOW, delayed::add);
        ExecutionException e = assertThrows(ExecutionException.class, () -> reads.read(QUERY, deadline(1_000)).get());
        assertInstanceOf(LeaderReads.QueryRejectedException.class, e.getCause());
        assertEquals(List.of(), delayed);
    }

    @Test
    void pastTheDeadlineTheLastFailureIsReported() {
        Executor afterTenMillis = r -> {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            r.run();
        };
        LeaderReads reads = new LeaderReads(new Peers(List.of(), List.of()), NOW, afterTenMillis);
        ExecutionException e = assertThrows(ExecutionException.class, () -> reads.read(QUERY, deadline(50)).get());
        assertInstanceOf(IOException.class, e.getCause());
        assertEquals("no member answered", e.getCause().getMessage());
        ExecutionException none = assertThrows(ExecutionException.class, () -> reads.read(QUERY, deadline(-1)).get());
        assertInstanceOf(TimeoutException.class, none.getCause());
    }
}
