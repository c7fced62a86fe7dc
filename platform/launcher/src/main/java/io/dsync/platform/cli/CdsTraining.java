package io.dsync.platform.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/**
 * What {@code bin/dsync} runs once, with {@code -XX:ArchiveClassesAtExit}, to make the class-data sharing archive of
 * the short commands: the help text and a few read-only commands against a stand-in node in this JVM (loopback, an
 * ephemeral port) that answers every request with an empty JSON object. So the archive holds what a real command
 * loads (picocli's model, the HTTP client, Jackson) and the training sends nothing to any real node. What the
 * commands print is discarded; their errors about the empty answers are expected.
 */
public final class CdsTraining {

    /** Commands that read through {@code --node}, each sending one request; {@code NODE} stands for the node's URL. */
    static final List<List<String>> NODE_COMMANDS = List.of(
            List.of("lock", "list", "--node", "NODE"),
            List.of("lock", "status", "a", "--json", "--node", "NODE"),
            List.of("queue", "stats", "q", "--node", "NODE"),
            List.of("cache", "get", "c", "k", "--node", "NODE"));

    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        Dsync.commonPoolOfTwo();
        train(new PrintWriter(Writer.nullWriter()));
        System.exit(0);
    }

    /** Runs the training commands; returns how many requests the stand-in node answered. */
    static int train(PrintWriter sink) throws IOException {
        AtomicInteger answered = new AtomicInteger();
        HttpServer node = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        node.createContext("/", exchange -> {
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            answered.incrementAndGet();
        });
        node.start();
        try {
            String url = "http://" + node.getAddress().getHostString() + ":" + node.getAddress().getPort();
            Dsync.run(new String[] {"--help"}, sink, sink);
            for (List<String> command : NODE_COMMANDS) {
                Dsync.run(command.stream().map(a -> a.equals("NODE") ? url : a).toArray(String[]::new), sink, sink);
            }
        } finally {
            node.stop(0);
        }
        return answered.get();
    }
}
