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

    @AttributeDefinition(description = "How many Redis replicas must have every write of a partition (stored messages, "
            + "deliveries, acks) before it completes (Redis WAIT). 0 when Redis has no replica; 1 with Sentinel, so "
            + "that a failover does not lose acknowledged sends.")
    int replicaAcks() default 0;

    @AttributeDefinition(description = "How long a write waits for those replicas, in ms; a write not replicated in "
            + "time fails with its outcome unknown (the client retries it with the same call id).")
    long replicaTimeoutMillis() default 1000;
}
