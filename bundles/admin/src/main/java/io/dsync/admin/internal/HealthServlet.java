package io.dsync.admin.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.health.Health;
import io.dsync.health.HealthContributor;
import io.dsync.http.HttpCalls;
import io.dsync.http.HttpCalls.Reply;
import io.dsync.redis.RedisConnection;
import io.dsync.redis.RedisHealth;
import io.dsync.registry.BundleInfo;
import io.dsync.registry.Bundles;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeRegistry;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /health}: 200 with {@code "status": "UP"} when every bundle is in its healthy state, Redis answers, the
 * node is registered and every {@link HealthContributor} is healthy; otherwise 503 with {@code "status": "DEGRADED"}
 * and the reasons in {@code problems} (a contributor's prefixed with its name). {@code contributors} shows each
 * contributor as {@code {name: {status, problems}}}.
 *
 * <p>Contributors are tracked dynamically (any number, greedy), so one that comes or goes with its bundle is counted
 * from the next request on. A contributor that throws is reported as a problem with the exception's message; it is
 * logged at WARN once per distinct failure, not on every poll.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/health")
public final class HealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(HealthServlet.class);

    private final transient NodeIdentity identity;
    private final transient Supplier<List<BundleInfo>> bundles;
    private final transient Supplier<List<String>> missingServices;
    /** The latest failure of each contributor that threw, so each is logged once, not on every poll. */
    private final transient Map<String, String> failures = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RedisConnection redis;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile NodeRegistry registry;

    /** Replaced by SCR as contributors come and go, ordered by service ranking. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<HealthContributor> contributors = List.of();

    /**
     * Services every node runs whose absence no bundle state shows: a component that failed to start (node messaging
     * whose port was taken) leaves its bundle ACTIVE. Looked up by class name, so this bundle does not wire to them
     * (an update of theirs does not restart the admin API).
     */
    private static final Map<String, String> NODE_SERVICES = Map.of("io.dsync.messaging.Messaging",
            "node messaging is not running (its component did not start: the node log says why, e.g. its port is "
                    + "taken); queue and cache calls through this node fail, and its lock and cache roles cannot serve");

    @Activate
    public HealthServlet(BundleContext context) {
        this(NodeIdentity.from(context::getProperty), () -> Bundles.describe(context), () -> missing(context));
    }

    /** For tests: a node with this identity, these bundles and these problems of missing services. */
    HealthServlet(NodeIdentity identity, Supplier<List<BundleInfo>> bundles, Supplier<List<String>> missingServices) {
        this.identity = identity;
        this.bundles = bundles;
        this.missingServices = missingServices;
    }

    private static List<String> missing(BundleContext context) {
        List<String> problems = new ArrayList<>();
        NODE_SERVICES.forEach((service, problem) -> {
            if (context.getServiceReference(service) == null) {
                problems.add(problem);
            }
        });
        return problems;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> {
            Map<String, Object> body = report(bundles.get(), redis, registry, contributors);
            return Reply.of("UP".equals(body.get("status")) ? 200 : 503, body);
        });
    }

    Map<String, Object> report(List<BundleInfo> bundles, RedisConnection redis, NodeRegistry registry,
                               List<HealthContributor> contributors) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", null); // filled in last, listed first
        body.put("node", identity.id());
        body.put("cluster", identity.cluster());
        body.put("roles", identity.roles());
        body.put("host", identity.host());
        body.put("ports", identity.ports());
        body.put("version", identity.version());
        body.put("startedAt", identity.startedAt());

        Map<String, Object> redisBody = new LinkedHashMap<>();
        if (redis == null) {
            redisBody.put("reachable", false);
            redisBody.put("error", "no Redis connection: check etc/io.dsync.redis.cfg and the node log");
            problems.add("Redis is not configured or its configuration is invalid");
        } else {
            RedisHealth h = redis.health();
            redisBody.put("reachable", h.reachable());
            redisBody.put("endpoint", h.endpoint());
            redisBody.put("latencyMicros", h.latencyMicros());
            redisBody.put("error", h.error());
            if (!h.reachable()) {
                problems.add("Redis unreachable at " + h.endpoint() + ": " + h.error());
            }
        }
        body.put("redis", redisBody);

        Map<String, Object> registryBody = new LinkedHashMap<>();
        if (registry == null) {
            registryBody.put("registered", false);
            problems.add("node registry is not running (it needs Redis)");
        } else {
            registryBody.put("registered", registry.problem().isEmpty());
            registryBody.put("lastHeartbeat", registry.lastHeartbeat().map(Object::toString).orElse(null));
            registry.problem().ifPresent(p -> {
                registryBody.put("problem", p);
                problems.add(p);
            });
        }
        body.put("registry", registryBody);

        Map<String, Object> contributorsBody = new LinkedHashMap<>();
        for (HealthContributor c : contributors) {
            String name = uniqueName(nameOf(c), contributorsBody);
            List<String> own = problemsOf(name, c);
            own.forEach(p -> problems.add(name + ": " + p));
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("status", own.isEmpty() ? "UP" : "DEGRADED");
            one.put("problems", own);
            contributorsBody.put(name, one);
        }
        body.put("contributors", contributorsBody);

        List<BundleInfo> unhealthy = bundles.stream().filter(b -> !b.healthy()).toList();
        for (BundleInfo b : unhealthy) {
            problems.add("bundle " + b.symbolicName() + " [" + b.id() + "] is " + b.state());
        }
        problems.addAll(missingServices.get());
        body.put("bundles", bundles);
        body.put("status", problems.isEmpty() ? "UP" : "DEGRADED");
        body.put("problems", problems);
        return body;
    }

    private static String nameOf(HealthContributor c) {
        try {
            String name = c.name();
            return name == null || name.isBlank() ? c.getClass().getName() : name;
        } catch (RuntimeException e) {
            return c.getClass().getName();
        }
    }

    /** Two contributors with one name are both shown: the second as {@code name#2}. */
    private static String uniqueName(String name, Map<String, Object> taken) {
        String unique = name;
        for (int i = 2; taken.containsKey(unique); i++) {
            unique = name + "#" + i;
        }
        return unique;
    }

    private List<String> problemsOf(String name, HealthContributor c) {
        String failure;
        try {
            Health h = c.health();
            if (h != null) {
                failures.remove(name);
                return h.problems();
            }
            failure = "health check returned nothing";
        } catch (RuntimeException | LinkageError e) {
            // A LinkageError, too: a contributor whose bundle is being refreshed must not take /health down with it.
            failure = "health check failed: " + e;
        }
        if (!failure.equals(failures.put(name, failure))) {
            LOG.warn("Health: contributor {} {}", name, failure);
        }
        return List.of(failure);
    }
}
