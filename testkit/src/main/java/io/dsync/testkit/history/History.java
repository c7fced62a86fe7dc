package io.dsync.testkit.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An immutable, validated history: events in timestamp order, and the {@link Call}s they form.
 *
 * <h2>Text format</h2>
 * One event per line, as produced by {@link #dump()} and read by {@link #parse(CharSequence)}:
 * <pre>
 * &lt;time&gt; &lt;process&gt; invoke|ok|fail|info [#&lt;id&gt;] [&lt;type&gt; &lt;key&gt; &lt;arg&gt;...]
 *     [=&gt; &lt;value&gt;]
 *
 * 1000 c1 invoke #1 write x 5
 * 1250 c1 ok #1 write x 5
 * 1300 c2 invoke #2 read x
 * 1400 c2 ok #2 read x =&gt; 5
 * 1500 c3 info #3 cas x 5 6 =&gt; "timed out"
 * </pre>
 * Words made of ASCII letters, digits and {@code _.:/@+-,~^!?%&*} are written bare; anything else (spaces, the
 * empty string, the literal string {@code "nil"}) is double-quoted with Java-style escapes, and {@code nil} bare
 * means {@code null}. Blank lines and lines starting with {@code #} are ignored. For hand-written histories two
 * shorthands are accepted: without {@code #id}, an invocation gets the next free id and a completion pairs with the
 * only outstanding invocation of its process; a completion may omit the operation, which is then copied from its
 * invocation. {@link #dump()} always writes the full form, so {@code parse(h.dump()).equals(h)}.
 *
 * <h2>Order</h2>
 * Events are sorted by timestamp; events with equal timestamps keep their input order. Checkers must not read
 * anything into the order of events with equal timestamps: such events are concurrent.
 * <p>
 * Immutable and thread-safe.
 */
public final class History {

    private static final History EMPTY = new History(List.of(), List.of());

    private final List<Event> events;
    private final List<Call> calls;

    private History(List<Event> events, List<Call> calls) {
        this.events = events;
        this.calls = calls;
    }

    /**
     * Builds a history from events in any order; ties in time keep the given order.
     *
     * @param events the events
     * @return the history
     * @throws MalformedHistoryException if an id is invoked twice, a completion has no earlier invocation, is
     *     completed twice, or differs from its invocation in process or operation
     */
    public static History of(Collection<Event> events) {
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(Event::time)); // stable: ties keep their order
        Map<Long, Event> invocations = new LinkedHashMap<>();
        Map<Long, Event> completions = new HashMap<>();
        for (Event event : sorted) {
            Objects.requireNonNull(event, "event");
            if (event.type() == EventType.INVOKE) {
                if (invocations.putIfAbsent(event.opId(), event) != null) {
                    throw new MalformedHistoryException("duplicate invocation #" + event.opId() + ": " + event);
                }
                continue;
            }
            Event invocation = invocations.get(event.opId());
            if (invocation == null) {
                throw new MalformedHistoryException("completion without an earlier invocation: " + event);
            }
            if (!invocation.process().equals(event.process())
                    || !invocation.operation().equals(event.operation())) {
                throw new MalformedHistoryException("completion does not match its invocation " + invocation
                        + ": " + event);
            }
            if (completions.putIfAbsent(event.opId(), event) != null) {
                throw new MalformedHistoryException("#" + event.opId() + " completed twice: " + event);
            }
        }
        List<Call> calls = new ArrayList<>(invocations.size());
        for (Event invocation : invocations.values()) {
            calls.add(new Call(invocation, completions.get(invocation.opId())));
        }
        return new History(Collections.unmodifiableList(sorted), Collections.unmodifiableList(calls));
    }

    /**
     * Parses the text format described above.
     *
     * @param text the history text
     * @return the history
     * @throws MalformedHistoryException naming the line at fault
     */
    public static History parse(CharSequence text) {
        return of(HistoryText.parse(text));
    }

    /** @return the empty history */
    public static History empty() {
        return EMPTY;
    }

    /** @return the events in timestamp order, unmodifiable */
    public List<Event> events() {
        return events;
    }

    /** @return the calls in invocation order, unmodifiable */
    public List<Call> calls() {
        return calls;
    }

    /** @return the number of events */
    public int size() {
        return events.size();
    }

    /** @return whether the history has no events */
    public boolean isEmpty() {
        return events.isEmpty();
    }

    /**
     * Returns the sub-history of the calls that match a predicate (both events of each kept call).
     *
     * @param keep the calls to keep
     * @return the sub-history
     */
    public History filter(Predicate<? super Call> keep) {
        Set<Long> ids = new HashSet<>();
        List<Call> kept = new ArrayList<>();
        for (Call call : calls) {
            if (keep.test(call)) {
                ids.add(call.id());
                kept.add(call);
            }
        }
        return subHistory(ids, kept);
    }

    /**
     * Splits the history per key (the operation's key; {@code null} is a key of its own).
     *
     * @return the sub-history of each key, in order of first invocation; unmodifiable
     */
    public Map<String, History> byKey() {
        Map<String, List<Call>> grouped = new LinkedHashMap<>();
        for (Call call : calls) {
            grouped.computeIfAbsent(call.key(), k -> new ArrayList<>()).add(call);
        }
        Map<String, History> result = new LinkedHashMap<>();
        grouped.forEach((key, keyCalls) -> {
            Set<Long> ids = new HashSet<>();
            keyCalls.forEach(call -> ids.add(call.id()));
            result.put(key, subHistory(ids, keyCalls));
        });
        return Collections.unmodifiableMap(result);
    }

    /**
     * Returns the sub-history of one key.
     *
     * @param key the key, possibly {@code null}
     * @return the calls on that key
     */
    public History forKey(String key) {
        return filter(call -> Objects.equals(call.key(), key));
    }

    /**
     * Renders the history in the text format, one event per line, each line ending with a newline.
     *
     * @return the text
     */
    public String dump() {
        StringBuilder text = new StringBuilder(events.size() * 32);
        for (Event event : events) {
            text.append(HistoryText.format(event)).append('\n');
        }
        return text.toString();
    }

    private History subHistory(Set<Long> ids, List<Call> kept) {
        List<Event> keptEvents = new ArrayList<>(kept.size() * 2);
        for (Event event : events) {
            if (ids.contains(event.opId())) {
                keptEvents.add(event);
            }
        }
        return new History(Collections.unmodifiableList(keptEvents), Collections.unmodifiableList(kept));
    }

    /** Histories are equal when their event lists are equal. */
    @Override
    public boolean equals(Object other) {
        return other instanceof History history && events.equals(history.events);
    }

    @Override
    public int hashCode() {
        return events.hashCode();
    }

    /** Returns {@link #dump()}. */
    @Override
    public String toString() {
        return dump();
    }
}
