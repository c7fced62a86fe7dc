package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class LockActionsTest {

    private final List<String> closed = new ArrayList<>();

    @Test
    void anAdminClosesTheSession() {
        LockActions actions = new LockActions(s -> {
            closed.add(s);
            return "lock1";
        });

        LockActions.Result r = actions.forceRelease(new ConsoleUser("ann", ConsoleRole.ADMIN), "s1", "orders/1");

        assertThat(r.done()).isTrue();
        assertThat(r.message()).isEqualTo("Session s1 closed; its locks are released.");
        assertThat(closed).containsExactly("s1");
    }

    @Test
    void aViewerOrNobodyIsRefusedOnTheServerAndNothingIsClosed() {
        LockActions actions = new LockActions(s -> {
            closed.add(s);
            return "lock1";
        });

        LockActions.Result viewer = actions.forceRelease(new ConsoleUser("vic", ConsoleRole.VIEWER), "s1", "orders/1");
        LockActions.Result nobody = actions.forceRelease(null, "s1", "orders/1");

        assertThat(viewer.done()).isFalse();
        assertThat(viewer.message()).isEqualTo("Refused: force-release needs the admin role.");
        assertThat(nobody.done()).isFalse();
        assertThat(closed).isEmpty();
    }

    @Test
    void aFailureIsOneLineForTheUser() {
        LockActions actions = new LockActions(s -> {
            throw new LockAdmin.LockAdminException("HTTP 404: unknown session s1");
        });

        LockActions.Result r = actions.forceRelease(new ConsoleUser("ann", ConsoleRole.ADMIN), "s1", "orders/1");

        assertThat(r.done()).isFalse();
        assertThat(r.message()).isEqualTo("Could not close session s1: HTTP 404: unknown session s1");
    }
}
