package io.dsync.admin.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Admin API settings (PID {@code io.dsync.admin}, file {@code etc/io.dsync.admin.cfg}). */
@ObjectClassDefinition(name = "dsync admin API")
public @interface AdminConfig {

    @AttributeDefinition(type = AttributeType.PASSWORD, description = "Token that write requests must present as "
            + "'Authorization: Bearer <token>'. Empty disables every write endpoint (reads stay open).")
    String token() default "";

    @AttributeDefinition(description = "Largest bundle upload accepted, in MiB.")
    int maxUploadMiB() default 64;
}
