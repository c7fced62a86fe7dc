package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import at.favre.lib.crypto.bcrypt.BCrypt;

class UserDirectoryTest {

    private static String aliceHash;
    private static String bobHash;

    @BeforeAll
    static void hashes() {
        // Cost 4, the least bcrypt allows: the test checks the logic, not the cost.
        aliceHash = BCrypt.withDefaults().hashToString(4, "alice-pw".toCharArray());
        bobHash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(4, "bob-pw".toCharArray());
    }

    @Test
    void signsInWithTheRightPasswordOnly() {
        UserDirectory.Parsed parsed = UserDirectory.parse(new String[] {"alice:admin:" + aliceHash, "bob:viewer:" + bobHash});

        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.directory().authenticate("alice", "alice-pw".toCharArray()))
                .contains(new ConsoleUser("alice", ConsoleRole.ADMIN));
        assertThat(parsed.directory().authenticate("bob", "bob-pw".toCharArray()))
                .contains(new ConsoleUser("bob", ConsoleRole.VIEWER));
        assertThat(parsed.directory().authenticate("alice", "bob-pw".toCharArray())).isEmpty();
        assertThat(parsed.directory().authenticate("carol", "alice-pw".toCharArray())).isEmpty();
        assertThat(parsed.directory().authenticate(null, null)).isEmpty();
    }

    @Test
    void readsSeveralEntriesFromOneCfgValue() {
        UserDirectory.Parsed parsed = UserDirectory.parse(new String[] {"alice:admin:" + aliceHash + ", bob:viewer:" + bobHash});

        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.directory().size()).isEqualTo(2);
    }

    @Test
    void refusesMalformedEntriesWithTheirReasonAndWithoutTheHash() {
        UserDirectory.Parsed parsed = UserDirectory.parse(new String[] {
            "alice:root:" + aliceHash, "bob:viewer:plaintext", "no-colons", "alice:viewer:" + aliceHash,
            "alice:admin:" + aliceHash, "", "  "});

        assertThat(parsed.directory().size()).isEqualTo(1);
        assertThat(parsed.problems()).hasSize(4);
        assertThat(parsed.problems().get(0)).contains("unknown console role 'root'");
        assertThat(parsed.problems().get(1)).contains("not a bcrypt hash").doesNotContain("plaintext");
        assertThat(parsed.problems().get(2)).contains("entry 3 is not name:role:bcrypt-hash");
        assertThat(parsed.problems().get(3)).contains("configured twice");
        assertThat(parsed.problems()).noneMatch(p -> p.contains(aliceHash));
    }

    @Test
    void noUsersWhenNothingIsConfigured() {
        assertThat(UserDirectory.parse(new String[] {""}).directory().size()).isZero();
        assertThat(UserDirectory.parse(null).directory().authenticate("admin", "admin".toCharArray())).isEmpty();
    }
}
