package io.dsync.bench.queue;

import java.util.BitSet;

/**
 * Which messages were sent successfully and which were delivered, by producer and sequence number, so that a run can
 * tell when everything sent has arrived and name what never did. A send that failed may or may not have stored its
 * messages; those are neither expected nor counted as lost. Thread-safe (one monitor per producer).
 */
final class DeliveryLedger {

    private final Producer[] producers;

    DeliveryLedger(int producerCount) {
        producers = new Producer[producerCount];
        for (int i = 0; i < producerCount; i++) {
            producers[i] = new Producer();
        }
    }

    /** Messages {@code first .. first+count-1} of a producer are stored (the send returned). */
    void sent(int producer, int first, int count) {
        Producer p = producers[producer];
        synchronized (p) {
            p.sent.set(first, first + count);
        }
    }

    /** A delivery arrived; false if this message had arrived before (a redelivery). */
    boolean delivered(int producer, int sequence) {
        if (producer < 0 || producer >= producers.length || sequence < 0) {
            throw new IllegalStateException("a delivery carries producer " + producer + ", sequence " + sequence
                    + ": not a message of this run");
        }
        Producer p = producers[producer];
        synchronized (p) {
            if (p.delivered.get(sequence)) {
                return false;
            }
            p.delivered.set(sequence);
            return true;
        }
    }

    /** Messages sent successfully that have not been delivered yet. */
    long undelivered() {
        long n = 0;
        for (Producer p : producers) {
            synchronized (p) {
                BitSet missing = (BitSet) p.sent.clone();
                missing.andNot(p.delivered);
                n += missing.cardinality();
            }
        }
        return n;
    }

    /** Messages sent successfully. */
    long sent() {
        long n = 0;
        for (Producer p : producers) {
            synchronized (p) {
                n += p.sent.cardinality();
            }
        }
        return n;
    }

    private static final class Producer {
        final BitSet sent = new BitSet();
        final BitSet delivered = new BitSet();
    }
}
