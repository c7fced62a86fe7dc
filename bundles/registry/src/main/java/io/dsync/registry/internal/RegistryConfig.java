package io.dsync.registry.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Heartbeat settings (PID {@code io.dsync.registry}; optional). */
@ObjectClassDefinition(name = "dsync node registry")
public @interface RegistryConfig {

    @AttributeDefinition(description = "Milliseconds between two heartbeats.")
    long heartbeatMillis() default 1000;

    @AttributeDefinition(description = "Heartbeats a node may miss before others stop listing it. A node "
            + "whose process died (its Redis connections closed) leaves after one missed heartbeat.")
    int missedHeartbeats() default 4;
}
