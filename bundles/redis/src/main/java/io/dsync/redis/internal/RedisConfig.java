package io.dsync.redis.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the shared Redis connection (PID {@code io.dsync.redis}, file {@code etc/io.dsync.redis.cfg}). */
@ObjectClassDefinition(name = "dsync Redis connection", description = "Where the cluster's Redis is and how to reach it.")
public @interface RedisConfig {

    /** Topologies Redisson can talk to. */
    enum Mode { SINGLE, SENTINEL, CLUSTER }

    @AttributeDefinition(description = "SINGLE (one server at 'address'), SENTINEL (master 'masterName' found through "
            + "the sentinels in 'nodes') or CLUSTER (seed nodes in 'nodes').")
    Mode mode() default Mode.SINGLE;

    @AttributeDefinition(description = "Address in SINGLE mode: redis://host:port, or rediss://host:port for TLS.")
    String address() default "redis://127.0.0.1:6379";

    @AttributeDefinition(description = "Sentinel or cluster seed addresses (redis:// or rediss://), "
            + "comma-separated, for SENTINEL and CLUSTER.")
    String[] nodes() default {};

    @AttributeDefinition(description = "Master name known to the sentinels (SENTINEL mode).")
    String masterName() default "mymaster";

    @AttributeDefinition(description = "ACL user name; empty for the default user.")
    String username() default "";

    @AttributeDefinition(description = "Password; empty for none.", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
    String password() default "";

    @AttributeDefinition(description = "Database index (SINGLE and SENTINEL modes).")
    int database() default 0;

    @AttributeDefinition(description = "Trust store (file path or URL) for rediss:// addresses; empty for the JVM default.")
    String truststore() default "";

    @AttributeDefinition(description = "Trust store password.", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
    String truststorePassword() default "";

    @AttributeDefinition(description = "TCP connect timeout in milliseconds.")
    int connectTimeoutMillis() default 2000;

    @AttributeDefinition(description = "Command response timeout in milliseconds.")
    int timeoutMillis() default 3000;

    @AttributeDefinition(description = "How often a failed command is retried before the caller sees the error.")
    int retryAttempts() default 3;

    @AttributeDefinition(description = "How long a health check waits for Redis, in milliseconds.")
    int healthTimeoutMillis() default 1000;

    @AttributeDefinition(description = "How often the connection is checked, in milliseconds: /health reports the latest check, "
            + "and each change of reachability is logged once.")
    int monitorIntervalMillis() default 1000;

    @AttributeDefinition(description = "Netty I/O threads of the client; 0 (the default): one per core, 8 at most. "
            + "More threads than cores only add thread switches to every reply (measured: docs/benchmarks.md).")
    int nettyThreads() default 0;
}
