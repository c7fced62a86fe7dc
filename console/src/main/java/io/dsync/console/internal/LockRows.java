package io.dsync.console.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lock table as the Locks view's grid shows it: one row per (lock, holder), a lock without a holder (its waiters
 * are being granted) as one row without one; and the view's text filter. Stateless.
 */
final class LockRows {

    /**
     * A row of the grid.
     *
     * @param lock the lock's name
     * @param holder a holder of the lock, or {@code null}
     * @param waiters the lock's waiters, FIFO
     * @param leaseLeft how long the holder's lease still runs in the lock group's time, or {@code null}
     */
    record Row(String lock, LockTableSnapshot.Holder holder, List<LockTableSnapshot.Waiter> waiters, Duration leaseLeft) {

        /** @return what identifies the row from one poll to the next: the lock and the holder's session */
        String id() {
            return holder == null ? lock : lock + "\u0000" + holder.session();
        }

        /** @return the waiters as one line: the short session ids, with the mode they want */
        String waitersText() {
            StringBuilder b = new StringBuilder();
            for (LockTableSnapshot.Waiter w : waiters) {
                if (b.length() > 0) {
                    b.append(", ");
                }
                b.append(WaitForSvg.shortSession(w.session())).append(' ')
                        .append(w.mode().toLowerCase(Locale.ROOT)).append(w.upgrade() ? " (upgrade)" : "");
            }
            return b.toString();
        }
    }

    private LockRows() {
    }

    /**
     * @param table the table
     * @param filter text that a row's lock name, holder or a waiter must contain (any case); blank for all
     * @return the rows, in the table's order of locks
     */
    static List<Row> rows(LockTableSnapshot table, String filter) {
        String f = filter == null ? "" : filter.strip().toLowerCase(Locale.ROOT);
        Instant now = table.logTime();
        List<Row> rows = new ArrayList<>();
        for (LockTableSnapshot.Lock l : table.locks()) {
            boolean lockMatches = f.isEmpty() || l.name().toLowerCase(Locale.ROOT).contains(f)
                    || l.waiters().stream().anyMatch(w -> w.session().toLowerCase(Locale.ROOT).contains(f));
            if (l.holders().isEmpty()) {
                if (lockMatches) {
                    rows.add(new Row(l.name(), null, l.waiters(), null));
                }
                continue;
            }
            for (LockTableSnapshot.Holder h : l.holders()) {
                if (lockMatches || h.session().toLowerCase(Locale.ROOT).contains(f)) {
                    Duration left = now == null || h.leaseExpiresAt() == null ? null
                            : Duration.between(now, h.leaseExpiresAt());
                    rows.add(new Row(l.name(), h, l.waiters(), left));
                }
            }
        }
        return rows;
    }

    /** @return a lease's time left for people: {@code 12.3 s}, {@code 4 min 05 s}, {@code expired} */
    static String leaseText(Duration left) {
        if (left == null) {
            return "";
        }
        if (left.isNegative() || left.isZero()) {
            return "expired";
        }
        long ms = left.toMillis();
        return ms < 60_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0)
                : String.format(Locale.ROOT, "%d min %02d s", ms / 60_000, ms % 60_000 / 1000);
    }
}
