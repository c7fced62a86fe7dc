package io.dsync.messaging;

/**
 * No answer from the peer: it could not be connected to, the connection dropped while the request was out, or the
 * answer did not come in time. The request may or may not have been handled.
 */
public class PeerUnreachableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PeerUnreachableException(String message) {
        super(message, null, false, false);
    }
}
