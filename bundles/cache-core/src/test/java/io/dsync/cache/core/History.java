package io.dsync.cache.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The single-key operations clients ran in a simulation, with their invocation and completion stamps
 * (a global counter of history events, so equal simulated times still have a real order) and results.
 * Every written value is unique: {@code p<op>} for puts, {@code c<op>|<read>} for computes, where
 * {@code <read>} names the write whose value the compute read ({@code -} for none).
 */
final class History {

    /** The operation kinds the checkers know. */
    enum Kind { GET, PUT, PUT_IF_ABSENT, REMOVE, COMPUTE }

    /** One operation. */
    static final class Rec {
        final long id;
        final String node;
        final String key;
        final Kind kind;
        final long invoked;
        /** The value this operation would write, or {@code null} (remove, get, and computes until they run). */
        byte[] written;
        long completed = Long.MAX_VALUE;
        OpResult result;
        /** The writer's grant when a write-back cache completed the write locally. */
        GrantId fence;

        Rec(long id, String node, String key, Kind kind, long invoked, byte[] written) {
            this.id = id;
            this.node = node;
            this.key = key;
            this.kind = kind;
            this.invoked = invoked;
            this.written = written;
        }

        boolean done() {
            return completed != Long.MAX_VALUE;
        }

        @Override
        public String toString() {
            return "#" + id + " " + node + " " + kind + " " + key + " [" + invoked + ","
                    + (done() ? String.valueOf(completed) : "...") + "] " + (result == null ? "pending" : result);
        }
    }

    final List<Rec> ops = new ArrayList<>();

    /** Returns the id part of a written value ({@code p12}, {@code c7}), or {@code -} for none. */
    static String tokenOf(byte[] value) {
        if (value == null) {
            return "-";
        }
        String s = new String(value, StandardCharsets.US_ASCII);
        int bar = s.indexOf('|');
        return bar < 0 ? s : s.substring(0, bar);
    }

    /** Returns the id of the write a compute's value says it read. */
    static String readTokenOf(byte[] computeValue) {
        String s = new String(computeValue, StandardCharsets.US_ASCII);
        return s.substring(s.indexOf('|') + 1);
    }
}
