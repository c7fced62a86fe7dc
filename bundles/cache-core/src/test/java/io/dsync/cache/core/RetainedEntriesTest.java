package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The homes' budget for the copies of keys nobody holds. */
class RetainedEntriesTest {

    /** An entry of a two-letter key with a copy of {@code valueBytes}: counted for 104 + valueBytes bytes. */
    private static DirectoryEntry entry(String key, int valueBytes) {
        DirectoryEntry e = new DirectoryEntry(key);
        e.memory = new Versioned(new byte[valueBytes], 1);
        return e;
    }

    @Test
    void keepsWhatFitsAndLetsTheLeastRecentlyKeptGo() {
        RetainedEntries r = new RetainedEntries(2 * 114);
        DirectoryEntry a = entry("ka", 10);
        DirectoryEntry b = entry("kb", 10);
        DirectoryEntry c = entry("kc", 10);
        assertThat(r.keep(a)).isEmpty();
        assertThat(r.keep(b)).isEmpty();
        assertThat(r.keep(a)).as("kept already: nothing changes").isEmpty();
        assertThat(r.keep(c)).containsExactly(a);
        assertThat(r.contains("ka")).isFalse();
        assertThat(r.size()).isEqualTo(2);

        r.remove(b); // asked for again: its bytes are free
        assertThat(r.keep(entry("kd", 10))).isEmpty();
        assertThat(r.size()).isEqualTo(2);
    }

    @Test
    void anEntryWithoutACopyOrLargerThanTheBudgetIsNotKept() {
        RetainedEntries r = new RetainedEntries(200);
        DirectoryEntry unknown = new DirectoryEntry("ku");
        assertThat(r.keep(unknown)).containsExactly(unknown);
        DirectoryEntry big = entry("kb", 97);
        assertThat(r.keep(big)).containsExactly(big);
        assertThat(r.keep(entry("ks", 96))).as("exactly the budget").isEmpty();
        assertThat(new RetainedEntries(0).keep(entry("kz", 0))).hasSize(1);
    }
}
