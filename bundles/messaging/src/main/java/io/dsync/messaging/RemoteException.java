package io.dsync.messaging;

/** A peer's handler refused a request: a code the topic defines, and a message for people. */
public class RemoteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The peer serves no such topic (not started yet, stopping, or another role). */
    public static final String NO_HANDLER = "no-handler";
    /** The peer's handler failed for a reason of its own (a bug): its log has the details. */
    public static final String INTERNAL = "internal";

    private final String code;

    public RemoteException(String code, String message) {
        super(message, null, false, false);
        this.code = code == null ? INTERNAL : code;
    }

    public String code() {
        return code;
    }
}
