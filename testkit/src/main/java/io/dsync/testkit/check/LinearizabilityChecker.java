package io.dsync.testkit.check;

import static io.dsync.testkit.check.ViolationLog.show;

import io.dsync.testkit.history.Call;
import io.dsync.testkit.history.Event;
import io.dsync.testkit.history.EventType;
import io.dsync.testkit.history.History;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks that every key of a history behaves as a linearizable register (see {@link RegisterOps}: read, write,
 * compare-and-set; {@code null} is "absent"). Keys are checked independently, which is sound because
 * linearizability is local.
 *
 * <h2>Algorithm</h2>
 * The Wing &amp; Gong search with Lowe's memoization, as in Knossos and Porcupine: the invocations and completions
 * of a key form a list in time order; the search repeatedly linearizes a call whose invocation comes before the
 * first remaining completion and whose effect is legal in the current register state, and backtracks when a
 * completion is reached whose call could not be linearized. The pair (set of linearized calls, register value) is
 * remembered, so that no configuration is explored twice. Three exact reductions keep long histories cheap: calls
 * with unknown outcome are tried only after the {@code ok} ones; a read that is legal in the current (known) state
 * is linearized at once without branching, since that choice dominates all others; and unknown-outcome writes whose
 * value nothing observes are left out, since they can only have been overwritten unseen.
 * <ul>
 *   <li>{@code ok} calls must be linearized between invocation and completion.</li>
 *   <li>{@code fail} calls never took effect and are left out.</li>
 *   <li>{@code info} and pending writes and compare-and-sets may be linearized anywhere after their invocation,
 *       or not at all; such reads are left out, as they constrain nothing.</li>
 *   <li>Real time is strict: a call precedes another only if it completed at a strictly smaller timestamp.</li>
 * </ul>
 *
 * <h2>Report</h2>
 * For a violation the checker finds the shortest failing prefix of the key's history (by bisection; calls not yet
 * completed at the cut count as unknown). Its last event is the completion that no linearization can explain: an
 * {@code ok} completion that contradicts the rest, or a {@code fail} completion that rules out the only unknown call
 * that could explain the rest. It then cuts the start as late as possible at a quiescent point (no {@code ok} call
 * spans the cut, and the timestamps before it are strictly smaller), assuming any register value there. The
 * resulting window is non-linearizable on its own. When several keys fail, the one whose failure shows earliest is
 * reported.
 *
 * <h2>Budget</h2>
 * The search is exponential in the worst case: many concurrent calls on one key (about 20 and more), especially
 * in a history that turns out invalid, where every configuration before the failure must be refuted. Each search
 * stops after {@link #withBudget(long) budget} steps (configurations explored), and the key's verdict is then
 * {@link CheckResult.Verdict#UNKNOWN}; an invalid key still makes the whole result invalid. With the default budget
 * a valid key of 20,000 calls from 10 clients takes well under a second.
 * <p>
 * Immutable and thread-safe.
 */
public final class LinearizabilityChecker implements Checker {

    /** Default search budget per key, in steps; a step takes well under a microsecond. */
    public static final long DEFAULT_BUDGET = 5_000_000L;

    /** Register value of a window that starts after the beginning: any value. */
    private static final Object ANY = new Object() {
        @Override
        public String toString() {
            return "<any>";
        }
    };
    /** Result of an illegal step. */
    private static final Object ILLEGAL = new Object();

    private final long budget;
    private final String initialValue;

    /** Creates a checker with the {@link #DEFAULT_BUDGET} and registers initially absent ({@code null}). */
    public LinearizabilityChecker() {
        this(DEFAULT_BUDGET, null);
    }

    private LinearizabilityChecker(long budget, String initialValue) {
        this.budget = budget;
        this.initialValue = initialValue;
    }

    /**
     * Returns a checker with another search budget.
     *
     * @param steps the maximum number of search steps per search (each key, and each search while shrinking the
     *     report)
     * @return a checker with that budget
     * @throws IllegalArgumentException if not positive
     */
    public LinearizabilityChecker withBudget(long steps) {
        if (steps <= 0) {
            throw new IllegalArgumentException("budget must be positive, was " + steps);
        }
        return new LinearizabilityChecker(steps, initialValue);
    }

    /**
     * Returns a checker that assumes another initial register value.
     *
     * @param value the value of every register before the history, {@code null} for absent
     * @return a checker with that initial value
     */
    public LinearizabilityChecker withInitialValue(String value) {
        return new LinearizabilityChecker(budget, value);
    }

    @Override
    public CheckResult check(History history) {
        Map<String, List<Call>> callsByKey = new LinkedHashMap<>();
        Map<String, List<Event>> eventsByKey = new HashMap<>();
        long ignored = 0;
        for (Call call : history.calls()) {
            if (kind(call.type()) == null) {
                ignored++;
            } else {
                callsByKey.computeIfAbsent(call.key(), k -> new ArrayList<>()).add(call);
            }
        }
        for (Event event : history.events()) {
            if (kind(event.operation().type()) != null) {
                eventsByKey.computeIfAbsent(event.operation().key(), k -> new ArrayList<>()).add(event);
            }
        }
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("keys", (long) callsByKey.size());
        counters.put("calls", callsByKey.values().stream().mapToLong(List::size).sum());
        for (EventType outcome : List.of(EventType.OK, EventType.FAIL, EventType.INFO)) {
            counters.put(outcome == EventType.INFO ? "unknown" : outcome.label(), callsByKey.values().stream()
                    .flatMap(List::stream).filter(c -> c.outcome() == outcome).count());
        }
        counters.put("ignoredCalls", ignored);

        KeyCheck firstInvalid = null;
        KeyCheck firstUnknown = null;
        long invalid = 0;
        long unknown = 0;
        long steps = 0;
        for (Map.Entry<String, List<Call>> entry : callsByKey.entrySet()) {
            KeyCheck key = new KeyCheck(entry.getKey(), entry.getValue(), eventsByKey.get(entry.getKey()));
            Outcome outcome = key.run();
            steps += key.steps;
            if (outcome == Outcome.ILLEGAL) {
                invalid++;
                if (firstInvalid == null || key.failureTime < firstInvalid.failureTime) {
                    firstInvalid = key;
                }
            } else if (outcome == Outcome.BUDGET) {
                unknown++;
                firstUnknown = firstUnknown == null ? key : firstUnknown;
            }
        }
        counters.put("keysInvalid", invalid);
        counters.put("keysUnknown", unknown);
        counters.put("searchSteps", steps);
        String name = LinearizabilityChecker.class.getSimpleName();
        if (firstInvalid != null) {
            String more = invalid > 1 ? "\n(" + invalid + " keys are not linearizable, see counters)" : "";
            return new CheckResult(name, CheckResult.Verdict.INVALID, firstInvalid.description + more,
                    firstInvalid.window, counters);
        }
        if (firstUnknown != null) {
            return new CheckResult(name, CheckResult.Verdict.UNKNOWN, "search budget of " + budget
                    + " steps exhausted on key " + show(firstUnknown.key) + " (" + firstUnknown.calls.size()
                    + " calls); " + unknown + " of " + callsByKey.size() + " keys undecided, no violation found",
                    List.of(), counters);
        }
        return new CheckResult(name, CheckResult.Verdict.VALID, "every key is linearizable (keys: "
                + callsByKey.size() + ")", List.of(), counters);
    }

    private enum Kind { READ, WRITE, CAS }

    private enum Outcome { LINEARIZABLE, ILLEGAL, BUDGET }

    private static Kind kind(String type) {
        return switch (type) {
            case RegisterOps.READ -> Kind.READ;
            case RegisterOps.WRITE -> Kind.WRITE;
            case RegisterOps.CAS -> Kind.CAS;
            default -> null;
        };
    }

    /**
     * A call as the search sees it: for a read {@code a} is the value read; for a write {@code a} is the value; for
     * a compare-and-set {@code a} is expected and {@code b} the new value. Optional calls may stay unlinearized.
     */
    private record Op(long id, Kind kind, String a, String b, boolean required, long invoke, long complete) {
    }

    /**
     * Leaves out optional writes and compare-and-sets whose new value no remaining call observes (no read returns
     * it, no compare-and-set expects it): linearized anywhere, such a call could only be overwritten unseen, so
     * dropping it changes no verdict, and it saves the search from trying it everywhere.
     */
    private static List<Op> withoutUnobservedOptionalWrites(List<Op> ops) {
        List<Op> kept = ops;
        while (true) {
            Set<String> observed = new HashSet<>();
            for (Op op : kept) {
                if (op.kind() == Kind.CAS || op.kind() == Kind.READ) {
                    observed.add(op.a());
                }
            }
            List<Op> next = new ArrayList<>(kept.size());
            for (Op op : kept) {
                String written = op.kind() == Kind.CAS ? op.b() : op.a();
                if (op.required() || op.kind() == Kind.READ || observed.contains(written)) {
                    next.add(op);
                }
            }
            if (next.size() == kept.size()) {
                return kept;
            }
            kept = next;
        }
    }

    /** The check of one key, with its failure report. Not thread-safe. */
    private final class KeyCheck {
        final String key;
        final List<Call> calls;
        final List<Event> events;
        final Map<Long, Integer> invokePos = new HashMap<>();
        final Map<Long, Integer> completePos = new HashMap<>();
        long steps;
        // Set by run() when the key is not linearizable:
        long failureTime;
        String description;
        List<Event> window = List.of();

        KeyCheck(String key, List<Call> calls, List<Event> events) {
            this.key = key;
            this.calls = calls;
            this.events = events;
            for (int i = 0; i < events.size(); i++) {
                Event event = events.get(i);
                (event.type() == EventType.INVOKE ? invokePos : completePos).put(event.opId(), i);
            }
        }

        Outcome run() {
            Outcome full = search(ops(0, events.size()), initialValue);
            if (full != Outcome.ILLEGAL) {
                return full;
            }
            // Shortest failing prefix: failure is monotone in the prefix length.
            int passes = 0;
            int fails = events.size();
            while (fails - passes > 1) {
                int mid = (passes + fails) >>> 1;
                if (search(ops(0, mid), initialValue) == Outcome.ILLEGAL) {
                    fails = mid;
                } else {
                    passes = mid;
                }
            }
            int end = fails;
            // Latest quiescent start that still fails (monotone over quiescent cuts).
            List<Integer> cuts = quiescentCuts(end);
            int failing = 0;
            int passing = cuts.size();
            while (passing - failing > 1) {
                int mid = (failing + passing) >>> 1;
                if (search(ops(cuts.get(mid), end), ANY) == Outcome.ILLEGAL) {
                    failing = mid;
                } else {
                    passing = mid;
                }
            }
            int start = cuts.get(failing);
            Event culprit = events.get(end - 1);
            failureTime = culprit.time();
            window = windowEvents(start, end, withoutUnobservedOptionalWrites(ops(start, end)));
            long windowCalls = window.stream().filter(e -> e.type() == EventType.INVOKE).count();
            description = "key " + show(key) + " is not linearizable: no linearization of its history explains\n  "
                    + culprit + "\nsmallest failing window found: " + windowCalls + " calls, t="
                    + window.get(0).time() + ".." + culprit.time() + ", register value at its start: "
                    + (start == 0 ? show(initialValue) + " (initial)" : "any") + "; calls still open at t="
                    + culprit.time() + " count as unknown";
            return Outcome.ILLEGAL;
        }

        /** The searchable calls of the window of events [start, end). */
        List<Op> ops(int start, int end) {
            List<Op> ops = new ArrayList<>();
            for (Call call : calls) {
                int invoked = invokePos.get(call.id());
                int completed = completePos.getOrDefault(call.id(), Integer.MAX_VALUE);
                if (invoked >= end) {
                    continue;
                }
                EventType outcome = completed < end ? call.outcome() : EventType.INFO;
                Kind kind = kind(call.type());
                boolean required = outcome == EventType.OK;
                if (outcome == EventType.FAIL || (completed < start && required)
                        || (kind == Kind.READ && !required)) {
                    continue;
                }
                String a = kind == Kind.READ ? call.result() : call.operation().arg(0);
                String b = kind == Kind.CAS ? call.operation().arg(1) : null;
                ops.add(new Op(call.id(), kind, a, b, required, call.invokeTime(),
                        required ? call.completionTime() : Long.MAX_VALUE));
            }
            return ops;
        }

        /** Positions s in [0, end) where cutting drops only calls that completed strictly before all later ones. */
        List<Integer> quiescentCuts(int end) {
            int[] spanning = new int[end + 1];
            for (Call call : calls) {
                int invoked = invokePos.get(call.id());
                int completed = completePos.getOrDefault(call.id(), Integer.MAX_VALUE);
                if (call.isOk() && completed < end) {
                    spanning[invoked + 1]++;
                    spanning[completed + 1]--;
                }
            }
            List<Integer> cuts = new ArrayList<>();
            int open = 0;
            for (int s = 0; s < end; s++) {
                open += spanning[s];
                if (s == 0 || (open == 0 && events.get(s - 1).time() < events.get(s).time())) {
                    cuts.add(s);
                }
            }
            return cuts;
        }

        /** The events before {@code end} of the searched calls, and of failed calls overlapping the window. */
        private List<Event> windowEvents(int start, int end, List<Op> searched) {
            Set<Long> ids = new HashSet<>();
            searched.forEach(op -> ids.add(op.id()));
            for (Call call : calls) {
                int completed = completePos.getOrDefault(call.id(), Integer.MAX_VALUE);
                if (call.isFail() && completed >= start && completed < end) {
                    ids.add(call.id()); // a failure can be the culprit
                }
            }
            List<Event> result = new ArrayList<>();
            for (Event event : events.subList(0, end)) {
                if (ids.contains(event.opId())) {
                    result.add(event);
                }
            }
            return result;
        }

        Outcome search(List<Op> ops, Object initial) {
            Search search = new Search(ops, initial, budget);
            Outcome outcome = search.run();
            steps += search.steps;
            return outcome;
        }
    }

    /**
     * One WGL search over a list of calls. Entry {@code 2i} is the invocation of call {@code i}, entry {@code 2i+1}
     * its completion. Required calls form a doubly linked list of both entries in time order (invocations before
     * completions at equal times, so that ties are concurrent); optional calls form a second list of invocations
     * only, since they may stay unlinearized. Linearized calls are unlinked, and relinked on backtracking. At each
     * configuration the candidates are the calls invoked before the first remaining completion: required ones are
     * tried first, optional ones only when no required candidate leads to a solution.
     */
    private static final class Search {
        private final List<Op> ops;
        private final Object initial;
        private final long budget;
        private final int requiredHead;
        private final int requiredTail;
        private final int optionalHead;
        private final int optionalTail;
        private final int[] next;
        private final int[] prev;
        private final long[] linearized;
        private final Set<Configuration> seen = new HashSet<>();
        long steps;

        Search(List<Op> candidates, Object initial, long budget) {
            this.ops = withoutUnobservedOptionalWrites(candidates);
            this.initial = initial;
            this.budget = budget;
            int entries = ops.size() * 2;
            requiredHead = entries;
            requiredTail = entries + 1;
            optionalHead = entries + 2;
            optionalTail = entries + 3;
            next = new int[entries + 4];
            prev = new int[entries + 4];
            linearized = new long[(ops.size() + 63) >>> 6];
            List<Integer> required = new ArrayList<>();
            List<Integer> optional = new ArrayList<>();
            for (int call = 0; call < ops.size(); call++) {
                if (ops.get(call).required()) {
                    required.add(call << 1);
                    required.add((call << 1) | 1);
                } else {
                    optional.add(call << 1);
                }
            }
            Comparator<Integer> order = Comparator.<Integer>comparingLong(this::time)
                    .thenComparingInt(entry -> entry & 1)
                    .thenComparingInt(entry -> entry);
            required.sort(order);
            optional.sort(order);
            link(requiredHead, required, requiredTail);
            link(optionalHead, optional, optionalTail);
        }

        private void link(int head, List<Integer> entries, int tail) {
            int last = head;
            for (int entry : entries) {
                next[last] = entry;
                prev[entry] = last;
                last = entry;
            }
            next[last] = tail;
            prev[tail] = last;
        }

        private long time(int entry) {
            Op op = ops.get(entry >> 1);
            return (entry & 1) == 0 ? op.invoke() : op.complete();
        }

        Outcome run() {
            int[] stackCall = new int[ops.size()];
            Object[] stackState = new Object[ops.size()];
            boolean[] stackOptional = new boolean[ops.size()];
            boolean[] stackForced = new boolean[ops.size()];
            long[] stackLimit = new long[ops.size()];
            int depth = 0;
            Object state = initial;
            // Scanning required calls, or else optional calls invoked at or before limit.
            boolean optional = false;
            long limit = 0;
            int entry = next[requiredHead];
            while (true) {
                if (steps == budget) {
                    return Outcome.BUDGET;
                }
                steps++;
                if (!optional) {
                    if (entry == requiredTail) {
                        return Outcome.LINEARIZABLE; // every required call is linearized
                    }
                    if ((entry & 1) == 1) {
                        // The first remaining completion: only optional calls are left to try before it.
                        optional = true;
                        limit = time(entry);
                        entry = next[optionalHead];
                        continue;
                    }
                } else if (entry == optionalTail || time(entry) > limit) {
                    entry = -1; // no candidate left here: the first remaining completion cannot be met
                }
                boolean forced = false;
                if (entry >= 0) {
                    int call = entry >> 1;
                    Object after = step(state, ops.get(call));
                    if (after == ILLEGAL) {
                        entry = next[entry];
                        continue;
                    }
                    // A legal read in a known state dominates every other move: it changes nothing, and every
                    // call that had to precede it is linearized already. So it is not branched on: if it fails,
                    // this node fails. (Reading from ANY would pin the value, so it is branched on.)
                    forced = ops.get(call).kind() == Kind.READ && state != ANY;
                    set(call);
                    if (seen.add(new Configuration(linearized, after))) {
                        stackCall[depth] = call;
                        stackState[depth] = state;
                        stackOptional[depth] = optional;
                        stackForced[depth] = forced;
                        stackLimit[depth] = limit;
                        depth++;
                        state = after;
                        lift(call);
                        optional = false;
                        entry = next[requiredHead];
                        continue;
                    }
                    clear(call);
                    if (!forced) {
                        entry = next[entry];
                        continue;
                    }
                }
                // Backtrack past every forced move.
                do {
                    if (depth == 0) {
                        return Outcome.ILLEGAL;
                    }
                    depth--;
                    int undone = stackCall[depth];
                    state = stackState[depth];
                    optional = stackOptional[depth];
                    limit = stackLimit[depth];
                    clear(undone);
                    unlift(undone);
                    entry = next[undone << 1];
                } while (stackForced[depth]);
            }
        }

        private static Object step(Object state, Op op) {
            return switch (op.kind()) {
                case READ -> state == ANY || Objects.equals(state, op.a()) ? op.a() : ILLEGAL;
                case WRITE -> op.a();
                case CAS -> state == ANY || Objects.equals(state, op.a()) ? op.b() : ILLEGAL;
            };
        }

        private void lift(int call) {
            unlink(call << 1);
            if (ops.get(call).required()) {
                unlink((call << 1) | 1);
            }
        }

        private void unlift(int call) {
            if (ops.get(call).required()) {
                relink((call << 1) | 1);
            }
            relink(call << 1);
        }

        private void unlink(int entry) {
            next[prev[entry]] = next[entry];
            prev[next[entry]] = prev[entry];
        }

        private void relink(int entry) {
            next[prev[entry]] = entry;
            prev[next[entry]] = entry;
        }

        private void set(int call) {
            linearized[call >>> 6] |= 1L << call;
        }

        private void clear(int call) {
            linearized[call >>> 6] &= ~(1L << call);
        }
    }

    /**
     * A memoized search configuration: the set of linearized calls and the register value. The set is stored from
     * its first word that is not all ones, since calls are linearized roughly in invocation order, keeping keys
     * small for long histories.
     */
    private static final class Configuration {
        private final int base;
        private final long[] words;
        private final Object state;
        private final int hash;

        Configuration(long[] linearized, Object state) {
            int from = 0;
            while (from < linearized.length && linearized[from] == -1L) {
                from++;
            }
            int to = linearized.length;
            while (to > from && linearized[to - 1] == 0L) {
                to--;
            }
            this.base = from;
            this.words = Arrays.copyOfRange(linearized, from, to);
            this.state = state;
            this.hash = (31 * base + Arrays.hashCode(words)) * 31 + Objects.hashCode(state);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Configuration c && c.hash == hash && c.base == base
                    && Arrays.equals(c.words, words) && Objects.equals(c.state, state);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
