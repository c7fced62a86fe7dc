package io.dsync.devkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The proxy against a real echo server on loopback: cuts hold bytes, heals release them, filters act per connection. */
class TcpProxyTest {

    private ServerSocket echo;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread e = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // client gone
                        }
                    });
                    e.setDaemon(true);
                    e.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void stopEcho() throws IOException {
        echo.close();
    }

    private InetSocketAddress target() {
        return new InetSocketAddress("127.0.0.1", echo.getLocalPort());
    }

    @Test
    void aCutHoldsBytesAndTheHealDeliversThem() throws Exception {
        try (TcpProxy proxy = TcpProxy.start("t", target()); Socket s = connect(proxy)) {
            assertThat(roundTrip(s, 'a')).isEqualTo('a');
            proxy.cut(TcpProxy.Direction.DOWNSTREAM);
            s.getOutputStream().write('b');
            assertThat(readOrTimeout(s)).as("the echo is held").isEqualTo(-2);
            proxy.heal();
            assertThat(readOrTimeout(s)).as("held bytes arrive after the heal").isEqualTo('b');
        }
    }

    @Test
    void theFilterCutsOnlyTheConnectionsOfOneSource() throws Exception {
        Set<String> cut = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicReference<String> next = new java.util.concurrent.atomic.AtomicReference<>("first");
        TcpProxy.LinkFilter filter = new TcpProxy.LinkFilter() {
            @Override
            public String source(Socket accepted) {
                return next.get();
            }

            @Override
            public boolean open(String source, boolean upstream) {
                return !cut.contains(source + (upstream ? ">" : "<"));
            }
        };
        try (TcpProxy proxy = TcpProxy.start("f", target(), filter); Socket first = connect(proxy)) {
            assertThat(roundTrip(first, 'x')).isEqualTo('x');
            next.set("second");
            try (Socket second = connect(proxy)) {
                assertThat(roundTrip(second, 'y')).isEqualTo('y');
                cut.add("first>");
                first.getOutputStream().write('1');
                assertThat(readOrTimeout(first)).as("first's requests are held").isEqualTo(-2);
                assertThat(roundTrip(second, 'z')).as("second is not affected").isEqualTo('z');
                cut.clear();
                proxy.recheck();
                assertThat(readOrTimeout(first)).isEqualTo('1');
            }
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void socketOwnersFindsTheProcessThatConnected() throws Exception {
        long self = ProcessHandle.current().pid();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Socket client = new Socket("127.0.0.1", server.getLocalPort());
             Socket accepted = server.accept()) {
            assertThat(SocketOwners.owner(accepted.getPort(), server.getLocalPort(), List.of(self)))
                    .hasValue(self);
            assertThat(SocketOwners.owner(accepted.getPort(), server.getLocalPort(), List.of(self + 1_000_000)))
                    .as("not among the candidates").isEmpty();
            assertThat(client.isConnected()).isTrue();
        }
    }

    private static Socket connect(TcpProxy proxy) throws IOException {
        Socket s = new Socket("127.0.0.1", proxy.port());
        s.setSoTimeout(500);
        return s;
    }

    private static int roundTrip(Socket s, char c) throws IOException {
        s.getOutputStream().write(c);
        return s.getInputStream().read();
    }

    /** @return the next byte, or -2 if none arrives within the socket timeout */
    private static int readOrTimeout(Socket s) throws IOException {
        try {
            return s.getInputStream().read();
        } catch (SocketTimeoutException e) {
            return -2;
        }
    }
}
