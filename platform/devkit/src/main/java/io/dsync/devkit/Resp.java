package io.dsync.devkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Redis command over a fresh connection, without a client library: what the topology harnesses need to form a
 * cluster, ask a sentinel or count keys (a client library would also follow redirections and failovers, which is
 * exactly what these calls must not do).
 */
final class Resp {

    /** A Redis error reply, such as {@code -CLUSTERDOWN ...}. */
    static final class ErrorReply extends IOException {
        private static final long serialVersionUID = 1L;

        ErrorReply(String message) {
            super(message);
        }
    }

    private Resp() {
    }

    /**
     * Sends the command to 127.0.0.1:{@code port} and reads the reply: a {@code String} (simple or bulk), a
     * {@code Long}, a {@code List<Object>}, or {@code null}.
     *
     * @throws ErrorReply when Redis answers an error
     * @throws IOException when nothing answers within 2 s
     */
    static Object call(int port, String... command) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(("*" + command.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String part : command) {
                byte[] b = part.getBytes(StandardCharsets.UTF_8);
                request.write(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                request.write(b);
                request.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write(request.toByteArray());
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()));
        }
    }

    /** {@link #call} for a reply that is text. */
    static String text(int port, String... command) throws IOException {
        Object reply = call(port, command);
        return reply == null ? null : reply.toString();
    }

    /** The {@code field:value} lines of an {@code INFO} or {@code CLUSTER INFO} reply. */
    static Map<String, String> fields(String info) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (info != null) {
            info.lines().forEach(line -> {
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("#")) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            });
        }
        return fields;
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type == -1) {
            throw new IOException("the connection closed without a reply");
        }
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new ErrorReply(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(length);
                line(in);
                return new String(b, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    try {
                        items.add(read(in));
                    } catch (ErrorReply e) {
                        items.add(e);
                    }
                }
                return items;
            }
            default:
                throw new IOException("not a RESP reply: " + (char) type + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c == -1) {
                throw new IOException("the connection closed in the middle of a reply");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
