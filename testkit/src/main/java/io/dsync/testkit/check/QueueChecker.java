package io.dsync.testkit.check;

import static io.dsync.testkit.check.ViolationLog.concat;
import static io.dsync.testkit.check.ViolationLog.countBefore;

import io.dsync.testkit.history.Call;
import io.dsync.testkit.history.History;
import io.dsync.testkit.history.MalformedHistoryException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks at-least-once delivery for one queue (see {@link QueueOps} for the operations).
 *
 * <h2>Violations</h2>
 * <ol>
 *   <li>{@code lost}: a send completed {@code ok}, but no {@code ok} delivery contains the message.</li>
 *   <li>{@code invented}: a delivered message was never sent, or its delivery completed before its send was
 *       invoked.</li>
 *   <li>{@code deliveredAfterFailedSend}: a send completed {@code fail} (definitely not enqueued), yet the message
 *       was delivered.</li>
 *   <li>{@code keyOrder} (only {@link #withPerKeyOrder() with per-key order}): for two messages A and B with the
 *       same ordering key, the send of A completed {@code ok} strictly before the send of B was invoked, yet the
 *       first delivery of B completed strictly before the first delivery of A was invoked. Sends that overlap in
 *       time impose no order.</li>
 * </ol>
 * Duplicates (a message in more than one delivery) are allowed under at-least-once; they are counted and listed in
 * the description, also of a valid result. Sends with unknown outcome may or may not be delivered. The report
 * describes the earliest violation (a loss dates from its send's completion).
 * <p>
 * Immutable and thread-safe.
 */
public final class QueueChecker implements Checker {

    private static final int LISTED_DUPLICATES = 5;

    private final boolean perKeyOrder;

    private QueueChecker(boolean perKeyOrder) {
        this.perKeyOrder = perKeyOrder;
    }

    /** @return a checker for lost, invented and duplicate messages, without order check */
    public static QueueChecker atLeastOnce() {
        return new QueueChecker(false);
    }

    /** @return a checker that additionally checks the delivery order per ordering key */
    public QueueChecker withPerKeyOrder() {
        return new QueueChecker(true);
    }

    /** One message in one {@code ok} delivery. */
    private record Delivery(String messageId, Call call) {
    }

    @Override
    public CheckResult check(History history) {
        Map<String, Call> sends = new LinkedHashMap<>();
        Map<String, List<Delivery>> deliveries = new LinkedHashMap<>();
        Map<String, Long> counters = new LinkedHashMap<>();
        long[] sendOutcomes = new long[3];
        long delivered = 0;
        long acks = 0;
        for (Call call : history.calls()) {
            switch (call.type()) {
                case QueueOps.SEND -> {
                    String id = call.operation().arg(0);
                    if (id == null) {
                        throw new MalformedHistoryException("send without message id: " + call.invoke());
                    }
                    Call previous = sends.putIfAbsent(id, call);
                    if (previous != null) {
                        throw new MalformedHistoryException("message id " + id + " sent twice: "
                                + previous.invoke() + " and " + call.invoke());
                    }
                    sendOutcomes[call.isOk() ? 0 : call.isFail() ? 1 : 2]++;
                }
                case QueueOps.DELIVER -> {
                    if (call.isOk() && call.result() != null) {
                        for (String id : call.result().split(",")) {
                            if (!id.isBlank()) {
                                deliveries.computeIfAbsent(id.strip(), k -> new ArrayList<>())
                                        .add(new Delivery(id.strip(), call));
                                delivered++;
                            }
                        }
                    }
                }
                case QueueOps.ACK -> acks += call.isOk() ? 1 : 0;
                default -> {
                    // other operations are not about this queue's delivery guarantees
                }
            }
        }
        counters.put("sendsOk", sendOutcomes[0]);
        counters.put("sendsFail", sendOutcomes[1]);
        counters.put("sendsUnknown", sendOutcomes[2]);
        counters.put("deliveries", delivered);
        counters.put("distinctDelivered", (long) deliveries.size());
        counters.put("acks", acks);

        ViolationLog violations = new ViolationLog().kind("lost").kind("invented").kind("deliveredAfterFailedSend");
        if (perKeyOrder) {
            violations.kind("keyOrder");
        }
        checkDeliveries(sends, deliveries, violations);
        checkLost(sends, deliveries, violations);
        if (perKeyOrder) {
            checkKeyOrder(sends, deliveries, violations);
        }
        String duplicates = duplicates(deliveries, counters);
        long unknownDelivered = sends.values().stream()
                .filter(send -> send.isUnknown() && deliveries.containsKey(send.operation().arg(0))).count();
        counters.put("unknownSendsDelivered", unknownDelivered);
        counters.putAll(violations.counts());
        String name = QueueChecker.class.getSimpleName();
        if (violations.isEmpty()) {
            String summary = "no lost or invented messages (sends: " + sends.size() + ", distinct messages delivered: "
                    + deliveries.size() + ")" + duplicates;
            return new CheckResult(name, CheckResult.Verdict.VALID, summary, List.of(), counters);
        }
        String also = violations.total() > 1 ? "\n(" + violations.total() + " violations in all, see counters)" : "";
        return new CheckResult(name, CheckResult.Verdict.INVALID, violations.firstDescription() + also + duplicates,
                violations.firstWitness(), counters);
    }

    private static void checkDeliveries(Map<String, Call> sends, Map<String, List<Delivery>> deliveries,
            ViolationLog violations) {
        deliveries.forEach((id, copies) -> {
            Call send = sends.get(id);
            for (Delivery delivery : copies) {
                Call receive = delivery.call();
                if (send == null) {
                    violations.add("invented", receive.completionTime(), () -> "message " + id
                            + " was delivered to " + receive.process() + " at t=" + receive.completionTime()
                            + " but never sent", receive::events);
                } else if (receive.completionTime() < send.invokeTime()) {
                    violations.add("invented", receive.completionTime(), () -> "message " + id
                            + " was delivered to " + receive.process() + " at t=" + receive.completionTime()
                            + " before its send was invoked at t=" + send.invokeTime(),
                            () -> concat(send.events(), receive.events()));
                } else if (send.isFail()) {
                    violations.add("deliveredAfterFailedSend", receive.completionTime(), () -> "message " + id
                            + " was delivered to " + receive.process() + " at t=" + receive.completionTime()
                            + " although its send by " + send.process() + " failed at t=" + send.completionTime()
                            + " (" + send.result() + ")", () -> concat(send.events(), receive.events()));
                }
            }
        });
    }

    private static void checkLost(Map<String, Call> sends, Map<String, List<Delivery>> deliveries,
            ViolationLog violations) {
        sends.forEach((id, send) -> {
            if (send.isOk() && !deliveries.containsKey(id)) {
                violations.add("lost", send.completionTime(), () -> "message " + id + " (key "
                        + ViolationLog.show(send.key()) + ") was lost: its send by " + send.process()
                        + " completed ok at t=" + send.completionTime() + " but it was never delivered",
                        send::events);
            }
        });
    }

    private static void checkKeyOrder(Map<String, Call> sends, Map<String, List<Delivery>> deliveries,
            ViolationLog violations) {
        Map<String, List<Call>> deliveredByKey = new LinkedHashMap<>();
        sends.forEach((id, send) -> {
            if (send.key() != null && deliveries.containsKey(id)) {
                deliveredByKey.computeIfAbsent(send.key(), k -> new ArrayList<>()).add(send);
            }
        });
        for (List<Call> keySends : deliveredByKey.values()) {
            // Candidates for A: ok sends, by completion; prefix maxima of "first delivery invoked at".
            List<Call> acknowledged = new ArrayList<>(keySends.stream().filter(Call::isOk).toList());
            acknowledged.sort(Comparator.comparingLong(Call::completionTime));
            long[] completions = new long[acknowledged.size()];
            Call[] latestFirstDelivery = new Call[acknowledged.size()];
            for (int i = 0; i < completions.length; i++) {
                Call send = acknowledged.get(i);
                completions[i] = send.completionTime();
                latestFirstDelivery[i] = i > 0 && firstDelivery(deliveries, latestFirstDelivery[i - 1]).invokeTime()
                        >= firstDelivery(deliveries, send).invokeTime() ? latestFirstDelivery[i - 1] : send;
            }
            for (Call later : keySends) {
                int before = countBefore(completions, later.invokeTime());
                if (before == 0) {
                    continue;
                }
                Call earlier = latestFirstDelivery[before - 1];
                Call earlierDelivery = firstDelivery(deliveries, earlier);
                Call laterDelivery = firstCompletedDelivery(deliveries, later);
                if (laterDelivery.completionTime() < earlierDelivery.invokeTime()) {
                    violations.add("keyOrder", laterDelivery.completionTime(), () -> "messages with key "
                            + ViolationLog.show(later.key()) + " delivered out of order: "
                            + earlier.operation().arg(0) + " was sent (ok at t=" + earlier.completionTime()
                            + ") before " + later.operation().arg(0) + " (invoked at t=" + later.invokeTime()
                            + "), but " + later.operation().arg(0) + " was delivered to " + laterDelivery.process()
                            + " at t=" + laterDelivery.completionTime() + " before " + earlier.operation().arg(0)
                            + " was first delivered (to " + earlierDelivery.process() + ", invoked at t="
                            + earlierDelivery.invokeTime() + ")",
                            () -> concat(concat(earlier.events(), later.events()),
                                    concat(earlierDelivery.events(), laterDelivery.events())));
                }
            }
        }
    }

    /** The delivery of a sent message that was invoked first. */
    private static Call firstDelivery(Map<String, List<Delivery>> deliveries, Call send) {
        return deliveries.get(send.operation().arg(0)).stream().map(Delivery::call)
                .min(Comparator.comparingLong(Call::invokeTime)).orElseThrow();
    }

    /** The delivery of a sent message that completed first. */
    private static Call firstCompletedDelivery(Map<String, List<Delivery>> deliveries, Call send) {
        return deliveries.get(send.operation().arg(0)).stream().map(Delivery::call)
                .min(Comparator.comparingLong(Call::completionTime)).orElseThrow();
    }

    private static String duplicates(Map<String, List<Delivery>> deliveries, Map<String, Long> counters) {
        List<String> listed = new ArrayList<>();
        long messages = 0;
        long extra = 0;
        for (Map.Entry<String, List<Delivery>> entry : deliveries.entrySet()) {
            List<Delivery> copies = entry.getValue();
            if (copies.size() < 2) {
                continue;
            }
            messages++;
            extra += copies.size() - 1;
            if (listed.size() < LISTED_DUPLICATES) {
                List<String> where = copies.stream()
                        .map(d -> d.call().process() + "@t=" + d.call().completionTime()).toList();
                listed.add(entry.getKey() + " x" + copies.size() + " (" + String.join(", ", where) + ")");
            }
        }
        counters.put("duplicatedMessages", messages);
        counters.put("duplicateDeliveries", extra);
        if (messages == 0) {
            return "";
        }
        return "\nduplicates (allowed under at-least-once): messages delivered more than once: " + messages
                + ", extra deliveries: " + extra + "; " + String.join("; ", listed)
                + (messages > listed.size() ? "; ..." : "");
    }
}
