package io.dsync.platform.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** `dsync lock acquire NAME -- COMMAND`: the command runs only while the lock is held. */
@Timeout(30)
class LockCommandTest {

    @Test
    void aCommandIsStoppedWhenTheLockIsLostAndDsyncExitsWithOne() throws Exception {
        LockCommand.Heartbeat heartbeat = new LockCommand.Heartbeat(null, "s-1", Duration.ofSeconds(15), null);
        // A script whose own command runs in the foreground: both must stop.
        Process p = new ProcessBuilder("sh", "-c", "sleep 30; echo not-stopped").start();
        java.util.List<ProcessHandle> children = new java.util.ArrayList<>();
        Thread loser = new Thread(() -> {
            try {
                while (children.isEmpty()) {
                    Thread.sleep(50);
                    children.addAll(p.descendants().toList());
                }
            } catch (InterruptedException e) {
                return;
            }
            heartbeat.lose();
        });
        loser.start();
        StringWriter err = new StringWriter();
        // Before, dsync waited for the command, which ran on without the lock, and exited with its status.
        assertEquals(1, LockCommand.run(p, heartbeat, new PrintWriter(err, true)));
        loser.join();
        assertFalse(p.isAlive(), "the command is stopped");
        for (ProcessHandle child : children) {
            child.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertFalse(child.isAlive(), "the command's own child is stopped");
        }
        assertTrue(err.toString().contains("the lock was lost"), err.toString());
    }

    @Test
    void aCommandThatEndsWhileTheLockIsHeldGivesItsExitStatus() throws Exception {
        LockCommand.Heartbeat heartbeat = new LockCommand.Heartbeat(null, "s-1", Duration.ofSeconds(15), null);
        Process p = new ProcessBuilder("sh", "-c", "exit 7").start();
        assertEquals(7, LockCommand.run(p, heartbeat, new PrintWriter(new StringWriter(), true)));
    }
}
