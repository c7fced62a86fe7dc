/**
 * Checkers that judge a {@link io.dsync.testkit.history.History} against the guarantees of dsync, each returning a
 * {@link io.dsync.testkit.check.CheckResult} with a verdict, a report of the earliest violation and counters.
 * <ul>
 *   <li>{@link io.dsync.testkit.check.MutualExclusionChecker}: locks never held by two exclusive holders (or a
 *       shared and an exclusive one) at once, fencing tokens increasing in grant order, and no stale token
 *       accepted by a {@link io.dsync.testkit.check.FencedResource}.</li>
 *   <li>{@link io.dsync.testkit.check.QueueChecker}: no lost or invented messages, duplicates reported, optional
 *       per-key order.</li>
 *   <li>{@link io.dsync.testkit.check.LinearizabilityChecker}: per-key registers are linearizable (WGL search with
 *       memoization and a budget).</li>
 * </ul>
 * The operations each checker understands are defined by {@link io.dsync.testkit.check.LockOps},
 * {@link io.dsync.testkit.check.QueueOps} and {@link io.dsync.testkit.check.RegisterOps}; clients record them with
 * a {@link io.dsync.testkit.history.HistoryRecorder}. Checkers are conservative: an operation with unknown outcome
 * or a tie in time never makes a history invalid.
 */
package io.dsync.testkit.check;
