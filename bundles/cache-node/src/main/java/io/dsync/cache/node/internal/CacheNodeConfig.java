package io.dsync.cache.node.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "dsync cache", description = "Main memory of the coherent cache (shared by the cache "
        + "client of every node and the homes of cache nodes).")
@interface CacheNodeConfig {

    @AttributeDefinition(description = "How many Redis replicas must have every write and fenced read of main memory "
            + "before it completes (Redis WAIT). 0 when Redis has no replica; 1 with Sentinel, so that a failover "
            + "loses no acknowledged write-through and no fence.")
    int replicaAcks() default 0;

    @AttributeDefinition(description = "How long main memory waits for those replicas, in ms; a write not replicated "
            + "in time has an unknown outcome (the protocol retries it while the lease lasts).")
    long replicaTimeoutMillis() default 1000;

    @AttributeDefinition(description = "Per cache, how many bytes a home keeps for the values of keys nobody holds "
            + "(values, keys and about 100 bytes per key; least recently used out first), so that their next miss "
            + "needs no Redis read. 0 keeps none.")
    long homeRetainBytes() default 16L * 1024 * 1024;
}
