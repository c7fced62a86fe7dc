/**
 * Operation histories of concurrent clients, the raw material of the checkers in {@code io.dsync.testkit.check}.
 * <p>
 * Clients record each operation as an {@link io.dsync.testkit.history.EventType#INVOKE invocation} and one
 * completion ({@code ok}, {@code fail}, {@code info}) through a thread-safe
 * {@link io.dsync.testkit.history.HistoryRecorder}, timestamped by a fakeable
 * {@link io.dsync.testkit.history.NanoClock}. A {@link io.dsync.testkit.history.History} is an immutable, validated
 * snapshot with helpers (calls, per-key sub-histories) and a one-line-per-event text form that round-trips through
 * {@link io.dsync.testkit.history.History#parse(CharSequence)}, so failure reports can be replayed as test input.
 * <p>
 * The model follows Jepsen's: {@code fail} means the operation definitely did not happen, {@code info} (or no
 * completion at all) means it may have happened at any time after its invocation. Real-time order is derived only
 * from timestamps, strictly: equal timestamps are concurrent.
 */
package io.dsync.testkit.history;
