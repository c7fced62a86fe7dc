package io.dsync.testkit.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.dsync.testkit.check.CheckResult;
import io.dsync.testkit.check.Checker;
import io.dsync.testkit.history.History;
import io.dsync.testkit.history.HistoryRecorder;
import io.dsync.testkit.history.NanoClock;
import io.dsync.testkit.history.Operation;

/**
 * A timed run: {@code clients} threads repeat the workload until the duration is over, while faults run at their
 * offsets on a separate thread. Each client is a process of the history ({@code c1}, {@code c2}, ...).
 *
 * <p>Not reusable: build one per run.
 */
public final class Scenario {

    /** One step of one client: records what it does through {@link Client#call}. */
    @FunctionalInterface
    public interface Workload {
        /**
         * Performs one operation (or a few). Exceptions not handled by {@link Client#call} end nothing: the
         * client counts them and goes on.
         */
        void step(Client client) throws Exception;
    }

    /** A fault or any other action at a moment of the run. */
    @FunctionalInterface
    public interface Action {
        /** Runs the action; an exception or a failed assertion is reported and the run goes on. */
        void run() throws Exception;
    }

    /** Thrown by an operation that definitely did not take effect (recorded as {@code fail}, not {@code info}). */
    public static final class DefiniteFailure extends Exception {
        private static final long serialVersionUID = 1L;

        /** @param reason why the operation did not happen */
        public DefiniteFailure(String reason) {
            super(reason);
        }
    }

    /** What a client thread sees. */
    public static final class Client {
        private final String process;
        private final HistoryRecorder recorder;
        private final Random random;
        private final Predicate<Throwable> definite;

        Client(String process, HistoryRecorder recorder, long seed, Predicate<Throwable> definite) {
            this.process = process;
            this.recorder = recorder;
            this.random = new Random(seed);
            this.definite = definite;
        }

        /** @return the client's process name in the history */
        public String process() {
            return process;
        }

        /** @return this client's random source (seeded from the scenario's seed) */
        public Random random() {
            return random;
        }

        /**
         * Records {@code operation}, runs {@code action}, and records its outcome: {@code ok} with the returned value,
         * {@code fail} for a {@link DefiniteFailure} (or an exception the scenario classifies as definite), and
         * {@code info} (unknown) for any other exception.
         *
         * @return the action's result, or {@code null} when it threw
         */
        public String call(Operation operation, Callable<String> action) throws InterruptedException {
            HistoryRecorder.Pending pending = recorder.invoke(process, operation);
            try {
                String result = action.call();
                pending.ok(result);
                return result;
            } catch (InterruptedException e) {
                pending.info("interrupted");
                throw e;
            } catch (Exception e) {
                String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
                if (e instanceof DefiniteFailure || definite.test(e)) {
                    pending.fail(reason);
                } else {
                    pending.info(reason);
                }
                return null;
            }
        }
    }

    private final Builder b;

    private Scenario(Builder b) {
        this.b = b;
    }

    /** @param name the scenario's name in reports */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Configures a scenario. */
    public static final class Builder {
        private final String name;
        private int clients = 4;
        private Duration duration = Duration.ofSeconds(10);
        private Duration pauseBetweenSteps = Duration.ZERO;
        private Duration settle = Duration.ZERO;
        private boolean shiftAfterSlowActions;
        private Workload workload;
        private final List<ScenarioReport.Fault> faults = new ArrayList<>();
        private final List<Action> actions = new ArrayList<>();
        private final List<Checker> checkers = new ArrayList<>();
        private Predicate<Throwable> definite = e -> false;
        private Set<String> recoveryTypes = Set.of();
        private long seed = 1;
        private NanoClock clock = NanoClock.system();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Number of client threads (default 4). */
        public Builder clients(int clients) {
            if (clients < 1) {
                throw new IllegalArgumentException("clients must be at least 1, got " + clients);
            }
            this.clients = clients;
            return this;
        }

        /** How long clients run (default 10 s). */
        public Builder duration(Duration duration) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive, got " + duration);
            }
            this.duration = duration;
            return this;
        }

        /**
         * How long clients go on at least after the last fault's action returned (default none): a fault that took
         * longer than planned, such as a bundle update that waits until the bundle serves again, still leaves the
         * clients this long to show that the system recovered. The run then lasts past {@link #duration} by as much
         * as needed.
         */
        public Builder settleAfterFaults(Duration settle) {
            if (settle.isNegative()) {
                throw new IllegalArgumentException("settle must not be negative, got " + settle);
            }
            this.settle = settle;
            return this;
        }

        /**
         * Makes a fault's action that takes time, such as a restart that waits until the node is back, delay the
         * faults after it by as long (default: they keep their planned times), so that each still comes its planned
         * gap after the one before, not on top of it. Use it with {@link #settleAfterFaults}, which lets the run last
         * as much longer.
         */
        public Builder shiftLaterFaultsBySlowActions() {
            this.shiftAfterSlowActions = true;
            return this;
        }

        /** A pause after each step of each client, to keep histories small enough to check (default none). */
        public Builder pauseBetweenSteps(Duration pause) {
            this.pauseBetweenSteps = pause;
            return this;
        }

        /** What each client repeats. */
        public Builder workload(Workload workload) {
            this.workload = workload;
            return this;
        }

        /** Runs {@code action} at {@code at} after the start. */
        public Builder fault(Duration at, String name, Action action) {
            if (at.isNegative() || at.compareTo(duration) > 0) {
                throw new IllegalArgumentException("fault '" + name + "' at " + at + " is outside the run of " + duration);
            }
            faults.add(new ScenarioReport.Fault(name, at.toNanos(), 0, 0, null));
            actions.add(action);
            return this;
        }

        /** Adds a checker for the history. */
        public Builder checker(Checker checker) {
            checkers.add(checker);
            return this;
        }

        /** Which exceptions mean the operation definitely did not happen (default: only {@link DefiniteFailure}). */
        public Builder definiteFailures(Predicate<Throwable> definite) {
            this.definite = definite;
            return this;
        }

        /**
         * Which operation types end a fault's recovery (default: all). Leave out operations on local models, such as
         * a fenced resource in the test's JVM, which succeed whatever the cluster does.
         */
        public Builder recoveryTypes(String... types) {
            this.recoveryTypes = Set.of(types);
            return this;
        }

        /** Seed of the clients' random sources (default 1). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The clock of the history (tests). */
        public Builder clock(NanoClock clock) {
            this.clock = clock;
            return this;
        }

        /** Runs the scenario and checks its history. */
        public ScenarioReport run() throws InterruptedException {
            if (workload == null) {
                throw new IllegalStateException("scenario '" + name + "' has no workload");
            }
            return new Scenario(this).execute();
        }
    }

    private ScenarioReport execute() throws InterruptedException {
        HistoryRecorder recorder = new HistoryRecorder(b.clock);
        long start = b.clock.nanoTime();
        long planned = start + b.duration.toNanos();
        // Until the last fault returned, the end is open when the clients must settle after it.
        AtomicLong end = new AtomicLong(b.faults.isEmpty() || b.settle.isZero() ? planned : Long.MAX_VALUE);
        ExecutorService pool = Executors.newFixedThreadPool(b.clients + 1, r -> {
            Thread t = new Thread(r, "scenario-" + b.name);
            t.setDaemon(true);
            return t;
        });
        List<ScenarioReport.Fault> done = new ArrayList<>();
        long[] stepErrors = new long[b.clients];
        try {
            for (int i = 0; i < b.clients; i++) {
                int index = i;
                Client client = new Client("c" + (i + 1), recorder, b.seed * 1_000_003L + i, b.definite);
                pool.execute(() -> {
                    while (b.clock.nanoTime() < end.get() && !Thread.currentThread().isInterrupted()) {
                        try {
                            b.workload.step(client);
                            if (!b.pauseBetweenSteps.isZero()) {
                                Thread.sleep(b.pauseBetweenSteps.toMillis());
                            }
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception | AssertionError e) {
                            stepErrors[index]++;
                        }
                    }
                });
            }
            pool.execute(() -> {
                try {
                    runFaults(start, done);
                } finally {
                    end.set(Math.max(planned, b.clock.nanoTime() + b.settle.toNanos()));
                }
            });
        } finally {
            pool.shutdown();
        }
        if (!pool.awaitTermination(b.duration.toMillis() + b.settle.toMillis() + 120_000, TimeUnit.MILLISECONDS)) {
            pool.shutdownNow();
        }
        long ran = Math.min(end.get(), b.clock.nanoTime()) - start;
        History history = recorder.history();
        List<CheckResult> results = new ArrayList<>();
        for (Checker c : b.checkers) {
            results.add(c.check(history));
        }
        long errors = 0;
        for (long e : stepErrors) {
            errors += e;
        }
        List<ScenarioReport.Fault> faults;
        synchronized (done) {
            faults = List.copyOf(done);
        }
        return new ScenarioReport(b.name, b.clients, Duration.ofNanos(ran), start, history, faults, results, errors,
                b.recoveryTypes);
    }

    private void runFaults(long start, List<ScenarioReport.Fault> done) {
        long shift = 0;
        for (int i = 0; i < b.faults.size(); i++) {
            ScenarioReport.Fault planned = b.faults.get(i);
            try {
                sleepUntil(start + planned.atNanos() + shift);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long began = b.clock.nanoTime();
            String error = null;
            try {
                b.actions.get(i).run();
            } catch (Exception | AssertionError e) {
                // A failed assertion in a fault is the fault's error, like an exception: recorded, and the later
                // faults still run.
                error = e.toString();
            }
            long took = b.clock.nanoTime() - began;
            if (b.shiftAfterSlowActions) {
                shift += took;
            }
            synchronized (done) {
                done.add(new ScenarioReport.Fault(planned.name(), began - start, began, took, error));
            }
        }
    }

    private void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - b.clock.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, 50_000_000L));
        }
    }
}
