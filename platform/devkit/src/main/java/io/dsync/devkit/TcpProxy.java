package io.dsync.devkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy on 127.0.0.1 in front of one endpoint, whose link can be cut and healed: the fault injector for
 * partitions between local processes.
 *
 * <p>A cut stops forwarding in the chosen direction, as a network that drops packets does: bytes are held, not lost
 * (TCP would retransmit them), so the peers see silence and their own timeouts fire; on heal the held bytes flow
 * again, late. New connections during a cut are accepted and then stay silent, like a SYN that is answered but
 * nothing after it. {@link #resetConnections()} closes every proxied connection, as a crashed middlebox or a peer's
 * timeout would.
 *
 * <p>Why a proxy and not network namespaces: it needs no root and no iproute2, works the same on a laptop and in CI,
 * cuts one link in one direction without touching the others, and is driven from the test's own JVM.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class TcpProxy implements AutoCloseable {

    /** Which way traffic stops. */
    public enum Direction {
        /** Client to target (requests). */
        UPSTREAM,
        /** Target to client (responses). */
        DOWNSTREAM,
        /** Both ways: a full partition of this link. */
        BOTH
    }

    /**
     * Decides per connection whether its bytes flow, so that one proxy in front of a node can cut some of the links
     * into it and not others ({@link LocalCluster}'s node-to-node partitions).
     */
    public interface LinkFilter {
        /** @return who opened this accepted connection, e.g. a node id; asked once per connection */
        String source(Socket accepted);

        /** @return whether bytes may flow now from {@code source} to the target ({@code upstream}) or back */
        boolean open(String source, boolean upstream);
    }

    private static final LinkFilter ALL_OPEN = new LinkFilter() {
        @Override
        public String source(Socket accepted) {
            return "";
        }

        @Override
        public boolean open(String source, boolean upstream) {
            return true;
        }
    };

    private final String name;
    private final InetSocketAddress target;
    private final LinkFilter filter;
    private final ServerSocket server;
    private final Object gate = new Object();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private boolean upstreamCut;
    private boolean downstreamCut;

    private TcpProxy(String name, InetSocketAddress target, ServerSocket server, LinkFilter filter) {
        this.name = name;
        this.target = target;
        this.server = server;
        this.filter = filter;
    }

    /**
     * Starts a proxy on a free port of 127.0.0.1.
     *
     * @param name used in thread names
     * @param target where connections are forwarded
     */
    public static TcpProxy start(String name, InetSocketAddress target) throws IOException {
        return start(name, target, ALL_OPEN);
    }

    /**
     * Starts a proxy on a free port of 127.0.0.1 whose connections also obey {@code filter}.
     *
     * @param name used in thread names
     * @param target where connections are forwarded
     * @param filter decides per connection and direction; asked again whenever bytes are to be forwarded
     */
    public static TcpProxy start(String name, InetSocketAddress target, LinkFilter filter) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        TcpProxy proxy = new TcpProxy(name, target, server, filter);
        Thread acceptor = new Thread(proxy::acceptLoop, "proxy-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    /** @return the port clients connect to */
    public int port() {
        return server.getLocalPort();
    }

    /** @return the proxied endpoint */
    public InetSocketAddress target() {
        return target;
    }

    /** Stops forwarding in the given direction (adds to what is already cut). */
    public void cut(Direction direction) {
        synchronized (gate) {
            upstreamCut |= direction != Direction.DOWNSTREAM;
            downstreamCut |= direction != Direction.UPSTREAM;
        }
    }

    /** Forwards both ways again; held bytes flow. */
    public void heal() {
        synchronized (gate) {
            upstreamCut = false;
            downstreamCut = false;
            gate.notifyAll();
        }
    }

    /** Asks the filter again now (rather than within 100 ms) for every held connection: call after opening links. */
    void recheck() {
        synchronized (gate) {
            gate.notifyAll();
        }
    }

    /** @return whether some direction is cut */
    public boolean isCut() {
        synchronized (gate) {
            return upstreamCut || downstreamCut;
        }
    }

    /** Closes every connection through the proxy; clients see a reset and reconnect. */
    public void resetConnections() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly(server);
            resetConnections();
            heal();
        }
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 2000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            String source = filter.source(client);
            sockets.add(client);
            sockets.add(upstream);
            pump(client, upstream, true, source);
            pump(upstream, client, false, source);
        }
    }

    private void pump(Socket from, Socket to, boolean upstream, String source) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    awaitOpen(upstream, source);
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // Connection closed or reset: close the other side too, below.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "proxy-" + name + (upstream ? "-up" : "-down"));
        t.setDaemon(true);
        t.start();
    }

    private void awaitOpen(boolean upstream, String source) throws InterruptedException, SocketException {
        synchronized (gate) {
            while (!closed.get() && ((upstream ? upstreamCut : downstreamCut) || !filter.open(source, upstream))) {
                gate.wait(100);
            }
        }
        if (closed.get()) {
            throw new SocketException("proxy closed");
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return "TcpProxy[" + name + " :" + port() + " -> " + target.getHostString() + ":" + target.getPort() + (isCut() ? ", cut" : "") + "]";
    }
}
