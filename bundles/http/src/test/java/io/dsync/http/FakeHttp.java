package io.dsync.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.slf4j.Logger;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Test fakes of the servlet API and of an SLF4J logger: just what the toolkit and its servlets use. Any other method
 * throws, so a test notices when the code under test starts to depend on more.
 */
public final class FakeHttp {

    private FakeHttp() {
    }

    /** @return a request with this method, URI and headers (name, value, name, value...) */
    public static HttpServletRequest request(String method, String uri, String... headers) {
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            h.put(headers[i], headers[i + 1]);
        }
        return (HttpServletRequest) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getRequestURI" -> uri;
                    case "getHeader" -> h.get((String) args[0]);
                    case "getRemoteAddr" -> "127.0.0.1";
                    case "toString" -> method + " " + uri;
                    default -> throw new UnsupportedOperationException("fake request: " + m.getName());
                });
    }

    /** A response that records what was written, or fails its writes with {@code failure} when one is set. */
    public static final class Response {
        public int status = 200;
        public final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        public String contentType;
        public boolean committed;
        public final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final IOException failure;
        public final HttpServletResponse servlet;

        public Response() {
            this(null);
        }

        public Response(IOException failure) {
            this.failure = failure;
            this.servlet = (HttpServletResponse) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
                    new Class<?>[] {HttpServletResponse.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "setStatus" -> {
                            status = (Integer) args[0];
                            yield null;
                        }
                        case "getStatus" -> status;
                        case "setHeader" -> {
                            headers.put((String) args[0], (String) args[1]);
                            yield null;
                        }
                        case "getHeader" -> headers.get((String) args[0]);
                        case "setContentType" -> {
                            contentType = (String) args[0];
                            yield null;
                        }
                        case "setCharacterEncoding", "setContentLength" -> null;
                        case "isCommitted" -> committed;
                        case "resetBuffer" -> {
                            if (committed) {
                                throw new IllegalStateException("committed");
                            }
                            body.reset();
                            yield null;
                        }
                        case "getOutputStream" -> out;
                        case "toString" -> "fake response";
                        default -> throw new UnsupportedOperationException("fake response: " + m.getName());
                    });
        }

        private final ServletOutputStream out = new ServletOutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                committed = true;
                if (failure != null) {
                    throw failure;
                }
                body.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                committed = true;
                if (failure != null) {
                    throw failure;
                }
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
                throw new UnsupportedOperationException();
            }
        };

        public String text() {
            return body.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** One call of a logger: level, the message with its arguments filled in, and whether a throwable came along. */
    public record LogEvent(String level, String message, Throwable thrown) {
    }

    /** A logger that records every event at every level. */
    public static final class Log {
        public final List<LogEvent> events = new ArrayList<>();
        public final Logger logger = (Logger) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, m, args) -> {
                    String name = m.getName();
                    if (name.startsWith("is") && name.endsWith("Enabled")) {
                        return true;
                    }
                    if (name.equals("getName")) {
                        return "fake";
                    }
                    if (List.of("trace", "debug", "info", "warn", "error").contains(name) && args != null && args[0] instanceof String format) {
                        List<Object> params = new ArrayList<>();
                        for (int i = 1; i < args.length; i++) {
                            if (args[i] instanceof Object[] varargs) {
                                params.addAll(Arrays.asList(varargs));
                            } else {
                                params.add(args[i]);
                            }
                        }
                        Throwable thrown = !params.isEmpty() && params.get(params.size() - 1) instanceof Throwable t ? t : null;
                        events.add(new LogEvent(name.toUpperCase(java.util.Locale.ROOT), fill(format, params), thrown));
                        return null;
                    }
                    throw new UnsupportedOperationException("fake logger: " + name);
                });

        public List<LogEvent> at(String level) {
            return events.stream().filter(e -> e.level().equals(level)).toList();
        }

        private static String fill(String format, List<Object> params) {
            StringBuilder sb = new StringBuilder();
            int from = 0;
            int i = 0;
            int at;
            while ((at = format.indexOf("{}", from)) >= 0 && i < params.size()) {
                sb.append(format, from, at).append(params.get(i++));
                from = at + 2;
            }
            return sb.append(format.substring(from)).toString();
        }
    }

    /** @return a map in the order given, for comparing with parsed JSON */
    public static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
