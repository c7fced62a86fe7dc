package org.apache.ratis.protocol.exceptions;

/** Stands in for Ratis' exception of this name in {@code PeerNotReadyFilterTest}: the filter matches it by name. */
public class ServerNotReadyException extends RuntimeException {

    public ServerNotReadyException(String message) {
        super(message);
    }
}
