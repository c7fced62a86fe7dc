package io.dsync.console.internal;

/** A node's state as the console shows it. */
public enum NodeState {
    /** In the registry, and its {@code /health} says UP. */
    UP,
    /** In the registry, and its {@code /health} reports problems. */
    DEGRADED,
    /** Its {@code /health} does not answer, or it left the registry (stopped, or missed its heartbeats). */
    DOWN,
    /** Not known: the registry cannot be read and the node was not asked. */
    UNKNOWN
}
