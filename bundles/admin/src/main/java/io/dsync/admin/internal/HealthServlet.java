package io.dsync.admin.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

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
 * {@code GET /health}: 200 with {@code "status": "UP"} when every bundle is in its healthy state, Redis answers and
 * the node is registered; otherwise 503 with {@code "status": "DEGRADED"} and the reasons in {@code problems}.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/health")
public final class HealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient BundleContext context;
    private final transient NodeIdentity identity;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RedisConnection redis;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile NodeRegistry registry;

    @Activate
    public HealthServlet(BundleContext context) {
        this.context = context;
        this.identity = NodeIdentity.from(context::getProperty);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Map<String, Object> body = report(Bundles.describe(context), redis, registry);
        Json.write(resp, "UP".equals(body.get("status")) ? 200 : 503, body);
    }

    Map<String, Object> report(List<BundleInfo> bundles, RedisConnection redis, NodeRegistry registry) {
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

        List<BundleInfo> unhealthy = bundles.stream().filter(b -> !b.healthy()).toList();
        for (BundleInfo b : unhealthy) {
            problems.add("bundle " + b.symbolicName() + " [" + b.id() + "] is " + b.state());
        }
        body.put("bundles", bundles);
        body.put("status", problems.isEmpty() ? "UP" : "DEGRADED");
        body.put("problems", problems);
        return body;
    }
}
