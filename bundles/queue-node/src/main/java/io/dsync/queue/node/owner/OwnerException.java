package io.dsync.queue.node.owner;

/** Why a partition owner refused or failed a call; the HTTP layer maps the kind to the wire's error codes. */
public final class OwnerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The kinds of refusal. */
    public enum Kind {
        /** This node does not own the partition (any more): the client reads the topology again and retries. */
        NOT_OWNER,
        /** The delivery is not the message's current attempt, or the message is gone. */
        STALE,
        /** Redis failed under the call: its outcome is unknown. */
        UNAVAILABLE
    }

    private final Kind kind;

    public OwnerException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
