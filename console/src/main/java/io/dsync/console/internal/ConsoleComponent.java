package io.dsync.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.registry.NodeRegistry;

/**
 * The console of a console node: starts its web server when the bundle starts (configuration {@code io.dsync.console}),
 * stops it, and frees its port, when the bundle stops or the configuration changes. It calls the nodes with the
 * node's own admin token ({@link AdminTokenComponent}), whose changes apply without a restart.
 *
 * <p>The registry is optional and dynamic: without it (Redis down, registry bundle updated) the console keeps serving
 * and says that it cannot list the nodes.
 */
@Component(service = {}, immediate = true, configurationPid = ConsoleConfig.PID)
public final class ConsoleComponent {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleComponent.class);
    /** The Metrics view: a poll of every node's metrics at most every 2 s, five minutes of history. */
    private static final Duration METRICS_PERIOD = Duration.ofSeconds(2);
    private static final Duration METRICS_WINDOW = Duration.ofMinutes(5);
    /** A rolling update waits this long for each node's /health UP after its update, looking this often. */
    private static final Duration ROLLOUT_HEALTH_TIMEOUT = Duration.ofSeconds(60);
    /** A node updated by a rolling update stays UP this long before the next (a cache node's homes need about 3 s). */
    private static final Duration ROLLOUT_STAY_UP = Duration.ofSeconds(5);
    private static final Duration ROLLOUT_POLL = Duration.ofMillis(500);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile NodeRegistry registry;

    private final ClusterMonitor monitor;
    private final LocksMonitor locks;
    private final MetricsMonitor metrics;
    private final QueuesMonitor queues;
    private final CacheMonitor cache;
    private final BundleActions bundles;
    private final ConsoleServer server;

    @Activate
    public ConsoleComponent(ConsoleConfig config, @Reference AdminTokenComponent admin) throws Exception {
        long t0 = System.nanoTime();
        if (config.port() < 1 || config.port() > 65535 || config.pollMillis() < 100 || config.nodeTimeoutMillis() < 100
                || config.maxLocks() < 1 || config.maxLocks() > 10_000) {
            throw new IllegalArgumentException("console: port must be 1 to 65535, pollMillis and nodeTimeoutMillis at "
                    + "least 100, maxLocks 1 to 10000; got " + config.port() + ", " + config.pollMillis() + ", "
                    + config.nodeTimeoutMillis() + ", " + config.maxLocks());
        }
        UserDirectory.Parsed users = UserDirectory.parse(config.users());
        users.problems().forEach(p -> LOG.error("Console: {} (etc/io.dsync.console.cfg); that user cannot sign in", p));
        if (users.directory().size() == 0) {
            LOG.warn("Console: no user is configured, so nobody can sign in: add name:role:bcrypt-hash entries to "
                    + "'users' in etc/io.dsync.console.cfg");
        }
        Clock clock = Clock.systemUTC();
        AdminHttp http = new AdminHttp(config.nodeTimeoutMillis(), admin::token);
        monitor = new ClusterMonitor(() -> registry, new HttpHealthProbe(http), clock,
                Duration.ofMillis(config.pollMillis()), Duration.ofSeconds(config.forgetDownAfterSeconds()));
        locks = new LocksMonitor(() -> registry, new HttpLockAdmin(http), clock, Duration.ofMillis(config.pollMillis()),
                config.maxLocks());
        metrics = new MetricsMonitor(monitor, MetricsMonitor.over(http), clock, METRICS_PERIOD, METRICS_WINDOW);
        queues = new QueuesMonitor(() -> registry, AdminGet.over(http, 16 << 20), clock,
                Duration.ofMillis(config.pollMillis()));
        cache = new CacheMonitor(() -> registry, AdminGet.over(http, 16 << 20), clock,
                Duration.ofMillis(config.pollMillis()), METRICS_WINDOW);
        bundles = new BundleActions(new HttpBundleAdmin(http), new RollingUpdate(new HttpBundleAdmin(http),
                new HttpHealthProbe(http), clock, d -> Thread.sleep(d.toMillis()), ROLLOUT_HEALTH_TIMEOUT, ROLLOUT_STAY_UP,
                ROLLOUT_POLL));
        try {
            server = new ConsoleServer(config.bind(), config.port(), new ConsoleContext(monitor, locks,
                    new LockActions(locks::closeSession), metrics, users.directory(), clock, queues, cache, bundles));
        } catch (Exception e) {
            bundles.close();
            cache.close();
            queues.close();
            metrics.close();
            locks.close();
            monitor.close();
            LOG.error("Console: could not serve on {}:{}: {}", config.bind(), config.port(), e.toString());
            throw e;
        }
        LOG.info("Console: serving http://{}:{}/ ({} users) after {} ms", config.bind(), server.address().getPort(),
                users.directory().size(), (System.nanoTime() - t0) / 1_000_000);
    }

    @Deactivate
    void deactivate() throws Exception {
        Instant t0 = Instant.now();
        try {
            server.stop();
        } finally {
            bundles.close();
            cache.close();
            queues.close();
            metrics.close();
            locks.close();
            monitor.close();
        }
        LOG.info("Console: stopped in {} ms", Duration.between(t0, Instant.now()).toMillis());
    }
}
