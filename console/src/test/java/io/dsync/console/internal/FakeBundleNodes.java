package io.dsync.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Nodes' bundle APIs and {@code /health} in memory, for {@link RollingUpdate} and {@link BundleActions}: each node
 * (its admin URL is {@code fake://<id>}) holds bundles; an update sets the bundle's version to the next one and makes
 * the node DEGRADED for a while (a number of health looks), or is refused; every call is logged in order. Time is a
 * clock that only moves when the code under test pauses. Not thread-safe: one test thread.
 */
final class FakeBundleNodes implements BundleAdmin, HealthProbe {

    /** One node. */
    static final class Node {
        final String id;
        final Map<Long, BundleInfo> bundles = new LinkedHashMap<>();
        /** How many health looks after an update answer DEGRADED. */
        int degradedLooksAfterUpdate;
        /** Set: updates are refused with this status and message. */
        Integer refuseStatus;
        String refuseMessage;
        /** Set: the node never comes back UP after an update. */
        boolean staysDown;
        /** Set: after an update the node answers UP this many times, then DEGRADED (it falls over). */
        Integer upLooksBeforeFalling;
        /** Set: the bundle does not start again after an update. */
        boolean doesNotRestart;
        /** Set: an update is answered 202 and runs only after this many more lists (the admin API restarting). */
        int deferredForLists;
        BundleInfo pending;
        int degradedLooksLeft;

        Node(String id) {
            this.id = id;
        }
    }

    final Map<String, Node> nodes = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    Instant now = Instant.parse("2026-12-04T10:00:00Z");

    Node node(String id, BundleInfo... bundles) {
        Node n = new Node(id);
        for (BundleInfo b : bundles) {
            n.bundles.put(b.id(), b);
        }
        nodes.put(url(id), n);
        return n;
    }

    static String url(String id) {
        return "fake://" + id;
    }

    static BundleInfo bundle(long id, String bsn, String version, String state) {
        return new BundleInfo(id, bsn, version, state, false, "file:/opt/dsync/bundles/" + bsn + ".jar", 1000);
    }

    Clock clock() {
        return new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
    }

    RollingUpdate.Pause pause() {
        return d -> now = now.plus(d);
    }

    RollingUpdate rollingUpdate(Duration healthTimeout) {
        return rollingUpdate(healthTimeout, Duration.ZERO);
    }

    RollingUpdate rollingUpdate(Duration healthTimeout, Duration stayUp) {
        return new RollingUpdate(this, this, clock(), pause(), healthTimeout, stayUp, Duration.ofMillis(500));
    }

    private Node at(String adminUrl) throws BundleAdminException {
        Node n = nodes.get(adminUrl);
        if (n == null) {
            throw new BundleAdminException(0, "GET " + adminUrl + "/bundles: ConnectException: Connection refused");
        }
        return n;
    }

    @Override
    public List<BundleInfo> list(String adminUrl) throws BundleAdminException {
        Node n = at(adminUrl);
        calls.add(n.id + " list");
        if (n.pending != null && n.deferredForLists-- <= 0) {
            n.bundles.put(n.pending.id(), n.pending);
            n.pending = null;
        }
        return List.copyOf(n.bundles.values());
    }

    @Override
    public BundleInfo install(String adminUrl, byte[] jar, boolean start) throws BundleAdminException {
        Node n = at(adminUrl);
        calls.add(n.id + " install " + jar.length + " bytes");
        if (n.refuseStatus != null) {
            throw new BundleAdminException(n.refuseStatus, "HTTP " + n.refuseStatus + ": " + n.refuseMessage);
        }
        long id = Collections.max(n.bundles.keySet()) + 1;
        BundleInfo b = bundle(id, "uploaded", "1.0.0", start ? "ACTIVE" : "INSTALLED");
        n.bundles.put(id, b);
        return b;
    }

    @Override
    public Change update(String adminUrl, long id, byte[] jar) throws BundleAdminException {
        Node n = at(adminUrl);
        calls.add(n.id + " update " + id + (jar == null ? " from location" : " from " + jar.length + " bytes"));
        if (n.refuseStatus != null) {
            throw new BundleAdminException(n.refuseStatus, "HTTP " + n.refuseStatus + ": " + n.refuseMessage);
        }
        BundleInfo b = n.bundles.get(id);
        String[] v = b.version().split("\\.");
        BundleInfo after = new BundleInfo(id, b.symbolicName(), v[0] + "." + v[1] + "." + (Integer.parseInt(v[2]) + 1),
                n.doesNotRestart ? "RESOLVED" : b.state(), b.fragment(), b.location(), b.lastModified() + 1);
        n.degradedLooksLeft = n.staysDown ? Integer.MAX_VALUE : n.degradedLooksAfterUpdate;
        if (n.deferredForLists > 0) {
            n.pending = after;
            return new Change(b, true);
        }
        n.bundles.put(id, after);
        return new Change(after, false);
    }

    @Override
    public BundleInfo start(String adminUrl, long id) throws BundleAdminException {
        return setState(adminUrl, id, "start", "ACTIVE");
    }

    @Override
    public BundleInfo stop(String adminUrl, long id) throws BundleAdminException {
        return setState(adminUrl, id, "stop", "RESOLVED");
    }

    private BundleInfo setState(String adminUrl, long id, String verb, String state) throws BundleAdminException {
        Node n = at(adminUrl);
        calls.add(n.id + " " + verb + " " + id);
        if (n.refuseStatus != null) {
            throw new BundleAdminException(n.refuseStatus, "HTTP " + n.refuseStatus + ": " + n.refuseMessage);
        }
        BundleInfo b = n.bundles.get(id);
        BundleInfo after = new BundleInfo(id, b.symbolicName(), b.version(), state, b.fragment(), b.location(), b.lastModified());
        n.bundles.put(id, after);
        return after;
    }

    @Override
    public Change uninstall(String adminUrl, long id) throws BundleAdminException {
        Node n = at(adminUrl);
        calls.add(n.id + " uninstall " + id);
        n.bundles.remove(id);
        return new Change(null, false);
    }

    @Override
    public HealthReport probe(String adminUrl) {
        Node n = nodes.get(adminUrl);
        if (n == null) {
            return HealthReport.unreachable("ConnectException: Connection refused");
        }
        calls.add(n.id + " health");
        if (n.upLooksBeforeFalling != null && n.pending == null && n.upLooksBeforeFalling-- <= 0) {
            return new HealthReport(true, "DEGRADED", List.of("cache-node: stopped"), true, 300L);
        }
        if (n.degradedLooksLeft > 0) {
            n.degradedLooksLeft--;
            return new HealthReport(true, "DEGRADED", List.of("lock: no leader yet"), true, 300L);
        }
        return new HealthReport(true, "UP", List.of(), true, 300L);
    }
}
