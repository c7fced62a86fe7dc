package io.dsync.testkit.check;

import io.dsync.testkit.history.HistoryRecorder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A simulated storage guarded by fencing tokens, for lock tests: each write presents the fencing token of the lock
 * under which it is made, and is accepted only if the token is at least the highest token accepted so far for that
 * lock (equal tokens are the same grant). Accepted writes store the value; every attempt is logged.
 * <p>
 * When constructed with a {@link HistoryRecorder}, each attempt is also recorded as a
 * {@link LockOps#fencedWrite fenced-write} call of the writing client, completed {@code ok} when accepted and
 * {@code fail} when rejected. Both events are recorded while the resource's monitor is held, so the recorded
 * intervals are disjoint and in the order the writes were applied.
 * <p>
 * Thread-safety: all methods are {@code synchronized}; any number of clients may write concurrently.
 */
public final class FencedResource {

    /**
     * One write attempt.
     *
     * @param sequence the position in the resource's order of application, from 0
     * @param client the writing client
     * @param lock the lock name
     * @param token the token presented
     * @param value the value
     * @param accepted whether the write was accepted
     */
    public record Access(long sequence, String client, String lock, long token, String value, boolean accepted) {
    }

    private final HistoryRecorder recorder;
    private final Map<String, Long> highestTokens = new HashMap<>();
    private final Map<String, String> values = new HashMap<>();
    private final List<Access> accesses = new ArrayList<>();

    /** Creates a resource that records nothing beyond its own {@link #accesses() log}. */
    public FencedResource() {
        this.recorder = null;
    }

    /**
     * Creates a resource that also records every attempt into a history.
     *
     * @param recorder the recorder
     */
    public FencedResource(HistoryRecorder recorder) {
        this.recorder = Objects.requireNonNull(recorder, "recorder");
    }

    /**
     * Attempts a write.
     *
     * @param client the writing client
     * @param lock the lock guarding the data
     * @param token the fencing token of the client's grant
     * @param value the value to store
     * @return {@code true} if accepted, {@code false} if the token is stale
     * @throws NullPointerException if {@code client} or {@code lock} is {@code null}
     */
    public synchronized boolean write(String client, String lock, long token, String value) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(lock, "lock");
        HistoryRecorder.Pending call = recorder == null ? null
                : recorder.invoke(client, LockOps.fencedWrite(lock, token, value));
        Long highest = highestTokens.get(lock);
        boolean accepted = highest == null || token >= highest;
        if (accepted) {
            highestTokens.put(lock, token);
            values.put(lock, value);
        }
        accesses.add(new Access(accesses.size(), client, lock, token, value, accepted));
        if (call != null) {
            if (accepted) {
                call.ok();
            } else {
                call.fail("stale token " + token + " < " + highest);
            }
        }
        return accepted;
    }

    /**
     * @param lock the lock name
     * @return the last accepted value, or {@code null}
     */
    public synchronized String value(String lock) {
        return values.get(lock);
    }

    /**
     * @param lock the lock name
     * @return the highest accepted token, empty if none
     */
    public synchronized OptionalLong highestToken(String lock) {
        Long highest = highestTokens.get(lock);
        return highest == null ? OptionalLong.empty() : OptionalLong.of(highest);
    }

    /** @return a copy of the log of attempts, in order of application */
    public synchronized List<Access> accesses() {
        return List.copyOf(accesses);
    }
}
