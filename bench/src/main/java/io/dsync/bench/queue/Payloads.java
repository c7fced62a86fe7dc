package io.dsync.bench.queue;

import java.nio.ByteBuffer;

/**
 * The benchmark's message payload: the producer's {@link System#nanoTime()} when the send started (bytes 0-7; the
 * consumers run in the same JVM, so the clocks compare), the producer's number (8-11) and its sequence number (12-15)
 * for the loss check, then zeros up to the message size.
 */
public final class Payloads {

    /** Bytes the header takes; the smallest message size. */
    public static final int HEADER_BYTES = 16;

    private Payloads() {
    }

    public static byte[] create(int size, int producer, int sequence) {
        byte[] p = new byte[size];
        ByteBuffer.wrap(p).putInt(8, producer).putInt(12, sequence);
        return p;
    }

    /** Writes the send's start time into a payload made by {@link #create}. */
    public static void stamp(byte[] payload, long sendNanos) {
        ByteBuffer.wrap(payload).putLong(0, sendNanos);
    }

    public static long sendNanos(byte[] payload) {
        return ByteBuffer.wrap(payload).getLong(0);
    }

    public static int producer(byte[] payload) {
        return ByteBuffer.wrap(payload).getInt(8);
    }

    public static int sequence(byte[] payload) {
        return ByteBuffer.wrap(payload).getInt(12);
    }
}
