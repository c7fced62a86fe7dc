package io.dsync.queue.core;

/**
 * One call of a schedule, as data, so that a schedule can be replayed and printed. Every call that
 * depends on time carries its {@code now}.
 */
sealed interface Op {

    /**
     * Runs the call.
     *
     * @param p the partition
     * @return what the call returned ({@code null} for {@code void})
     */
    Object apply(Partition p);

    record Append(EntryId id, String key) implements Op {
        @Override
        public Object apply(Partition p) {
            p.append(id, key);
            return null;
        }
    }

    record Take(int max, long now, long visibilityMillis) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.take(max, now, visibilityMillis);
        }
    }

    record KeyFree(String key) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.keyFree(key);
        }
    }

    record DeliverAppended(EntryId id, long deadline) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.deliverAppended(id, deadline);
        }
    }

    record Ack(EntryId id, int attempt) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.ack(id, attempt);
        }
    }

    record Nack(EntryId id, int attempt, boolean deadLetter, long delayMillis, long now) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.nack(id, attempt, deadLetter, delayMillis, now);
        }
    }

    record Extend(EntryId id, int attempt, long newVisibleUntil, long now) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.extend(id, attempt, newVisibleUntil, now);
        }
    }

    record Release(EntryId id, int attempt) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.release(id, attempt);
        }
    }

    record DeadLetters(long now) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.deadLetters(now);
        }
    }

    record Remove(EntryId id) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.remove(id);
        }
    }

    record StateOf(EntryId id, long now) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.state(id, now);
        }
    }

    record StatsAt(long now) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.stats(now);
        }
    }

    record HasReady(long now) implements Op {
        @Override
        public Object apply(Partition p) {
            return p.hasReady(now);
        }
    }

    record NextDeadline() implements Op {
        @Override
        public Object apply(Partition p) {
            return p.nextDeadline();
        }
    }

    /**
     * The owner crashes and a new one rebuilds the partition from storage: from every field of the
     * snapshot, or ({@code lossy}) only from attempts and deadlines. Handled by {@link Driver}.
     */
    record Crash(boolean lossy) implements Op {
        @Override
        public Object apply(Partition p) {
            throw new UnsupportedOperationException("a crash replaces the partition; run it through a Driver");
        }
    }
}
