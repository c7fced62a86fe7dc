package io.dsync.cache.core;

/**
 * The durations of the protocol, in nanoseconds of the nodes' monotonic clocks. All nodes and homes of
 * a cache must use equal timings.
 * <p>
 * <strong>The lease rule.</strong> A home grants every right for {@code lease}. The holder counts its
 * lease from the moment it <em>sent</em> the request (or renewal) and ends it {@code margin} early:
 * valid while {@code now < sentAt + lease - margin}. The home counts from the moment it granted and
 * ends it {@code margin} late: {@code grantedAt + lease + margin}. A new home waits
 * {@code lease + margin} before it grants anything for keys it newly homes. With clocks whose rates
 * differ from real time by at most a fraction {@code rho}, the holder's lease ends before the home's
 * whenever {@code margin >= rho * lease} (see {@code docs/cache.md}), so the margin must be chosen
 * from the drift bound the deployment guarantees.
 *
 * @param lease the lease granted with every right, positive
 * @param margin the clock-drift margin, positive and less than half the lease
 * @param retry the interval after which unanswered requests and revocations are sent again, positive
 * @param renewAhead a holder renews a lease it used once less than this is left of it; positive and
 *     less than {@code lease - margin}
 * @param operationTimeout operations that have not completed after this long fail with
 *     {@link io.dsync.cache.CacheUnavailableException}, positive
 * @param keepIdle a holder also renews the leases of copies used within this long, though not since their last
 *     grant or renewal; 0 or more (0: only those). Renewing costs a lease reference in a message that goes anyway;
 *     a lapsed copy that is read again costs a miss. A node's own choice: it need not be equal on all nodes.
 */
public record Timing(long lease, long margin, long retry, long renewAhead, long operationTimeout, long keepIdle) {

    /**
     * Validates the timing.
     *
     * @param lease the lease
     * @param margin the drift margin
     * @param retry the retransmission interval
     * @param renewAhead when a used lease is renewed
     * @param operationTimeout the operation timeout
     * @param keepIdle how long unused copies keep being renewed
     * @throws IllegalArgumentException if a duration is out of range
     */
    public Timing {
        if (lease <= 0 || margin <= 0 || retry <= 0 || renewAhead <= 0 || operationTimeout <= 0) {
            throw new IllegalArgumentException("durations must be positive: " + lease + ", " + margin + ", " + retry
                    + ", " + renewAhead + ", " + operationTimeout);
        }
        if (keepIdle < 0) {
            throw new IllegalArgumentException("keepIdle " + keepIdle + " must not be negative");
        }
        if (margin * 2 >= lease) {
            throw new IllegalArgumentException("margin " + margin + " must be less than half the lease " + lease);
        }
        if (renewAhead >= lease - margin) {
            throw new IllegalArgumentException("renewAhead " + renewAhead + " must be less than lease - margin "
                    + (lease - margin));
        }
    }

    /**
     * A timing that renews only the leases of copies used since their last grant or renewal ({@code keepIdle} 0).
     *
     * @param lease the lease
     * @param margin the drift margin
     * @param retry the retransmission interval
     * @param renewAhead when a used lease is renewed
     * @param operationTimeout the operation timeout
     */
    public Timing(long lease, long margin, long retry, long renewAhead, long operationTimeout) {
        this(lease, margin, retry, renewAhead, operationTimeout, 0);
    }

    /**
     * Returns the defaults for a cluster on one network: a 5 s lease, a 50 ms margin (a drift bound of
     * 1%), retries every 200 ms, renewal in the last 2.5 s, a 10 s operation timeout.
     *
     * @return the default timing
     */
    public static Timing defaults() {
        return new Timing(5_000_000_000L, 50_000_000L, 200_000_000L, 2_500_000_000L, 10_000_000_000L);
    }

    /**
     * Returns when a holder's lease ends.
     *
     * @param sentAt the holder's time when it sent the request or renewal that was answered
     * @return the holder's end of the lease
     */
    public long holderExpiry(long sentAt) {
        return sentAt + lease - margin;
    }

    /**
     * Returns when the home considers a lease over.
     *
     * @param grantedAt the home's time when it granted or renewed
     * @return the home's end of the lease
     */
    public long homeExpiry(long grantedAt) {
        return grantedAt + lease + margin;
    }

    /**
     * Returns how long a new home waits before it grants rights on keys it newly homes.
     *
     * @return {@code lease + margin}
     */
    public long quarantine() {
        return lease + margin;
    }
}
