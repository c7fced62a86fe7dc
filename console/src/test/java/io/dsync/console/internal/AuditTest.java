package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuditTest {

    @Test
    void aLineBreakInANameCannotForgeAnAuditLine() {
        assertThat(Audit.printable("x'\n2026-12-04 INFO Console: 'root' (admin) signed in"))
                .doesNotContain("\n").startsWith("x'?2026-12-04");
        assertThat(Audit.printable("a\r\tb\u0000")).isEqualTo("a??b?");
    }

    @Test
    void longTextIsCutAndNothingIsEmpty() {
        assertThat(Audit.printable("y".repeat(500))).hasSize(Audit.MAX + 3).endsWith("...");
        assertThat(Audit.printable(null)).isEmpty();
        assertThat(Audit.who(null)).isEqualTo("(nobody signed in)");
    }
}
