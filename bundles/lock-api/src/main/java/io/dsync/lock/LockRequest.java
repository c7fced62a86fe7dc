package io.dsync.lock;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Options of a lock acquisition: which lock, in which mode, how long to wait for it and how long the
 * grant's lease lasts.
 * <p>
 * Instances are immutable and validated on construction, so an invalid request can never reach the
 * service. Start from {@link #exclusive(String)} or {@link #shared(String)} and adjust with the
 * {@code withXxx} methods:
 * <pre>{@code
 * LockRequest request = LockRequest.exclusive("orders/42")
 *         .withWaitTimeout(Duration.ofSeconds(5))
 *         .withLease(Duration.ofSeconds(30));
 * }</pre>
 *
 * <h2 id="names">Lock names</h2>
 * A lock name is any string of 1 to {@value #MAX_NAME_BYTES} bytes in UTF-8 that contains no ISO
 * control character (U+0000 to U+001F, U+007F to U+009F) and no unpaired surrogate. Names are compared
 * by exact {@link String#equals(Object) equality}; no normalization or case folding takes place.
 * Hierarchical names such as {@code "billing/invoice/42"} are recommended but have no special
 * meaning.
 *
 * @param name the lock name, see <a href="#names">lock names</a>
 * @param mode the requested mode
 * @param waitTimeout how long {@code acquire} waits for the lock to become grantable: zero (fail
 *     immediately with {@link LockTimeoutException} if not grantable) to {@link #MAX_WAIT_TIMEOUT}.
 *     {@code tryAcquire} ignores it.
 * @param lease the lease of the grant, {@link #MIN_LEASE} to {@link #MAX_LEASE}: the lock is released
 *     automatically when it elapses unless {@linkplain LockSession#renew renewed}, even if the session
 *     is still live
 */
public record LockRequest(String name, LockMode mode, Duration waitTimeout, Duration lease) {

    /** Maximum length of a lock name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 256;

    /** Maximum wait timeout: 24 hours. Waiting longer for a distributed lock is a design error. */
    public static final Duration MAX_WAIT_TIMEOUT = Duration.ofHours(24);

    /** Minimum lease: 1 second, well above a Raft round trip, so a grant is usable at all. */
    public static final Duration MIN_LEASE = Duration.ofSeconds(1);

    /** Maximum lease: 24 hours. Longer holds must be renewed. */
    public static final Duration MAX_LEASE = Duration.ofHours(24);

    /** Wait timeout used by {@link #exclusive(String)} and {@link #shared(String)}: 10 seconds. */
    public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofSeconds(10);

    /** Lease used by {@link #exclusive(String)} and {@link #shared(String)}: 30 seconds. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    /** Number of characters of an invalid name quoted in exception messages. */
    private static final int PREVIEW_CHARS = 64;

    /**
     * Validates the request.
     *
     * @param name the lock name
     * @param mode the requested mode
     * @param waitTimeout how long {@code acquire} waits for the lock to become grantable
     * @param lease the lease of the grant, {@link #MIN_LEASE} to {@link #MAX_LEASE}
     * @throws NullPointerException if any component is {@code null}
     * @throws InvalidLockRequestException if {@code name} is not a valid lock name (see
     *     {@link #requireValidName(String)}), {@code waitTimeout} is negative or longer than
     *     {@link #MAX_WAIT_TIMEOUT}, or {@code lease} is outside {@link #MIN_LEASE} to
     *     {@link #MAX_LEASE}
     */
    public LockRequest {
        requireValidName(name);
        if (mode == null) {
            throw new NullPointerException("mode");
        }
        requireValidWaitTimeout(waitTimeout);
        requireValidLease(lease);
    }

    /**
     * Creates an exclusive request with {@link #DEFAULT_WAIT_TIMEOUT} and {@link #DEFAULT_LEASE}.
     *
     * @param name the lock name
     * @return the request
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws InvalidLockRequestException if {@code name} is not a valid lock name
     */
    public static LockRequest exclusive(String name) {
        return new LockRequest(name, LockMode.EXCLUSIVE, DEFAULT_WAIT_TIMEOUT, DEFAULT_LEASE);
    }

    /**
     * Creates a shared request with {@link #DEFAULT_WAIT_TIMEOUT} and {@link #DEFAULT_LEASE}.
     *
     * @param name the lock name
     * @return the request
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws InvalidLockRequestException if {@code name} is not a valid lock name
     */
    public static LockRequest shared(String name) {
        return new LockRequest(name, LockMode.SHARED, DEFAULT_WAIT_TIMEOUT, DEFAULT_LEASE);
    }

    /**
     * Returns a copy of this request with another mode.
     *
     * @param newMode the mode
     * @return the new request
     * @throws NullPointerException if {@code newMode} is {@code null}
     */
    public LockRequest withMode(LockMode newMode) {
        return new LockRequest(name, newMode, waitTimeout, lease);
    }

    /**
     * Returns a copy of this request with another wait timeout.
     *
     * @param newWaitTimeout the wait timeout, zero to {@link #MAX_WAIT_TIMEOUT}
     * @return the new request
     * @throws NullPointerException if {@code newWaitTimeout} is {@code null}
     * @throws InvalidLockRequestException if {@code newWaitTimeout} is out of range
     */
    public LockRequest withWaitTimeout(Duration newWaitTimeout) {
        return new LockRequest(name, mode, newWaitTimeout, lease);
    }

    /**
     * Returns a copy of this request with another lease.
     *
     * @param newLease the lease, {@link #MIN_LEASE} to {@link #MAX_LEASE}
     * @return the new request
     * @throws NullPointerException if {@code newLease} is {@code null}
     * @throws InvalidLockRequestException if {@code newLease} is out of range
     */
    public LockRequest withLease(Duration newLease) {
        return new LockRequest(name, mode, waitTimeout, newLease);
    }

    /**
     * Checks that a string is a valid lock name (see <a href="#names">lock names</a>). Every service
     * method taking a lock name applies this check eagerly.
     *
     * @param name the candidate name
     * @return {@code name}, for chaining
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws InvalidLockRequestException if {@code name} is empty, longer than
     *     {@value #MAX_NAME_BYTES} UTF-8 bytes, or contains a control character or an unpaired
     *     surrogate; the message names the offending value and the limit
     */
    public static String requireValidName(String name) {
        if (name == null) {
            throw new NullPointerException("name");
        }
        if (name.isEmpty()) {
            throw new InvalidLockRequestException("name", "lock name must not be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                throw new InvalidLockRequestException("name", String.format(
                        "lock name must not contain control characters, found U+%04X at index %d",
                        (int) c, i));
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length()
                    && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidLockRequestException("name", String.format(
                        "lock name must not contain unpaired surrogates, found U+%04X at index %d",
                        (int) c, i));
            }
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            throw new InvalidLockRequestException("name", "lock name must be at most " + MAX_NAME_BYTES
                    + " UTF-8 bytes, was " + bytes + " bytes: '" + preview(name) + "'");
        }
        return name;
    }

    /**
     * Checks that a duration is a valid wait timeout: zero to {@link #MAX_WAIT_TIMEOUT}.
     *
     * @param waitTimeout the candidate wait timeout
     * @return {@code waitTimeout}, for chaining
     * @throws NullPointerException if {@code waitTimeout} is {@code null}
     * @throws InvalidLockRequestException if {@code waitTimeout} is negative or too long
     */
    public static Duration requireValidWaitTimeout(Duration waitTimeout) {
        if (waitTimeout == null) {
            throw new NullPointerException("waitTimeout");
        }
        if (waitTimeout.isNegative()) {
            throw new InvalidLockRequestException("waitTimeout",
                    "waitTimeout must not be negative, was " + Durations.human(waitTimeout));
        }
        if (waitTimeout.compareTo(MAX_WAIT_TIMEOUT) > 0) {
            throw new InvalidLockRequestException("waitTimeout",
                    "waitTimeout must be at most " + Durations.human(MAX_WAIT_TIMEOUT) + ", was "
                            + Durations.human(waitTimeout));
        }
        return waitTimeout;
    }

    /**
     * Checks that a duration is a valid lease: {@link #MIN_LEASE} to {@link #MAX_LEASE}.
     *
     * @param lease the candidate lease
     * @return {@code lease}, for chaining
     * @throws NullPointerException if {@code lease} is {@code null}
     * @throws InvalidLockRequestException if {@code lease} is shorter than {@link #MIN_LEASE}
     *     (including zero and negative values) or longer than {@link #MAX_LEASE}
     */
    public static Duration requireValidLease(Duration lease) {
        if (lease == null) {
            throw new NullPointerException("lease");
        }
        if (lease.compareTo(MIN_LEASE) < 0) {
            throw new InvalidLockRequestException("lease",
                    "lease must be at least " + Durations.human(MIN_LEASE) + ", was " + Durations.human(lease));
        }
        if (lease.compareTo(MAX_LEASE) > 0) {
            throw new InvalidLockRequestException("lease",
                    "lease must be at most " + Durations.human(MAX_LEASE) + ", was " + Durations.human(lease));
        }
        return lease;
    }

    /**
     * Shortens a string for inclusion in an exception message.
     *
     * @param s the string
     * @return {@code s}, or its first characters followed by {@code "..."}
     */
    private static String preview(String s) {
        if (s.length() <= PREVIEW_CHARS) {
            return s;
        }
        int end = PREVIEW_CHARS;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "...";
    }
}
