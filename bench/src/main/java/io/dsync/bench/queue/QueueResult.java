package io.dsync.bench.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.dsync.bench.queue.LatencySamples.Summary;

/**
 * One workload on one system: throughput and latencies in the measurement window, what it cost in CPU and Redis
 * calls, and the checks after the run.
 *
 * @param system the system's name
 * @param batch messages per send call
 * @param seconds the measured seconds
 * @param produced messages whose send returned inside the window
 * @param acked acknowledgements that returned inside the window
 * @param send latency of send calls that started inside the window (a whole batch for {@code sendAll})
 * @param endToEnd from the start of a message's send to its delivery to a consumer, for deliveries inside the window
 * @param deliveries deliveries in the whole run, redeliveries included
 * @param redeliveries deliveries of messages delivered before
 * @param polls answered polls (or stream reads) that brought messages, in the whole run
 * @param sendErrors send calls that failed (their messages are not expected)
 * @param consumeErrors polls and acks that failed
 * @param undelivered messages sent successfully and never delivered when the run gave up waiting
 * @param stalled whether delivery stopped making progress while messages were missing (else it ran out of time)
 * @param unsettled messages the system still held unacknowledged at the end
 * @param cores cores kept busy during the window, by process group
 * @param redisCalls Redis commands run during the window, most frequent first
 */
public record QueueResult(String system, int batch, double seconds, long produced, long acked, Summary send,
                          Summary endToEnd, long deliveries, long redeliveries, long polls, long sendErrors,
                          long consumeErrors, long undelivered, boolean stalled, long unsettled,
                          Map<String, Double> cores, Map<String, Long> redisCalls) {

    public double producedRate() {
        return seconds == 0 ? 0 : produced / seconds;
    }

    public double ackedRate() {
        return seconds == 0 ? 0 : acked / seconds;
    }

    /** Everything sent was delivered and acknowledged, without errors. */
    public boolean clean() {
        return undelivered == 0 && unsettled == 0 && sendErrors == 0 && consumeErrors == 0;
    }

    /** "ok", or what went wrong. */
    public String check() {
        List<String> problems = new ArrayList<>();
        if (undelivered > 0) {
            problems.add(stalled ? undelivered + " LOST (never delivered)" : undelivered + " not delivered in time");
        }
        if (unsettled > 0) {
            problems.add(unsettled + " unacknowledged at the end");
        }
        if (sendErrors > 0) {
            problems.add(sendErrors + " send errors");
        }
        if (consumeErrors > 0) {
            problems.add(consumeErrors + " poll/ack errors");
        }
        return problems.isEmpty() ? "ok" : String.join(", ", problems);
    }

    /** Mean deliveries per answered poll. */
    public double deliveriesPerPoll() {
        return polls == 0 ? 0 : (double) deliveries / polls;
    }

    /** CPU microseconds (all groups) per acknowledged message. */
    public double cpuMicrosPerMessage() {
        double cores = this.cores.values().stream().mapToDouble(Double::doubleValue).sum();
        return acked == 0 ? 0 : cores * seconds * 1e6 / acked;
    }
}
