package io.dsync.cache.client.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "dsync cache", description = "Main memory of the coherent cache (shared by the cache "
        + "client of every node and the homes of cache nodes).")
@interface CacheClientConfig {

    @AttributeDefinition(description = "How many Redis replicas must have every write and fenced read of main memory "
            + "before it completes (Redis WAIT). 0 when Redis has no replica; 1 with Sentinel, so that a failover "
            + "loses no acknowledged write-through and no fence.")
    int replicaAcks() default 0;

    @AttributeDefinition(description = "How long main memory waits for those replicas, in ms; a write not replicated "
            + "in time has an unknown outcome (the protocol retries it while the lease lasts).")
    long replicaTimeoutMillis() default 1000;

    @AttributeDefinition(description = "Write-through caches answer a read of a key this node missed rarely lately "
            + "(fewer than two misses) from main memory, without keeping a copy: a key read once costs one Redis read "
            + "instead of a request, a grant and a release, and does not push a copy in use out. Linearizable (main "
            + "memory holds every completed write of a write-through cache). Off when replicaAcks > 0.")
    boolean coldReads() default true;
}
