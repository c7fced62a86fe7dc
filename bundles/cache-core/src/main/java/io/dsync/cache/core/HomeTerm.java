package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What a home knows of its placement: the current home epoch, which keys it homes, until when it may
 * grant, and which newly homed keys are still quarantined. Mutable; owned by one {@link HomeDirectory}.
 */
final class HomeTerm {

    /** Keys newly homed under an epoch, quarantined until a time. */
    private record Quarantine(Predicate<String> keys, long until) {
    }

    private long epoch;
    private long authorityUntil = Long.MIN_VALUE;
    private Predicate<String> homes = key -> false;
    private final List<Quarantine> quarantines = new ArrayList<>();

    /** Takes up an epoch; {@code quarantineUntil} is {@code Long.MIN_VALUE} to quarantine nothing. */
    void assume(long newEpoch, long newAuthorityUntil, Predicate<String> newHomes, Predicate<String> newlyHomed,
            long quarantineUntil) {
        epoch = newEpoch;
        authorityUntil = newAuthorityUntil;
        homes = newHomes;
        if (quarantineUntil != Long.MIN_VALUE) {
            quarantines.add(new Quarantine(newlyHomed, quarantineUntil));
        }
    }

    /**
     * Extends the authority if {@code ofEpoch} is the current epoch.
     *
     * @return whether it did
     */
    boolean extend(long ofEpoch, long until) {
        if (ofEpoch != epoch) {
            return false;
        }
        authorityUntil = Math.max(authorityUntil, until);
        return true;
    }

    long epoch() {
        return epoch;
    }

    boolean homes(String key) {
        return homes.test(key);
    }

    boolean authority(long now) {
        return now < authorityUntil;
    }

    boolean quarantined(String key, long now) {
        for (Quarantine q : quarantines) {
            if (now < q.until() && q.keys().test(key)) {
                return true;
            }
        }
        return false;
    }

    /** @return when the last quarantine of the key that is on at {@code now} ends, {@code Long.MIN_VALUE} if none */
    long quarantineEnd(String key, long now) {
        long end = Long.MIN_VALUE;
        for (Quarantine q : quarantines) {
            if (now < q.until() && q.keys().test(key)) {
                end = Math.max(end, q.until());
            }
        }
        return end;
    }

    /** Forgets the quarantines that have ended. */
    void prune(long now) {
        quarantines.removeIf(q -> q.until() <= now);
    }
}
