package io.dsync.console.internal;

/**
 * The node's admin token, read from PID {@code io.dsync.admin} (file {@code etc/io.dsync.admin.cfg}), which the console
 * presents to the other nodes' admin APIs: every node of a cluster shares it. Not part of the console's own metatype.
 */
@interface AdminTokenConfig {

    /** The PID the token comes from. */
    String PID = "io.dsync.admin";

    String token() default "";
}
