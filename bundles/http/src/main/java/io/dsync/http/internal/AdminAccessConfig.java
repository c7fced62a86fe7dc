package io.dsync.http.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's admin token (PID {@code io.dsync.admin}, file {@code etc/io.dsync.admin.cfg}, which sets it to
 * {@code ${dsync.admin.token}}: {@code dsync node --admin-token} or {@code DSYNC_ADMIN_TOKEN}). The admin bundle reads
 * its own settings (the upload limit) from the same PID.
 */
@ObjectClassDefinition(name = "dsync admin access", description = "The token that admin operations and client writes "
        + "over HTTP must present as 'Authorization: Bearer <token>'.")
public @interface AdminAccessConfig {

    /** The PID, shared with the admin bundle's settings. */
    String PID = "io.dsync.admin";

    @AttributeDefinition(type = AttributeType.PASSWORD, description = "Token that admin operations and client writes "
            + "must present as 'Authorization: Bearer <token>'. Empty: admin operations over HTTP are disabled and "
            + "client writes are open. Leading and trailing blanks are ignored.")
    String token() default "";
}
