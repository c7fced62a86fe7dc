package io.dsync.queue.core;

/** Short entry ids for tests: {@code id(n)} is {@code <1000+n>-0}, so ids order like their numbers. */
final class Ids {

    private Ids() {
    }

    static EntryId id(int n) {
        return new EntryId(1_000 + n, 0);
    }
}
