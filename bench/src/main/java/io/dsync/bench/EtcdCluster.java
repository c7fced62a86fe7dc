package io.dsync.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An etcd cluster of local processes on loopback (the {@code etcd} binary from the PATH), each with its own data folder,
 * for side-by-side benchmarks. etcd writes and fsyncs its log before it acknowledges, like the dsync lock group.
 */
final class EtcdCluster implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final List<String> endpoints = new ArrayList<>();

    private EtcdCluster() {
    }

    /** @return whether an {@code etcd} binary is on the PATH */
    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "etcd"))) {
                return true;
            }
        }
        return false;
    }

    static EtcdCluster start(Path dir, int members) throws IOException, InterruptedException {
        EtcdCluster c = new EtcdCluster();
        int[] client = new int[members];
        int[] peer = new int[members];
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < members; i++) {
            client[i] = freePort();
            peer[i] = freePort();
            initial.append(i == 0 ? "" : ",").append("e").append(i).append("=http://127.0.0.1:").append(peer[i]);
        }
        try {
            for (int i = 0; i < members; i++) {
                Path data = Files.createDirectories(dir.resolve("e" + i));
                c.endpoints.add("http://127.0.0.1:" + client[i]);
                c.processes.add(new ProcessBuilder("etcd", "--name", "e" + i, "--data-dir", data.toString(),
                        "--listen-client-urls", "http://127.0.0.1:" + client[i], "--advertise-client-urls", "http://127.0.0.1:" + client[i],
                        "--listen-peer-urls", "http://127.0.0.1:" + peer[i], "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer[i],
                        "--initial-cluster", initial.toString(), "--initial-cluster-state", "new", "--log-level", "error")
                        .redirectErrorStream(true).redirectOutput(dir.resolve("e" + i + ".log").toFile()).start());
            }
            for (int port : client) {
                awaitPort(port);
            }
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    List<String> endpoints() {
        return List.copyOf(endpoints);
    }

    private static void awaitPort(int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("etcd did not listen on " + port + " within 30 s", e);
                }
                Thread.sleep(100);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
