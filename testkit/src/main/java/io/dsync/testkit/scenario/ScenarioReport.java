package io.dsync.testkit.scenario;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import io.dsync.testkit.check.CheckResult;
import io.dsync.testkit.history.Call;
import io.dsync.testkit.history.History;

/**
 * What a scenario run produced: the history, when each fault struck, how long each took to recover from, and the
 * checkers' verdicts.
 *
 * @param name the scenario
 * @param clients number of client threads
 * @param duration how long clients ran
 * @param startNanos clock reading at the start (history times are on the same clock)
 * @param history every operation recorded
 * @param faults the faults in the order they ran
 * @param results one verdict per checker
 * @param stepErrors exceptions that escaped the workload (not operations: bugs in the workload, or its assertions)
 * @param recoveryTypes the operation types that count as recovered, e.g. those that go through the system under test
 *     rather than a local model; empty means every type
 */
public record ScenarioReport(String name, int clients, Duration duration, long startNanos, History history,
                             List<Fault> faults, List<CheckResult> results, long stepErrors, Set<String> recoveryTypes) {

    public ScenarioReport {
        recoveryTypes = Set.copyOf(recoveryTypes);
    }

    /**
     * A fault as it ran.
     *
     * @param name what it was
     * @param atNanos when it started, after the scenario's start
     * @param startedNanos clock reading when it started
     * @param tookNanos how long the action itself took
     * @param error the action's exception, or {@code null}
     */
    public record Fault(String name, long atNanos, long startedNanos, long tookNanos, String error) {
    }

    /** @return whether every checker found the history valid, no fault action failed and no workload step threw */
    public boolean valid() {
        return results.stream().allMatch(CheckResult::isValid)
                && faults.stream().allMatch(f -> f.error() == null) && stepErrors == 0;
    }

    /**
     * Recovery time of a fault: from the moment it struck (its action completed: the process is dead, the link cut)
     * to the completion of the first successful operation invoked after that (of the {@link #recoveryTypes()}).
     *
     * @return the time, or empty when no operation succeeded after the fault
     */
    public OptionalLong recoveryNanos(Fault fault) {
        return recoveryNanos(fault, process -> true);
    }

    /**
     * Recovery time of a fault as some clients saw it, e.g. those behind the link that was cut.
     *
     * @param clients which processes count
     * @return the time, or empty when none of them succeeded after the fault
     */
    public OptionalLong recoveryNanos(Fault fault, java.util.function.Predicate<String> clients) {
        long struck = fault.startedNanos() + fault.tookNanos();
        return firstSuccess(fault, clients).stream().mapToLong(c -> c.completionTime() - struck).findFirst();
    }

    /**
     * The operation that ended a fault's recovery: the first to complete among the successful ones invoked after the
     * fault struck (of the {@link #recoveryTypes()}, by the given clients).
     *
     * @return that operation, or empty when none succeeded after the fault
     */
    public Optional<Call> firstSuccess(Fault fault, java.util.function.Predicate<String> clients) {
        long struck = fault.startedNanos() + fault.tookNanos();
        return history.calls().stream()
                .filter(c -> c.isOk() && c.invokeTime() >= struck && clients.test(c.process())
                        && (recoveryTypes.isEmpty() || recoveryTypes.contains(c.type())))
                .min(java.util.Comparator.comparingLong(Call::completionTime));
    }

    /** @return the fault with that name */
    public Optional<Fault> fault(String name) {
        return faults.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** @return operations that completed ok / failed / ended unknown */
    public long[] outcomes() {
        long ok = 0;
        long fail = 0;
        long unknown = 0;
        for (Call c : history.calls()) {
            if (c.isOk()) {
                ok++;
            } else if (c.isFail()) {
                fail++;
            } else {
                unknown++;
            }
        }
        return new long[] {ok, fail, unknown};
    }

    /** @return a readable report: outcome counts, each fault with its recovery time, each verdict */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        long[] o = outcomes();
        sb.append(String.format("scenario '%s': %d clients for %.1f s, %d operations (%d ok, %d failed, %d unknown), %d workload errors%n",
                name, clients, duration.toMillis() / 1000.0, o[0] + o[1] + o[2], o[0], o[1], o[2], stepErrors));
        for (Fault f : faults) {
            OptionalLong rec = recoveryNanos(f);
            Optional<Call> first = firstSuccess(f, process -> true);
            sb.append(String.format("  fault at %6.2f s  %-32s recovered in %s%s%s%n", f.atNanos() / 1e9, f.name(),
                    rec.isPresent() ? String.format("%.0f ms", rec.getAsLong() / 1e6) : "(no success after it)",
                    first.map(c -> String.format("  (action %.0f ms; first: %s #%d %s %s)", f.tookNanos() / 1e6,
                            c.process(), c.id(), c.type(), c.key())).orElse(""),
                    f.error() == null ? "" : "   ACTION FAILED: " + f.error()));
        }
        for (CheckResult r : results) {
            sb.append("  ").append(r.report().replace("\n", "\n  ")).append(System.lineSeparator());
        }
        return sb.toString();
    }
}
