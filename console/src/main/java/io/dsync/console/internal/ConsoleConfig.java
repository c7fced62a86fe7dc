package io.dsync.console.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The console's settings (PID {@code io.dsync.console}, file {@code etc/io.dsync.console.cfg}). A change restarts it. */
@ObjectClassDefinition(name = "dsync console", description = "The web console of console nodes.")
public @interface ConsoleConfig {

    /** The PID. */
    String PID = "io.dsync.console";

    @AttributeDefinition(description = "Address the console's web server binds to.")
    String bind() default "127.0.0.1";

    @AttributeDefinition(description = "Port of the console's web server (the nodes' admin ports start at 8080, "
            + "the lock group's Raft ports at 9300).")
    int port() default 8880;

    @AttributeDefinition(description = "Users, one entry each: name:role:bcrypt-hash, role viewer or admin. "
            + "No entry, no login.")
    String[] users() default {};

    @AttributeDefinition(description = "Milliseconds between two polls of the cluster (registry and /health).")
    long pollMillis() default 1000;

    @AttributeDefinition(description = "Connect and read timeout of one call to a node's admin API, in milliseconds.")
    int nodeTimeoutMillis() default 1500;

    @AttributeDefinition(description = "How many locks the Locks view asks the lock table for (1 to 10000); the view "
            + "says when the table has more.")
    int maxLocks() default 2000;

    @AttributeDefinition(description = "Seconds a node that went down stays listed.")
    long forgetDownAfterSeconds() default 600;
}
