package io.dsync.ring;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The difference between two placements of the same partitions ({@link Placement#diff}): the
 * partitions whose owner lists change. Immutable and thread-safe.
 *
 * @param moves the changed partitions, in ascending partition order, each at most once
 * @param partitions the partition count of both placements, at least 1
 */
public record RebalancePlan(List<Move> moves, int partitions) {

    /**
     * One partition whose owners change.
     *
     * @param partition the partition
     * @param before its owners before, primary first
     * @param after its owners after, primary first
     */
    public record Move(int partition, List<String> before, List<String> after) {

        /**
         * Validates and copies.
         *
         * @throws IllegalArgumentException if {@code partition < 0}
         * @throws NullPointerException if a list or an element is {@code null}
         */
        public Move {
            if (partition < 0) {
                throw new IllegalArgumentException("partition must not be negative, was " + partition);
            }
            before = List.copyOf(before);
            after = List.copyOf(after);
        }

        /**
         * Whether the primary changes (including from or to no owner at all).
         *
         * @return {@code true} if the first owner differs
         */
        public boolean primaryChanged() {
            return !Objects.equals(first(before), first(after));
        }

        /**
         * The nodes that gain a copy: they must receive the partition's data.
         *
         * @return the nodes of {@code after} not in {@code before}, in {@code after}'s order
         */
        public List<String> added() {
            return minus(after, before);
        }

        /**
         * The nodes that lose their copy: they may drop the partition's data once the new owners have it.
         *
         * @return the nodes of {@code before} not in {@code after}, in {@code before}'s order
         */
        public List<String> removed() {
            return minus(before, after);
        }

        private static String first(List<String> list) {
            return list.isEmpty() ? null : list.get(0);
        }

        private static List<String> minus(List<String> a, List<String> b) {
            List<String> out = new ArrayList<>(a);
            out.removeAll(b);
            return List.copyOf(out);
        }
    }

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if {@code partitions < 1}, or the moves are not in strictly
     *         ascending partition order below {@code partitions}
     * @throws NullPointerException if {@code moves} or a move is {@code null}
     */
    public RebalancePlan {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        moves = List.copyOf(moves);
        int last = -1;
        for (Move move : moves) {
            if (move.partition() <= last || move.partition() >= partitions) {
                throw new IllegalArgumentException("moves must be in strictly ascending partition order below "
                        + partitions + ", found partition " + move.partition() + " after " + last);
            }
            last = move.partition();
        }
    }

    /**
     * How many partitions change primary.
     *
     * @return the count, from 0 to {@code partitions}
     */
    public int primaryMoves() {
        int n = 0;
        for (Move move : moves) {
            if (move.primaryChanged()) {
                n++;
            }
        }
        return n;
    }

    /**
     * The share of partitions that change primary.
     *
     * @return {@code primaryMoves() / partitions}, from 0 to 1
     */
    public double primaryMovedShare() {
        return (double) primaryMoves() / partitions;
    }

    /**
     * Whether nothing changes.
     *
     * @return {@code true} if there is no move
     */
    public boolean isEmpty() {
        return moves.isEmpty();
    }
}
