package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

import io.dsync.cache.core.CoherenceMessage.LeaseRef;
import io.dsync.cache.core.CoherenceMessage.Renew;

/**
 * A node's lease renewals in flight: one {@link Renew} per home, remembered with its send time (the new
 * leases count from it) until answered or given up after the retry interval. Mutable; owned by one
 * {@link CacheNode}.
 */
final class Renewals {

    private record InFlight(long sentAt, List<LeaseRef> leases) {
    }

    private final TreeMap<Long, InFlight> inFlight = new TreeMap<>();
    private long seq;

    /**
     * Starts the renewals of due leases, one per home, and marks their lines.
     *
     * @param now the node's time
     * @param due the lines to renew, by home
     * @return the messages to send, in home order
     */
    List<Effect.Send> start(long now, TreeMap<String, List<Line>> due) {
        List<Effect.Send> sends = new ArrayList<>();
        due.forEach((home, lines) -> {
            long id = ++seq;
            List<LeaseRef> leases = new ArrayList<>();
            for (Line line : lines) {
                leases.add(new LeaseRef(line.key, line.grant));
                line.renewal = id;
            }
            inFlight.put(id, new InFlight(now, leases));
            sends.add(new Effect.Send(home, new Renew(id, leases)));
        });
        return sends;
    }

    /**
     * Takes an answered renewal out of the ones in flight.
     *
     * @return when it was sent, or {@code null} if it is unknown (answered late, after being given up)
     */
    Long answered(long renewal) {
        InFlight r = inFlight.remove(renewal);
        return r == null ? null : r.sentAt();
    }

    /**
     * Gives up the renewals unanswered since {@code retry}, so that their leases can be renewed again.
     *
     * @param reset told each line whose renewal was given up
     */
    void giveUp(long now, long retry, Function<String, Line> lines, Consumer<Line> reset) {
        for (Iterator<Map.Entry<Long, InFlight>> it = inFlight.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Long, InFlight> e = it.next();
            if (e.getValue().sentAt() + retry <= now) {
                it.remove();
                for (LeaseRef ref : e.getValue().leases()) {
                    Line line = lines.apply(ref.key());
                    if (line != null && line.renewal == e.getKey()) {
                        line.renewal = 0;
                        reset.accept(line);
                    }
                }
            }
        }
    }
}
