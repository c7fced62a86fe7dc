package io.dsync.queue.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.dsync.queue.core.PartitionState.DeadLetter;
import io.dsync.queue.core.PartitionState.Grant;

/**
 * Generates a random schedule of calls, like an owner serving several consumers would make them: a
 * few keys and unkeyed messages, polls, settlements of current and stale attempts, dead-lettering,
 * time that mostly advances but sometimes goes back, and crashes. It learns deliveries and dead letters
 * from the results it is shown, so that settlements name real attempts most of the time.
 */
final class Workload {

    private static final String[] KEYS = {"a", "b", "c", "d", "e", "f"};

    private final Random random;
    private final boolean crashes;
    private final List<Grant> recent = new ArrayList<>();
    private final List<EntryId> appended = new ArrayList<>();
    private EntryId lastNacked;
    /** Calls to make next, before any new one: looks at what a call just did. */
    private final ArrayDeque<Op> followUps = new ArrayDeque<>();
    private long millis = 1_000;
    private long sequence;
    /** The time of the next call that takes one. */
    long now = 10_000;
    /** How often time went backwards. */
    int backwards;

    Workload(long seed, boolean crashes) {
        this.random = new Random(seed);
        this.crashes = crashes;
    }

    /** @return the next call */
    Op next() {
        if (!followUps.isEmpty()) {
            return followUps.pollFirst();
        }
        moveTime();
        int dice = random.nextInt(100);
        if (dice < 15) {
            return append();
        } else if (dice < 35) {
            return new Op.Take(1 + random.nextInt(5), now, 5 + random.nextInt(36));
        } else if (dice < 55) {
            Grant g = pick();
            return new Op.Ack(g.entry(), g.attempt());
        } else if (dice < 65) {
            Grant g = pick();
            boolean dead = random.nextInt(4) == 0;
            long delay = dead || random.nextBoolean() ? 0 : 1 + random.nextInt(60);
            lastNacked = g.entry();
            if (delay > 0 && random.nextBoolean()) {
                followUps.add(new Op.StateOf(g.entry(), now));
            }
            return new Op.Nack(g.entry(), g.attempt(), dead, delay, now);
        } else if (dice < 72) {
            Grant g = pick();
            return new Op.Extend(g.entry(), g.attempt(), now + 1 + random.nextInt(40), now);
        } else if (dice < 77) {
            Grant g = pick();
            return new Op.Release(g.entry(), g.attempt());
        } else if (dice < 83) {
            return new Op.DeadLetters(now);
        } else if (dice < 85) {
            // The owner removes an entry for another reason (e.g. its message is gone from storage).
            return new Op.Remove(random.nextInt(3) == 0 ? recentId() : anyId());
        } else if (dice < 92) {
            return new Op.StateOf(recentId(), now);
        } else if (dice < 94) {
            return new Op.StatsAt(now);
        } else if (dice < 96) {
            return new Op.HasReady(now);
        } else if (dice < 98 || !crashes) {
            return new Op.NextDeadline();
        }
        return new Op.Crash(random.nextInt(3) == 0);
    }

    /**
     * Learns from a result.
     *
     * @param op the call
     * @param result what it returned
     */
    @SuppressWarnings("unchecked")
    void observe(Op op, Object result) {
        if (op instanceof Op.DeliverAppended && result != null) {
            recent.add((Grant) result);
        }
        if (op instanceof Op.Take) {
            recent.addAll((List<Grant>) result);
            while (recent.size() > 30) {
                recent.remove(0);
            }
        } else if (op instanceof Op.DeadLetters) {
            for (DeadLetter d : (List<DeadLetter>) result) {
                // The owner moves most of them at once; some wait for a later round.
                if (random.nextInt(4) != 0) {
                    followUps.addLast(new Op.Remove(d.entry()));
                }
            }
        }
    }

    private Op append() {
        if (random.nextBoolean()) {
            millis += 1 + random.nextInt(3);
            sequence = 0;
        } else {
            sequence++;
        }
        EntryId id = new EntryId(millis, sequence);
        appended.add(id);
        String key = random.nextInt(4) == 0 ? null : KEYS[random.nextInt(KEYS.length)];
        if (random.nextInt(3) == 0) {
            // A poll waits: the owner stores the message with its first delivery (asking first whether the key is free).
            followUps.add(new Op.KeyFree(key));
            followUps.add(new Op.DeliverAppended(random.nextInt(8) == 0 ? recentId() : id, now + 5 + random.nextInt(36)));
        }
        return new Op.Append(id, key);
    }

    /** A delivery to settle: mostly a recent one as delivered, sometimes off by one, or unknown. */
    private Grant pick() {
        int dice = random.nextInt(100);
        if (recent.isEmpty() || dice < 4) {
            return new Grant(dice < 2 ? new EntryId(7, random.nextInt(5)) : anyId(), null, 1 + random.nextInt(3), 0);
        }
        Grant g = recent.get(recent.size() - 1 - random.nextInt(Math.min(recent.size(), 8)));
        int attempt = g.attempt();
        if (dice < 12) {
            attempt++;
        } else if (dice < 20 && attempt > 1) {
            attempt--;
        }
        return new Grant(g.entry(), g.key(), attempt, g.visibleUntil());
    }

    /** An id likely to be still there: recently nacked, delivered or appended. */
    private EntryId recentId() {
        if (lastNacked != null && random.nextInt(3) == 0) {
            return lastNacked;
        }
        if (!recent.isEmpty() && random.nextBoolean()) {
            return recent.get(recent.size() - 1 - random.nextInt(Math.min(recent.size(), 12))).entry();
        }
        return appended.isEmpty() ? new EntryId(1, 1)
                : appended.get(appended.size() - 1 - random.nextInt(Math.min(appended.size(), 20)));
    }

    private EntryId anyId() {
        return appended.isEmpty() ? new EntryId(1, 1) : appended.get(random.nextInt(appended.size()));
    }

    private void moveTime() {
        int dice = random.nextInt(100);
        if (dice < 55) {
            return;
        } else if (dice < 88) {
            now += 1 + random.nextInt(10);
        } else if (dice < 96) {
            now += 20 + random.nextInt(40);
        } else {
            now = Math.max(0, now - 1 - random.nextInt(30));
            backwards++;
        }
    }
}
