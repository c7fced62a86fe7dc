package io.dsync.console.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;

/**
 * The node's admin token (PID {@code io.dsync.admin}) for the console, as a component of its own whose changes apply
 * in place: editing {@code etc/io.dsync.admin.cfg} changes the token of the console's next call to a node, and does not
 * restart the console (which would sign every user out), as it did while the console's component read both PIDs.
 */
@Component(service = AdminTokenComponent.class, configurationPid = AdminTokenConfig.PID)
public final class AdminTokenComponent {

    private volatile String token;

    @Activate
    public AdminTokenComponent(AdminTokenConfig config) {
        token = config.token();
    }

    @Modified
    void modified(AdminTokenConfig config) {
        token = config.token();
    }

    /** @return the token now, blank for none */
    String token() {
        return token;
    }
}
