package io.dsync.http.internal;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

import io.dsync.http.AdminAccess;

/**
 * Registers the node's {@link AdminAccess} ({@link TokenAdminAccess}) for the configuration of PID
 * {@code io.dsync.admin}, and hands it a changed configuration without deactivating (so nothing that uses it restarts).
 *
 * <p>The service is registered by hand, with no properties: as a DS service, the component's configuration, the token
 * included, would be published as properties of the service, for any bundle, or a console listing services, to read.
 */
@Component(service = {}, immediate = true, configurationPid = AdminAccessConfig.PID)
@Designate(ocd = AdminAccessConfig.class)
public final class AdminAccessComponent {

    private final TokenAdminAccess access;

    private final ServiceRegistration<AdminAccess> registration;

    @Activate
    public AdminAccessComponent(BundleContext context, AdminAccessConfig config) {
        this.access = new TokenAdminAccess(config);
        this.registration = context.registerService(AdminAccess.class, access, null);
    }

    @Modified
    void modified(AdminAccessConfig config) {
        access.update(config);
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }
}
