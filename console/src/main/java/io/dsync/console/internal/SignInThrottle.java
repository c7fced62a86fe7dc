package io.dsync.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Limits failed sign-ins, per client address and per user name, so that passwords cannot be guessed at the speed of
 * bcrypt and a flood of attempts does not take the node's CPU (each attempt costs one bcrypt verification, about a
 * quarter of a second at cost 12).
 *
 * <p>Each key has a budget of {@code failures} failed attempts that refills at one per {@code window / failures}: at
 * most {@code failures} in a row, then one per refill period. An attempt with an exhausted budget is refused before
 * its password is checked. A success clears the address's and the name's record. Keys are kept for at most
 * {@code maxKeys} (the least recently failed are forgotten first), so that the table stays small under a flood of
 * made-up names.
 *
 * <p>Plain Java and thread-safe (one lock; sign-ins are rare).
 */
final class SignInThrottle {

    private final Clock clock;
    private final int failures;
    private final long refillMillis;
    private final int maxKeys;
    private final Map<String, Budget> budgets;

    /** What a key has left: failed attempts still allowed as of {@code at}. */
    private record Budget(double left, long at) {
    }

    /**
     * @param failures failed attempts allowed in a row per address and per name
     * @param window the time in which the budget refills completely
     * @param maxKeys how many addresses and names are remembered at most
     */
    SignInThrottle(Clock clock, int failures, Duration window, int maxKeys) {
        if (failures < 1 || window.toMillis() < failures || maxKeys < 2) {
            throw new IllegalArgumentException("failures >= 1, window >= failures ms, maxKeys >= 2");
        }
        this.clock = clock;
        this.failures = failures;
        this.refillMillis = window.toMillis() / failures;
        this.maxKeys = maxKeys;
        this.budgets = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** 10 failed attempts in a row, then one every 6 s, per address and per name; 10,000 keys. */
    static SignInThrottle standard(Clock clock) {
        return new SignInThrottle(clock, 10, Duration.ofMinutes(1), 10_000);
    }

    /**
     * @return zero when an attempt by {@code name} from {@code address} may be checked now, else how long until it may
     */
    synchronized Duration waitBefore(String address, String name) {
        long now = clock.millis();
        long wait = Math.max(waitFor(addressKey(address), now), waitFor(nameKey(name), now));
        return Duration.ofMillis(wait);
    }

    /** Records a failed attempt. */
    synchronized void failed(String address, String name) {
        long now = clock.millis();
        spend(addressKey(address), now);
        spend(nameKey(name), now);
    }

    /** Records a successful sign-in: the address and the name start afresh. */
    synchronized void succeeded(String address, String name) {
        budgets.remove(addressKey(address));
        budgets.remove(nameKey(name));
    }

    private long waitFor(String key, long now) {
        Budget b = budgets.get(key);
        if (b == null) {
            return 0;
        }
        double left = refilled(b, now);
        return left >= 1 ? 0 : (long) Math.ceil((1 - left) * refillMillis);
    }

    private void spend(String key, long now) {
        Budget b = budgets.get(key);
        double left = b == null ? failures : refilled(b, now);
        budgets.put(key, new Budget(Math.max(0, left - 1), now));
        if (budgets.size() > maxKeys) {
            var oldest = budgets.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    private double refilled(Budget b, long now) {
        return Math.min(failures, b.left() + (double) Math.max(0, now - b.at()) / refillMillis);
    }

    private static String addressKey(String address) {
        return "a:" + (address == null ? "" : address);
    }

    private static String nameKey(String name) {
        return "n:" + (name == null ? "" : name.toLowerCase(Locale.ROOT));
    }
}
