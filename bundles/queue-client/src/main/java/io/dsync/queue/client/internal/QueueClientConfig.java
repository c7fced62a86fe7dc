package io.dsync.queue.client.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "dsync queue client", description = "The QueueService of every node.")
@interface QueueClientConfig {

    @AttributeDefinition(description = "Partitions of a queue declared from this node (an existing queue keeps its "
            + "own). More partitions spread a queue over more queue nodes and deliver more in parallel; each is one "
            + "Redis stream.")
    int partitions() default 8;

    @AttributeDefinition(description = "How long a blocking call waits (retrying across owner changes) before it "
            + "fails with QueueUnavailableException, in ms.")
    long operationTimeoutMillis() default 10_000;
}
