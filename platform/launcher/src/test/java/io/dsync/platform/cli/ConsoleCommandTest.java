package io.dsync.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import at.favre.lib.crypto.bcrypt.BCrypt;

/** {@code dsync console user}: entries the console accepts, clear refusals of what it would not. */
class ConsoleCommandTest {

    @Test
    void anEntryCarriesABcryptHashOfThePasswordAndNotThePassword() {
        String entry = ConsoleCommand.entry("alice", "admin", "s3cret pw".toCharArray());
        assertThat(entry).startsWith("alice:admin:$2a$12$").doesNotContain("s3cret");
        String hash = entry.substring("alice:admin:".length());
        assertThat(BCrypt.verifyer().verify("s3cret pw".toCharArray(), hash).verified).isTrue();
        assertThat(BCrypt.verifyer().verify("s3cret PW".toCharArray(), hash).verified).isFalse();
    }

    @Test
    void aBadRoleNameOrEmptyPasswordIsAUsageError() {
        assertThatThrownBy(() -> ConsoleCommand.entry("alice", "root", "pw".toCharArray()))
                .isInstanceOf(Dsync.CliException.class).hasMessageContaining("a console role is admin or viewer, got 'root'");
        assertThatThrownBy(() -> ConsoleCommand.entry("al ice", "viewer", "pw".toCharArray()))
                .isInstanceOf(Dsync.CliException.class).hasMessageContaining("user name");
        assertThatThrownBy(() -> ConsoleCommand.entry("alice", "viewer", new char[0]))
                .isInstanceOf(Dsync.CliException.class).hasMessageContaining("empty");
    }

    @Test
    void generatedPasswordsDiffer() {
        assertThat(new String(ConsoleCommand.randomPassword())).hasSize(20).matches("[A-Za-z2-9]+")
                .isNotEqualTo(new String(ConsoleCommand.randomPassword()));
    }

    @Test
    void userWithoutPasswordOnStandardInputIsAUsageError() {
        DsyncTest.Result r = DsyncTest.run("console", "user", "alice");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("ROLE");
    }
}
