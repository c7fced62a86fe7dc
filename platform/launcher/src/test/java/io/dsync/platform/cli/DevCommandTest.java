package io.dsync.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `dsync dev` starts fresh: its work folder is emptied, unless another `dsync dev` runs in it. */
class DevCommandTest {

    @TempDir
    Path dir;

    @Test
    void theLastRunsDataIsRemovedAndThisRunClaimsTheFolder() throws Exception {
        Path work = dir.resolve("dev");
        Files.createDirectories(work.resolve("lock-1/raft"));
        Files.writeString(work.resolve("lock-1/raft/members"), "lock-1=127.0.0.1:20001");
        Files.writeString(work.resolve("dev.pid"), "999999999"); // a run that is gone
        DevCommand.claim(work);
        // Before, the lock nodes restarted from the last run's members (at its ports) and never elected a leader.
        assertThat(work.resolve("lock-1")).doesNotExist();
        assertThat(Files.readString(work.resolve("dev.pid"))).isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }

    @Test
    void aFolderAnotherLiveDevRunsInIsRefusedAndKept() throws Exception {
        Path work = dir.resolve("dev");
        Files.createDirectories(work.resolve("queue-1"));
        Process other = new ProcessBuilder("sleep", "30").start();
        try {
            Files.writeString(work.resolve("dev.pid"), Long.toString(other.pid()));
            assertThatThrownBy(() -> DevCommand.claim(work)).isInstanceOf(Dsync.CliException.class)
                    .hasMessageContaining("another 'dsync dev' (pid " + other.pid() + ")");
            assertThat(work.resolve("queue-1")).exists();
        } finally {
            other.destroyForcibly();
        }
    }
}
