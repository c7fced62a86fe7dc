package io.dsync.queue.node.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "dsync queue node", description = "Partition ownership on a queue node.")
@interface QueueNodeConfig {

    @AttributeDefinition(description = "How long a queue node that left the registry stays in the ring, in ms. The "
            + "registry already forgets a node a few heartbeats after its last one; a grace period on top keeps the "
            + "partitions of a node that restarts quickly where they are, at the cost of a later takeover.")
    long graceMillis() default 0;

    @AttributeDefinition(description = "How often the node reads the registry and the queue catalog to claim or give "
            + "up partitions, in ms.")
    long passMillis() default 250;
}
