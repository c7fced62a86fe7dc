package io.dsync.lock.server.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The lock node's Raft member (PID {@code io.dsync.lock.server}; optional). */
@ObjectClassDefinition(name = "dsync lock server")
public @interface LockServerConfig {

    @AttributeDefinition(description = "How many lock nodes form the Raft group when it is first created. Each lock "
            + "node waits until that many are registered, then the group is the first ones by node id.")
    int initialMembers() default 3;

    @AttributeDefinition(description = "How many Raft groups share the lock space (1 to 64), each hosted by every lock "
            + "node with its own leader; a lock's group is a hash of its name. Used when the cluster is formed: the "
            + "count is kept in the data folder, and a joining node takes the running cluster's.")
    int groups() default 1;

    @AttributeDefinition(description = "Minimum election timeout in milliseconds.")
    long electionTimeoutMinMillis() default 200;

    @AttributeDefinition(description = "Maximum election timeout in milliseconds.")
    long electionTimeoutMaxMillis() default 400;
}
