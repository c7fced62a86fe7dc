package io.dsync.admin.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Admin API settings (PID {@code io.dsync.admin}, file {@code etc/io.dsync.admin.cfg}). The same PID carries the
 * node's admin {@code token}, which the HTTP toolkit's {@code AdminAccess} reads, not this bundle.
 */
@ObjectClassDefinition(name = "dsync admin API")
public @interface AdminConfig {

    @AttributeDefinition(description = "Largest bundle upload accepted, in MiB.")
    int maxUploadMiB() default 64;
}
