package io.dsync.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

/** The archive's training reaches the HTTP path of every node command (else the archive would miss its classes). */
class CdsTrainingTest {

    @Test
    void everyNodeCommandSendsItsRequestToTheStandInNode() throws Exception {
        StringWriter printed = new StringWriter();
        int answered = CdsTraining.train(new PrintWriter(printed, true));
        assertThat(answered).as(printed.toString()).isEqualTo(CdsTraining.NODE_COMMANDS.size());
        assertThat(printed.toString()).contains("Usage: dsync").doesNotContain("cannot reach node");
    }
}
