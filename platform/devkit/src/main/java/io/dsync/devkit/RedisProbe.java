package io.dsync.devkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Asks a Redis server whether it is there, with one {@code PING}, without a client library. */
public final class RedisProbe {

    /** What the server said. */
    public enum Answer {
        /** {@code +PONG}. */
        PONG,
        /** A Redis error such as {@code -NOAUTH}: a Redis is there but wants credentials. */
        NEEDS_AUTH,
        /** Nothing listens, or what listens does not speak RESP. */
        NONE
    }

    private RedisProbe() {
    }

    /**
     * @param host host name or address
     * @param port TCP port
     * @param timeout connect and read timeout
     * @return the answer; never throws
     */
    public static Answer ping(String host, int port, Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[64];
            int n = in.read(buf);
            String reply = n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
            if (reply.startsWith("+PONG")) {
                return Answer.PONG;
            }
            return reply.startsWith("-") ? Answer.NEEDS_AUTH : Answer.NONE;
        } catch (IOException e) {
            return Answer.NONE;
        }
    }

    /**
     * Checks that an address names a Redis server: {@code redis://host[:port]} or {@code rediss://...}.
     *
     * @param address the address
     * @throws IllegalArgumentException saying what is wrong, for an operator to read
     */
    public static void requireAddress(String address) {
        URI uri = null;
        try {
            uri = address == null ? null : new URI(address);
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        if (uri == null || !("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme()))
                || uri.getHost() == null || uri.getPort() > 65535) {
            throw new IllegalArgumentException("a Redis address must look like redis://host:port, got '" + address + "'");
        }
    }

    /**
     * @param address {@code redis://host:port} or {@code rediss://...} (see {@link #requireAddress})
     * @param timeout connect and read timeout
     * @return the answer of the server at that address (TLS addresses are only checked for a listening port)
     */
    public static Answer ping(String address, Duration timeout) {
        URI uri = URI.create(address);
        if ("rediss".equals(uri.getScheme())) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), (int) timeout.toMillis());
                return Answer.NEEDS_AUTH;
            } catch (IOException e) {
                return Answer.NONE;
            }
        }
        return ping(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(), timeout);
    }
}
