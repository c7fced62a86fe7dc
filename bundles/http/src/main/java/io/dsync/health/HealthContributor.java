package io.dsync.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A part of the node that knows whether it works, registered as an OSGi service (whiteboard): the node's
 * {@code GET /health} asks every registered contributor on each request, shows its answer under
 * {@code contributors.<name>}, and answers 503 {@code DEGRADED} while one reports a problem, listing that problem
 * under {@code problems} prefixed with the contributor's name.
 *
 * <p>Contract: {@link #health()} is called on the HTTP request thread, possibly from several threads at once, and
 * often (monitors poll {@code /health} every second or so). It must answer fast from state the contributor already
 * has (the result of its own background probe, a connection state, the last heartbeat), never block on the network
 * or on a lock held across I/O. An exception thrown by it counts as a problem of this contributor; its message is
 * shown, so say what is wrong in it.
 *
 * <p>Contributors come and go with their bundles; a contributor that is not registered is not counted.
 */
@ConsumerType
public interface HealthContributor {

    /** @return a short, stable name that tells the operator what is checked, e.g. {@code lock-group}; unique per node */
    String name();

    /** @return the current health; never {@code null} */
    Health health();
}
