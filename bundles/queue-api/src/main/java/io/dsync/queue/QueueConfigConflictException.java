package io.dsync.queue;

/**
 * {@link QueueService#declare(QueueConfig)} was called for an existing queue with a configuration that
 * differs from the existing one. Declaration is create-if-absent, never an implicit reconfiguration,
 * so that two deployments disagreeing about a queue's configuration are detected.
 * <p>
 * The operation had no effect; the existing configuration is unchanged.
 */
public class QueueConfigConflictException extends QueueException {

    private static final long serialVersionUID = 1L;

    /** The configuration of the existing queue. */
    private final QueueConfig existing;

    /** The configuration that was requested. */
    private final QueueConfig requested;

    /**
     * Creates the exception.
     *
     * @param existing the configuration of the existing queue
     * @param requested the configuration that was requested
     */
    public QueueConfigConflictException(QueueConfig existing, QueueConfig requested) {
        super("queue '" + existing.name() + "' already exists with configuration " + existing
                + ", which differs from the requested " + requested);
        this.existing = existing;
        this.requested = requested;
    }

    /**
     * Returns the configuration of the existing queue.
     *
     * @return the existing configuration
     */
    public QueueConfig existing() {
        return existing;
    }

    /**
     * Returns the configuration that was requested.
     *
     * @return the requested configuration
     */
    public QueueConfig requested() {
        return requested;
    }
}
