package io.dsync.platform;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a node: a Felix framework with the core bundles, the bundles of the node's roles, and its identity as
 * framework properties.
 */
public final class NodeLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(NodeLauncher.class);

    /**
     * SLF4J comes from the launcher's class path, so every bundle logs through the node's one Logback. The 2.x API is
     * exported a second time as 1.7.36, which it is compatible with, for bundles that import {@code [1.6,2)}
     * (Dropwizard Metrics 4).
     */
    public static final String SLF4J_EXPORTS = Stream.of("org.slf4j", "org.slf4j.spi", "org.slf4j.helpers", "org.slf4j.event")
            .flatMap(p -> Stream.of(p + ";version=\"2.0.17\"", p + ";version=\"1.7.36\""))
            .reduce((a, b) -> a + "," + b).orElseThrow();

    private NodeLauncher() {
    }

    /** @return the dsync version of this launcher */
    public static String version() {
        String v = NodeLauncher.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * The framework properties of a node; pure, so that tests can check them and start an equivalent framework
     * (Pax Exam).
     */
    public static Map<String, Object> frameworkProperties(NodeOptions o, Instant started) {
        Map<String, Object> p = new HashMap<>();
        p.put(Constants.FRAMEWORK_STORAGE, o.data().resolve("felix-cache").toString());
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        p.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, SLF4J_EXPORTS);
        // One bundle per symbolic name and version, whichever way it arrives (bundles/, deploy/, the admin API).
        p.put(Constants.FRAMEWORK_BSNVERSION, Constants.FRAMEWORK_BSNVERSION_SINGLE);
        p.put("felix.log.logger", new FelixLogger());
        p.put("felix.log.level", "2");
        p.put("dsync.home", o.home().toString());
        p.put("dsync.data", o.data().toString());
        p.put("dsync.deploy", o.deploy().toString());
        p.put("dsync.node.id", o.id());
        p.put("dsync.cluster", o.cluster());
        p.put("dsync.node.roles", String.join(",", o.roles().stream().sorted().map(Role::id).toList()));
        p.put("dsync.node.host", o.advertise());
        p.put("dsync.node.bind", o.bind());
        p.put("dsync.node.started", started.toString());
        p.put("dsync.version", version());
        p.put("dsync.port.admin", Integer.toString(o.adminPort()));
        // Read by etc/*.cfg through FileInstall's ${...} substitution.
        p.put("dsync.redis.address", o.redis());
        p.put("dsync.admin.token", o.adminToken());
        // Felix HTTP (Jetty 12) serves the admin API.
        p.put("org.osgi.service.http.port", Integer.toString(o.adminPort()));
        p.put("org.apache.felix.http.host", o.bind());
        p.put("org.apache.felix.http.enable", "true");
        p.put("org.apache.felix.https.enable", "false");
        p.put("org.apache.felix.http.jetty.sendServerHeader", "false");
        // FileInstall: configuration from etc/; a second watcher for ${dsync.deploy} is configured in etc/.
        p.put("felix.fileinstall.dir", o.home().resolve("etc").toString());
        p.put("felix.fileinstall.filter", ".*\\.(cfg|config)");
        p.put("felix.fileinstall.poll", "1000");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.enableConfigSave", "false");
        p.put("felix.fileinstall.log.default", "jul");
        p.put("felix.fileinstall.log.level", "3");
        if (o.shell()) {
            p.put("gosh.args", "--noshutdown");
        }
        // Read by etc/io.dsync.lock.server.cfg: one lock group unless the node's options say otherwise (an unset
        // property would reach the lock server as an empty, unparsable number).
        p.put("dsync.lock.groups", "1");
        p.putAll(o.extraProperties());
        return p;
    }

    /**
     * The JARs a node installs: {@code bundles/core}, then {@code bundles/<role>} for each role, then
     * {@code bundles/shell} when the shell is on; each folder in file name order.
     */
    static List<Path> bundleJars(Path home, Iterable<Role> roles, boolean shell) throws IOException {
        List<Path> dirs = new ArrayList<>();
        dirs.add(home.resolve("bundles").resolve("core"));
        for (Role r : roles) {
            dirs.add(home.resolve("bundles").resolve(r.id()));
        }
        if (shell) {
            dirs.add(home.resolve("bundles").resolve("shell"));
        }
        if (!Files.isDirectory(dirs.get(0))) {
            throw new IOException("no core bundles at " + dirs.get(0) + ": is " + home + " a dsync distribution?");
        }
        List<Path> jars = new ArrayList<>();
        for (Path dir : dirs) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().forEach(jars::add);
                }
            }
        }
        return jars;
    }

    /**
     * Starts the node and waits until its admin port accepts connections.
     *
     * @throws NodeStartException with a message for the operator when it cannot start
     */
    public static RunningNode start(NodeOptions o) throws NodeStartException {
        Instant started = Instant.now();
        requireFreePort(o.bind(), o.adminPort(), "admin port", "--admin-port");
        // The other listeners open inside bundles, where a taken port leaves a node that runs without them.
        requireFreePort(o.bind(), o.extraProperties().get("dsync.port.messaging"), "messaging port", "--messaging-port");
        requireFreePort(o.bind(), o.extraProperties().get("dsync.port.raft"), "Raft port", "--raft-port");
        requireFreePort(o.bind(), o.extraProperties().get("dsync.port.console"), "console port", "--console-port");
        List<Path> jars;
        try {
            Files.createDirectories(o.data());
            jars = bundleJars(o.home(), o.roles(), o.shell());
        } catch (IOException e) {
            throw new NodeStartException(e.getMessage(), e);
        }
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, NodeLauncher.class.getClassLoader())
                .findFirst().orElseThrow(() -> new NodeStartException("no OSGi framework on the class path", null));
        Map<String, Object> props = frameworkProperties(o, started);
        // Felix accepts object values (the logger); the standard signature says String.
        @SuppressWarnings({"unchecked", "rawtypes"})
        Framework framework = factory.newFramework((Map) props);
        try {
            framework.init();
            List<Bundle> installed = new ArrayList<>();
            for (Path jar : jars) {
                installed.add(framework.getBundleContext().installBundle(jar.toUri().toString()));
            }
            framework.start();
            for (Bundle b : installed) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    try {
                        b.start();
                    } catch (BundleException e) {
                        LOG.error("Bundle {} did not start: {}", b.getSymbolicName(), e.getMessage());
                    }
                }
            }
        } catch (BundleException e) {
            stopQuietly(framework);
            throw new NodeStartException("the framework did not start: " + e.getMessage(), e);
        }
        RunningNode node = new RunningNode(o, framework, started);
        boolean listening = awaitPort(o.bind(), o.adminPort(), Duration.ofSeconds(30));
        if (!listening) {
            LOG.error("Admin API did not open port {} within 30 s; see the log", o.adminPort());
        }
        LOG.info("Node '{}' (roles {}) of cluster '{}' started in {} ms with {} bundles", o.id(),
                props.get("dsync.node.roles"), o.cluster(), Duration.between(started, Instant.now()).toMillis(), jars.size());
        return node;
    }

    private static void requireFreePort(String bind, int port, String what, String option) throws NodeStartException {
        if (!isPortFree(bind, port)) {
            throw new NodeStartException(what + " " + port + " on " + bind
                    + " is in use or cannot be bound; choose another with " + option, null);
        }
    }

    private static void requireFreePort(String bind, Object port, String what, String option) throws NodeStartException {
        if (port == null) {
            return;
        }
        int p;
        try {
            p = Integer.parseInt(port.toString().trim());
        } catch (NumberFormatException e) {
            throw new NodeStartException(what + " must be a number, got '" + port + "'", null);
        }
        if (p > 0) {
            requireFreePort(bind, p, what, option);
        }
    }

    /** @return whether a server could bind {@code bind:port} now */
    public static boolean isPortFree(String bind, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(bind), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean awaitPort(String bind, int port, Duration timeout) {
        String host = "0.0.0.0".equals(bind) || "::".equals(bind) ? "127.0.0.1" : bind;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 200);
                return true;
            } catch (IOException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    static void stopQuietly(Framework framework) {
        try {
            framework.stop();
            framework.waitForStop(30_000);
        } catch (BundleException | InterruptedException e) {
            LOG.warn("Framework did not stop cleanly: {}", e.getMessage());
        }
    }

    /** The node could not start; the message says why in an operator's words. */
    public static final class NodeStartException extends Exception {
        private static final long serialVersionUID = 1L;

        NodeStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
