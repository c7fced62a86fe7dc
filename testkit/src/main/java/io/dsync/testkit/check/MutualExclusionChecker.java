package io.dsync.testkit.check;

import static io.dsync.testkit.check.ViolationLog.concat;
import static io.dsync.testkit.check.ViolationLog.countBefore;
import static io.dsync.testkit.check.ViolationLog.show;

import io.dsync.testkit.check.LockOps.Mode;
import io.dsync.testkit.history.Call;
import io.dsync.testkit.history.Event;
import io.dsync.testkit.history.EventType;
import io.dsync.testkit.history.History;
import io.dsync.testkit.history.MalformedHistoryException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks lock histories (see {@link LockOps} for the operations): mutual exclusion in real time, fencing-token order
 * and the fenced resource.
 *
 * <h2>Holds</h2>
 * A client <em>certainly holds</em> a grant from the completion of its {@code ok} acquire up to (excluding) the
 * invocation of the matching release. A grant never released is certainly held up to and including the last event
 * its client recorded (the client may have crashed after it, and the service may then expire the lease). With
 * {@link #withLeaseNanos(long)}, a hold also ends (exclusive) one lease after the acquire's <em>invocation</em>, the
 * conservative expiry that {@code LockHandle} computes too. Two holds conflict only if some instant is certainly in
 * both: an acquire completing at the very timestamp of another client's release invocation is not a conflict.
 * Acquires that failed or whose outcome is unknown hold nothing. Holds of one client never conflict with each other
 * (reentrancy). Without a lease, the checker assumes that no lease expires while its client is active: a paused
 * client that keeps acting after its lease was taken over shows up as an overlap.
 *
 * <h2>Properties</h2>
 * <ol>
 *   <li>{@code exclusiveOverlaps}: two exclusive holds of different clients overlap.</li>
 *   <li>{@code sharedExclusiveOverlaps}: a shared hold overlaps an exclusive hold of another client.</li>
 *   <li>{@code tokenOrder}: an acquire completed strictly before another one was invoked, yet the later grant's
 *       token is not larger; equal tokens are allowed only for a reentrant acquire by the same client while its
 *       grant was not certainly released (release {@code ok} before the new acquire's invocation).</li>
 *   <li>{@code duplicateTokens}: two clients received the same token for the same lock.</li>
 *   <li>{@code staleWrites}: the fenced resource accepted a write whose token is smaller than that of a write it
 *       had accepted (completed {@code ok}) before this one was invoked.</li>
 * </ol>
 * Every rule only uses facts the history proves (strict timestamp order, {@code ok} outcomes), so an unknown outcome
 * or a tie in time never produces a violation. The report describes the earliest violation.
 * <p>
 * Immutable and thread-safe.
 */
public final class MutualExclusionChecker implements Checker {

    private static final long NO_LEASE = Long.MAX_VALUE;

    private final long leaseNanos;

    /** Creates a checker without lease bound: holds last until release or the client's last event. */
    public MutualExclusionChecker() {
        this(NO_LEASE);
    }

    private MutualExclusionChecker(long leaseNanos) {
        this.leaseNanos = leaseNanos;
    }

    /**
     * Returns a checker that also ends every hold at most {@code leaseNanos} after the acquire's invocation, for
     * tests in which clients may be paused beyond their lease (renewals are not modelled).
     *
     * @param leaseNanos the lease, in clock units
     * @return the new checker
     * @throws IllegalArgumentException if not positive
     */
    public MutualExclusionChecker withLeaseNanos(long leaseNanos) {
        if (leaseNanos <= 0) {
            throw new IllegalArgumentException("lease must be positive, was " + leaseNanos);
        }
        return new MutualExclusionChecker(leaseNanos);
    }

    /** A grant as seen by its client. Mutable only while {@link #check} builds it. */
    private static final class Hold {
        final Call acquire;
        final String lock;
        final String client;
        final Mode mode;
        final Long token;
        final long start;
        long end = Long.MAX_VALUE;
        /** Whether the grant is certainly in force at {@code end} itself (not after a release invocation). */
        boolean endInclusive;
        String endReason;
        Event endEvent;
        long certainlyReleasedAt = Long.MAX_VALUE;

        Hold(Call acquire, Mode mode, Long token) {
            this.acquire = acquire;
            this.lock = acquire.key();
            this.client = acquire.process();
            this.mode = mode;
            this.token = token;
            this.start = acquire.completionTime();
        }

        /** Whether the grant is certainly in force at the given instant, given that it started by then. */
        boolean coversFrom(long time) {
            return time < end || (time == end && endInclusive);
        }

        String describe() {
            return client + " held " + show(lock) + " " + mode + (token == null ? " without token" : " with token "
                    + token) + " from t=" + start
                    + " (acquire completed) to t=" + end + " (" + endReason + ")";
        }

        List<Event> events() {
            List<Event> events = new ArrayList<>(acquire.events());
            events.add(endEvent);
            return events;
        }
    }

    private record ClientLock(String client, String lock) {
    }

    @Override
    public CheckResult check(History history) {
        Map<String, Long> counters = new LinkedHashMap<>();
        ViolationLog violations = new ViolationLog().kind("exclusiveOverlaps").kind("sharedExclusiveOverlaps")
                .kind("tokenOrder").kind("duplicateTokens").kind("staleWrites");
        List<Hold> holds = holds(history, counters);
        checkOverlaps(holds, violations);
        checkTokens(holds, violations);
        checkWrites(history, counters, violations);
        counters.putAll(violations.counts());
        if (violations.isEmpty()) {
            String summary = "no violation: " + counters.get("holds") + " holds, " + counters.get("writesAccepted")
                    + " accepted fenced writes";
            return new CheckResult(name(), CheckResult.Verdict.VALID, summary, List.of(), counters);
        }
        return new CheckResult(name(), CheckResult.Verdict.INVALID, violations.firstDescription(),
                violations.firstWitness(), counters);
    }

    private static String name() {
        return MutualExclusionChecker.class.getSimpleName();
    }

    private List<Hold> holds(History history, Map<String, Long> counters) {
        Map<Long, Call> calls = new HashMap<>();
        Map<String, Long> lastEvent = new HashMap<>();
        long acquiresOk = 0;
        long acquiresFail = 0;
        long acquiresUnknown = 0;
        long releases = 0;
        for (Call call : history.calls()) {
            calls.put(call.id(), call);
            if (call.type().equals(LockOps.ACQUIRE)) {
                switch (call.outcome()) {
                    case OK -> acquiresOk++;
                    case FAIL -> acquiresFail++;
                    default -> acquiresUnknown++;
                }
            } else if (call.type().equals(LockOps.RELEASE)) {
                releases++;
            }
        }
        List<Hold> holds = new ArrayList<>();
        Map<ClientLock, List<Hold>> open = new HashMap<>();
        for (Event event : history.events()) {
            lastEvent.put(event.process(), event.time());
            String type = event.operation().type();
            if (type.equals(LockOps.ACQUIRE) && event.type() == EventType.OK) {
                Call acquire = calls.get(event.opId());
                Hold hold = new Hold(acquire, mode(acquire), parseToken(event.value(), event));
                holds.add(hold);
                open.computeIfAbsent(new ClientLock(hold.client, hold.lock), k -> new ArrayList<>()).add(hold);
            } else if (type.equals(LockOps.RELEASE) && event.type() == EventType.INVOKE) {
                release(calls.get(event.opId()), open.get(new ClientLock(event.process(), event.operation().key())));
            }
        }
        for (Hold hold : holds) {
            if (hold.endReason == null) {
                hold.end = lastEvent.get(hold.client);
                hold.endInclusive = true;
                hold.endReason = "last event of " + hold.client + ", never released";
            }
            long leaseEnd = leaseNanos == NO_LEASE ? Long.MAX_VALUE : hold.acquire.invokeTime() + leaseNanos;
            if (leaseEnd < hold.end || (leaseEnd == hold.end && hold.endInclusive)) {
                hold.end = leaseEnd;
                hold.endInclusive = false;
                hold.endReason = "lease expiry";
                hold.endEvent = null;
            }
        }
        counters.put("acquiresOk", acquiresOk);
        counters.put("acquiresFail", acquiresFail);
        counters.put("acquiresUnknown", acquiresUnknown);
        counters.put("releases", releases);
        counters.put("holds", (long) holds.size());
        return holds;
    }

    private static void release(Call release, List<Hold> open) {
        if (open == null || open.isEmpty()) {
            return; // releasing a grant that is not certain (unknown acquire): nothing to end
        }
        Long token = parseToken(release.operation().arg(0), release.invoke());
        for (int i = open.size() - 1; i >= 0; i--) {
            Hold hold = open.get(i);
            if (token == null || token.equals(hold.token)) {
                open.remove(i);
                hold.end = release.invokeTime();
                hold.endReason = "release invoked";
                hold.endEvent = release.invoke();
                if (release.isOk()) {
                    hold.certainlyReleasedAt = release.completionTime();
                }
                return;
            }
        }
    }

    private static void checkOverlaps(List<Hold> holds, ViolationLog violations) {
        List<Hold> live = holds.stream().filter(h -> h.coversFrom(h.start))
                .sorted(Comparator.<Hold>comparingLong(h -> h.start).thenComparingLong(h -> h.acquire.id()))
                .toList();
        Map<String, List<Hold>> activeByLock = new HashMap<>();
        for (Hold hold : live) {
            List<Hold> active = activeByLock.computeIfAbsent(hold.lock, k -> new ArrayList<>());
            active.removeIf(other -> !other.coversFrom(hold.start));
            for (Hold other : active) {
                if (other.client.equals(hold.client) || (other.mode == Mode.SHARED && hold.mode == Mode.SHARED)) {
                    continue;
                }
                boolean bothExclusive = other.mode == Mode.EXCLUSIVE && hold.mode == Mode.EXCLUSIVE;
                long until = Math.min(hold.end, other.end);
                violations.add(bothExclusive ? "exclusiveOverlaps" : "sharedExclusiveOverlaps", hold.start,
                        () -> (bothExclusive ? "exclusive holds" : "shared and exclusive holds") + " overlap on lock "
                                + show(hold.lock) + (until == hold.start ? " at t=" + until
                                        : " from t=" + hold.start + " to t=" + until)
                                + ":\n  " + other.describe() + "\n  " + hold.describe(),
                        () -> concat(other.events(), hold.events()));
            }
            active.add(hold);
        }
    }

    private static void checkTokens(List<Hold> holds, ViolationLog violations) {
        Map<String, List<Hold>> byLock = new LinkedHashMap<>();
        for (Hold hold : holds) {
            if (hold.token != null) {
                byLock.computeIfAbsent(hold.lock, k -> new ArrayList<>()).add(hold);
            }
        }
        for (List<Hold> lockHolds : byLock.values()) {
            // Grants sorted by completion; prefix maxima answer "largest token granted before time t" by search.
            List<Hold> byCompletion = new ArrayList<>(lockHolds);
            byCompletion.sort(Comparator.comparingLong(h -> h.start));
            long[] completions = new long[byCompletion.size()];
            Hold[] maxBefore = new Hold[byCompletion.size()];
            for (int i = 0; i < completions.length; i++) {
                Hold hold = byCompletion.get(i);
                completions[i] = hold.start;
                maxBefore[i] = i > 0 && maxBefore[i - 1].token >= hold.token ? maxBefore[i - 1] : hold;
            }
            Map<Long, Hold> firstByToken = new HashMap<>();
            for (Hold hold : byCompletion) {
                int before = countBefore(completions, hold.acquire.invokeTime());
                Hold earlier = before == 0 ? null : maxBefore[before - 1];
                if (earlier != null && (earlier.token > hold.token || earlier.token.equals(hold.token)
                        && earlier.client.equals(hold.client) && earlier.certainlyReleasedAt < hold.acquire
                        .invokeTime())) {
                    violations.add("tokenOrder", hold.start, () -> "fencing token did not increase on lock "
                            + show(hold.lock) + ": " + hold.client + " was granted token " + hold.token + " at t="
                            + hold.start + " by an acquire invoked at t=" + hold.acquire.invokeTime()
                            + ", after " + earlier.client + " had been granted token " + earlier.token + " at t="
                            + earlier.start, () -> concat(earlier.acquire.events(), hold.acquire.events()));
                }
                Hold first = firstByToken.putIfAbsent(hold.token, hold);
                if (first != null && !first.client.equals(hold.client)) {
                    violations.add("duplicateTokens", hold.start, () -> "fencing token " + hold.token
                            + " of lock " + show(hold.lock) + " was granted to two clients: " + first.client
                            + " at t=" + first.start + " and " + hold.client + " at t=" + hold.start,
                            () -> concat(first.acquire.events(), hold.acquire.events()));
                }
            }
        }
    }

    private static void checkWrites(History history, Map<String, Long> counters, ViolationLog violations) {
        Map<String, List<Call>> acceptedByLock = new LinkedHashMap<>();
        long accepted = 0;
        long rejected = 0;
        long unknown = 0;
        for (Call call : history.calls()) {
            if (!call.type().equals(LockOps.FENCED_WRITE)) {
                continue;
            }
            switch (call.outcome()) {
                case OK -> {
                    accepted++;
                    acceptedByLock.computeIfAbsent(call.key(), k -> new ArrayList<>()).add(call);
                }
                case FAIL -> rejected++;
                default -> unknown++;
            }
        }
        counters.put("writesAccepted", accepted);
        counters.put("writesRejected", rejected);
        counters.put("writesUnknown", unknown);
        for (List<Call> writes : acceptedByLock.values()) {
            writes.sort(Comparator.comparingLong(Call::completionTime));
            long[] completions = new long[writes.size()];
            Call[] maxBefore = new Call[writes.size()];
            for (int i = 0; i < completions.length; i++) {
                Call write = writes.get(i);
                completions[i] = write.completionTime();
                maxBefore[i] = i > 0 && writeToken(maxBefore[i - 1]) >= writeToken(write) ? maxBefore[i - 1] : write;
            }
            for (Call write : writes) {
                int before = countBefore(completions, write.invokeTime());
                if (before == 0 || writeToken(maxBefore[before - 1]) <= writeToken(write)) {
                    continue;
                }
                Call newer = maxBefore[before - 1];
                violations.add("staleWrites", write.completionTime(), () -> "fenced resource accepted a stale "
                        + "token on lock " + show(write.key()) + ": " + write.process() + " wrote "
                        + show(write.operation().arg(1)) + " with token " + writeToken(write) + " (invoked t="
                        + write.invokeTime() + ", accepted t=" + write.completionTime() + ") after the write of "
                        + newer.process() + " with token " + writeToken(newer) + " had been accepted at t="
                        + newer.completionTime(), () -> concat(newer.events(), write.events()));
            }
        }
    }

    private static long writeToken(Call write) {
        Long token = parseToken(write.operation().arg(0), write.invoke());
        if (token == null) {
            throw new MalformedHistoryException("fenced write without token: " + write.invoke());
        }
        return token;
    }

    private static Mode mode(Call acquire) {
        String mode = acquire.operation().arg(0);
        try {
            return Mode.valueOf(String.valueOf(mode).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MalformedHistoryException("acquire mode must be SHARED or EXCLUSIVE: " + acquire.invoke());
        }
    }

    private static Long parseToken(String token, Event event) {
        if (token == null) {
            return null;
        }
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException e) {
            throw new MalformedHistoryException("fencing token is not a number: " + event);
        }
    }
}
