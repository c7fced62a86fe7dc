package io.dsync.testkit.check;

import io.dsync.testkit.history.History;
import io.dsync.testkit.history.HistoryRecorder;
import io.dsync.testkit.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulates clients of real atomic registers under random interleavings, producing histories that are linearizable
 * by construction: each operation takes effect atomically at one step between its invocation and its completion.
 * Some operations time out ({@code info}): their effect happens before the timeout, never, or at a random step long
 * after it. Every written value is unique, so tests can mutate the history into a provably invalid one.
 * Deterministic for a seed; single-threaded.
 */
final class RegisterSimulation {

    private final Random random;
    private final AtomicLong clock = new AtomicLong();
    private final HistoryRecorder recorder = new HistoryRecorder(clock::incrementAndGet);
    private final Map<String, String> registers = new HashMap<>();
    private final List<Runnable> lateEffects = new ArrayList<>();
    private int nextValue;

    private RegisterSimulation(long seed) {
        this.random = new Random(seed);
    }

    /** One client with at most one operation in flight. */
    private final class Client {
        final String name;
        int remaining;
        HistoryRecorder.Pending pending;
        Operation operation;
        boolean applied;
        boolean timesOut;
        String result;
        boolean swapped;

        Client(String name, int operations) {
            this.name = name;
            this.remaining = operations;
        }

        void step(List<String> keys) {
            if (pending == null) {
                invoke(keys.get(random.nextInt(keys.size())));
            } else if (!applied) {
                applied = true;
                timesOut = random.nextInt(12) == 0;
                int fate = timesOut ? random.nextInt(3) : 0;
                if (fate == 0) {
                    apply();
                } else if (fate == 2) {
                    Operation late = operation;
                    lateEffects.add(() -> effect(late));
                }
            } else {
                complete();
            }
        }

        private void invoke(String key) {
            int kind = random.nextInt(10);
            if (kind < 4) {
                operation = RegisterOps.read(key);
            } else if (kind < 7) {
                operation = RegisterOps.write(key, "v" + nextValue++);
            } else {
                String current = registers.get(key);
                String expected = random.nextBoolean() ? current : "v" + random.nextInt(nextValue + 1);
                operation = RegisterOps.cas(key, expected, "v" + nextValue++);
            }
            pending = recorder.invoke(name, operation);
            applied = false;
            remaining--;
        }

        private void apply() {
            result = registers.get(operation.key());
            swapped = effect(operation);
        }

        private void complete() {
            if (timesOut) {
                pending.info("timeout");
            } else if (operation.type().equals(RegisterOps.READ)) {
                pending.ok(result);
            } else if (operation.type().equals(RegisterOps.CAS) && !swapped) {
                pending.fail("mismatch");
            } else {
                pending.ok();
            }
            pending = null;
        }
    }

    private boolean effect(Operation operation) {
        String key = operation.key();
        switch (operation.type()) {
            case RegisterOps.WRITE -> registers.put(key, operation.arg(0));
            case RegisterOps.CAS -> {
                if (!Objects.equals(registers.get(key), operation.arg(0))) {
                    return false;
                }
                registers.put(key, operation.arg(1));
            }
            default -> {
                // reads have no effect
            }
        }
        return true;
    }

    /**
     * Runs a simulation.
     *
     * @param seed the random seed
     * @param clients the number of concurrent clients
     * @param keys the number of keys
     * @param operationsPerClient how many operations each client performs
     * @return the history
     */
    static History run(long seed, int clients, int keys, int operationsPerClient) {
        return new RegisterSimulation(seed).simulate(clients, keys, operationsPerClient);
    }

    private History simulate(int clientCount, int keyCount, int operationsPerClient) {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < keyCount; k++) {
            keys.add("k" + k);
        }
        List<Client> clients = new ArrayList<>();
        for (int c = 0; c < clientCount; c++) {
            clients.add(new Client("c" + c, operationsPerClient));
        }
        List<Client> active = new ArrayList<>(clients);
        while (!active.isEmpty()) {
            if (!lateEffects.isEmpty() && random.nextInt(20) == 0) {
                lateEffects.remove(random.nextInt(lateEffects.size())).run();
            }
            Client client = active.get(random.nextInt(active.size()));
            client.step(keys);
            if (client.pending == null && client.remaining == 0) {
                active.remove(client);
            }
        }
        lateEffects.forEach(Runnable::run);
        return recorder.history();
    }
}
