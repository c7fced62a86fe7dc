package io.dsync.console.internal;

import java.net.InetSocketAddress;

import org.eclipse.jetty.ee10.servlet.ServletContainerInitializerHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import com.vaadin.flow.di.LookupInitializer;
import com.vaadin.flow.server.InitParameters;
import com.vaadin.flow.server.startup.LookupServletContainerInitializer;

/**
 * The console's own Jetty 12.1 (ee10) with Vaadin, inside the bundle. Felix HTTP serves the admin API on another port
 * with another Jetty; the two share nothing.
 *
 * <p>Inside a bundle nothing is found by scanning: Vaadin's Lookup is started by hand, and the bundle's class loader is
 * both the context's class loader and the thread context class loader while Jetty and Vaadin start and stop (they
 * look up services and resources through it).
 *
 * <p>Threads: Jetty's pool ({@code dsync-console-http-N}) and scheduler, all ended by {@link #stop()}.
 */
final class ConsoleServer {

    private final Server server;

    /**
     * Starts serving.
     *
     * @throws Exception when Jetty or Vaadin cannot start (e.g. the port is taken); nothing is left running then
     */
    /** How long a console session lives without a request (a heartbeat, a click). */
    static final int SESSION_IDLE_SECONDS = 30 * 60;

    ConsoleServer(String bind, int port, ConsoleContext context) throws Exception {
        ClassLoader loader = ConsoleServer.class.getClassLoader();
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("dsync-console-http");
        server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(bind);
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler handler = new ServletContextHandler(ServletContextHandler.SESSIONS);
        handler.setContextPath("/");
        handler.setClassLoader(loader);
        handler.addServletContainerInitializer(
                new ServletContainerInitializerHolder(LookupServletContainerInitializer.class, LookupInitializer.class));
        ServletHolder vaadin = new ServletHolder("vaadin", new ConsoleServlet(context));
        vaadin.setAsyncSupported(true);
        vaadin.setInitParameter(InitParameters.SERVLET_PARAMETER_PRODUCTION_MODE, "true");
        vaadin.setInitOrder(1);
        handler.addServlet(vaadin, "/*");
        handler.addServlet(new ServletHolder("auth", new AuthServlet(context.users(), SignInThrottle.standard(context.clock()))), "/auth/*");
        handler.getSessionHandler().setHttpOnly(true);
        // Jetty keeps sessions forever by default: a tab lost without its unload beacon (a browser crash, a laptop
        // asleep) kept its views polling the nodes and its uploads in memory. Open tabs send Vaadin's heartbeat
        // every 5 minutes, which keeps their session.
        handler.getSessionHandler().setMaxInactiveInterval(SESSION_IDLE_SECONDS);
        handler.getSessionHandler().setSessionCookie("DSYNC_CONSOLE");
        JakartaWebSocketServletContainerInitializer.configure(handler, null);
        server.setHandler(handler);
        server.setStopTimeout(2000);

        try {
            inOwnThread("dsync-console-start", server::start);
        } catch (Exception e) {
            stopQuietly();
            throw e;
        }
    }

    /** @return the address the server listens on */
    InetSocketAddress address() {
        ServerConnector c = (ServerConnector) server.getConnectors()[0];
        return new InetSocketAddress(c.getHost(), c.getLocalPort());
    }

    /** Stops Jetty and Vaadin and waits for their threads; the port is free when it returns. */
    void stop() throws Exception {
        inOwnThread("dsync-console-stop", () -> {
            server.stop();
            server.join();
        });
    }

    /** Work that may throw. */
    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    /**
     * Runs {@code action} in a new thread whose context class loader is the bundle's, and waits for it. Vaadin and
     * Jetty leave thread locals behind on the thread that starts or stops them (Vaadin's current instances, keyed by
     * its classes): on the caller's thread, a framework or HTTP thread that outlives the bundle, they would keep the
     * bundle's class loader, and with it every class of Vaadin, after an update. A thread of our own ends with them.
     */
    private static void inOwnThread(String name, Action action) throws Exception {
        Exception[] failure = new Exception[1];
        Thread t = new Thread(() -> {
            try {
                action.run();
            } catch (Exception e) {
                failure[0] = e;
            }
        }, name);
        t.setContextClassLoader(ConsoleServer.class.getClassLoader());
        t.setDaemon(true);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (Exception ignored) {
            // Already failing to start: the start's exception is the one to report.
        }
    }
}
