package io.dsync.admin.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.http.AdminAccess;
import io.dsync.http.HttpCalls;
import io.dsync.http.HttpCalls.Reply;
import io.dsync.http.HttpError;
import io.dsync.registry.Bundles;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Bundle management over HTTP. Reads are open; writes need the admin token ({@link AdminAccess#requireAdmin}).
 *
 * <pre>
 * GET    /bundles                 list
 * GET    /bundles/{id}            one bundle
 * POST   /bundles[?start=false]   install the JAR in the body (and start it unless start=false)
 * PUT    /bundles/{id}            update the bundle from the JAR in the body
 * POST   /bundles/{id}/update     update the bundle from its location
 * POST   /bundles/{id}/start      start
 * POST   /bundles/{id}/stop       stop
 * DELETE /bundles/{id}            uninstall
 * </pre>
 *
 * <p>An uninstall is followed by a refresh of the bundle's dependency closure, so no bundle keeps using the old
 * revision. An update of a bundle that other bundles use stops it, updates and refreshes it while it is stopped, and
 * starts it again, so that it and its users restart once (see {@link #update}); one nobody uses is updated in place. When that closure includes this admin bundle, the operation runs after the response (202 Accepted),
 * since the refresh restarts the bundle serving the request. A request that is refused (4xx) changes nothing: a bundle
 * installed by a request but unable to start is uninstalled again.
 *
 * <p>Refusals use the toolkit's error shape {@code {"error": code, "message": text}}: 400 {@code invalid} (not a
 * bundle, or another bundle than the one addressed), 401 {@code token}, 403 {@code admin-disabled} (no admin token)
 * or {@code protected} (the system bundle), 404 {@code not-found}, 405 {@code method}, 409 {@code already-installed},
 * {@code busy} (another bundle operation runs), {@code no-location} (an update from the location of a bundle installed
 * from an upload) or {@code protected} (the admin bundle itself), 413 {@code too-large},
 * 422 {@code not-started} (an install that does not start, rolled back) or {@code failed} (start, stop, update or
 * uninstall failed), 503 {@code interrupted}.
 */
@Component(service = {}, immediate = true, configurationPid = "io.dsync.admin")
@Designate(ocd = AdminConfig.class)
public final class BundlesServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BundlesServlet.class);
    private static final Set<String> ACTIONS = Set.of("update", "start", "stop");
    /** The location scheme of bundles installed from a request's body. */
    private static final String UPLOAD = "upload:";

    private final transient BundleContext context;
    private final transient AdminAccess access;
    private volatile long maxUploadBytes;
    /**
     * One bundle operation at a time. A permit, not a lock: an operation deferred past its 202 answer (one whose
     * refresh restarts this API) keeps it on the deferred thread until done, so no second operation runs meanwhile.
     */
    private final transient Semaphore writes = new Semaphore(1);
    private final transient ExecutorService deferred = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dsync-admin-deferred");
        t.setDaemon(true);
        return t;
    });

    /**
     * Registered by hand, with the whiteboard pattern only: a component's service gets its configuration as service
     * properties, and this configuration holds the admin token, which every bundle could then read from the registry.
     */
    private transient ServiceRegistration<Servlet> registration;
    /** Deactivated: a request that waited for the permit meanwhile must not use this bundle's stale context. */
    private volatile boolean stopped;

    @Activate
    public BundlesServlet(BundleContext context, AdminConfig config, @Reference AdminAccess access) {
        this.context = context;
        this.access = access;
        this.maxUploadBytes = maxUploadBytes(config);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.http.whiteboard.servlet.pattern", new String[] {"/bundles", "/bundles/*"});
        this.registration = context.registerService(Servlet.class, this, props);
    }

    /**
     * A change of {@code etc/io.dsync.admin.cfg} (the upload limit here, the token in {@link AdminAccess}) applies
     * without re-registering this servlet, so no request meets a moment without {@code /bundles}.
     */
    @Modified
    void modified(AdminConfig config) {
        this.maxUploadBytes = maxUploadBytes(config);
    }

    private static long maxUploadBytes(AdminConfig config) {
        return Math.max(1, config.maxUploadMiB()) * 1024L * 1024L;
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping: the framework unregistered it
        }
        stopped = true;
        // Deferred work that is already running finishes on its own thread; it does not need this component.
        deferred.shutdown();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> {
            Path path = Path.parse(req.getPathInfo());
            if (path == null || path.action() != null) {
                throw HttpError.notFound("no such resource; try GET /bundles or GET /bundles/{id}");
            }
            if (path.id() == null) {
                return Reply.ok(Map.of("bundles", List.of(context.getBundles()).stream().map(BundleView::of).toList()));
            }
            return Reply.ok(BundleView.of(bundle(path.id())));
        });
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> write(req, resp, "POST"));
    }

    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> write(req, resp, "PUT"));
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> write(req, resp, "DELETE"));
    }

    private Reply write(HttpServletRequest req, HttpServletResponse resp, String method) throws IOException, InterruptedException {
        access.requireAdmin(req);
        Path path = Path.parse(req.getPathInfo());
        if (path == null) {
            throw HttpError.notFound("no such resource: bundle ids are numbers, e.g. /bundles/12");
        }
        boolean install = method.equals("POST") && path.id() == null;
        boolean action = method.equals("POST") && path.id() != null && path.action() != null;
        boolean replace = method.equals("PUT") && path.id() != null && path.action() == null;
        boolean remove = method.equals("DELETE") && path.id() != null && path.action() == null;
        if (!(install || action || replace || remove)) {
            throw new HttpError(405, HttpError.METHOD, method + " is not supported on " + req.getRequestURI()
                    + "; see POST /bundles, PUT /bundles/{id}, POST /bundles/{id}/{update|start|stop}, DELETE /bundles/{id}");
        }
        if (action && !ACTIONS.contains(path.action())) {
            throw HttpError.notFound("unknown action '" + path.action() + "'; use update, start or stop");
        }
        BundleUpload upload = null;
        if (install || replace) {
            try {
                upload = BundleUpload.read(req.getInputStream(), maxUploadBytes);
            } catch (BundleUpload.TooLargeException e) {
                throw new HttpError(413, "too-large", e.getMessage());
            } catch (BundleUpload.InvalidBundleException e) {
                throw HttpError.invalid(e.getMessage());
            }
        }
        if (!writes.tryAcquire(30, TimeUnit.SECONDS)) {
            throw HttpError.conflict("busy", "another bundle operation is still running; try again");
        }
        boolean handedOver = false;
        try {
            if (stopped) {
                throw new HttpError(503, HttpError.API_DOWN, "the admin API restarted while this request waited for the "
                        + "operation before it; try again");
            }
            if (install) {
                return install(upload, !"false".equals(req.getParameter("start")), req, resp);
            }
            Bundle target = bundle(path.id());
            if (target.getBundleId() == 0) {
                throw new HttpError(403, "protected", "the system bundle cannot be changed over HTTP; restart the node instead");
            }
            String verb = remove ? "uninstall" : replace ? "update" : path.action();
            if (replace && !upload.symbolicName().equals(target.getSymbolicName())) {
                throw HttpError.invalid("the upload is bundle " + upload.symbolicName() + ", but bundle " + target.getBundleId()
                        + " is " + target.getSymbolicName() + "; install it with POST /bundles instead");
            }
            if (target.getBundleId() == context.getBundle().getBundleId() && (verb.equals("stop") || verb.equals("uninstall"))) {
                throw HttpError.conflict("protected", "refusing to " + verb + " the admin bundle over its own API: the node would lose it");
            }
            if ((verb.equals("stop") || verb.equals("uninstall")) && adminDependsOn(target)) {
                throw HttpError.conflict("protected", "refusing to " + verb + " " + target.getSymbolicName() + " ["
                        + target.getBundleId() + "]: the admin API depends on it, and the node would lose its HTTP API "
                        + "(nothing could start it again but a restart); update it instead, or restart the node");
            }
            if (verb.equals("update") && !replace && target.getLocation().startsWith(UPLOAD)) {
                throw HttpError.conflict("no-location", "bundle " + target.getSymbolicName() + " [" + target.getBundleId()
                        + "] was installed from an upload and has no location to update from; send the new JAR with PUT /bundles/"
                        + target.getBundleId());
            }
            byte[] bytes = replace ? upload.bytes() : null;
            if ((verb.equals("update") || verb.equals("uninstall")) && refreshReaches(target, context.getBundle())) {
                String who = req.getRemoteAddr();
                deferred.execute(() -> {
                    try {
                        change(target, verb, bytes);
                        LOG.info("Admin: {} of bundle {} [{}] requested by {} done", verb, target.getSymbolicName(), target.getBundleId(), who);
                    } catch (BundleException | RuntimeException e) {
                        LOG.error("Admin: {} of bundle {} [{}] requested by {} failed: {}", verb, target.getSymbolicName(), target.getBundleId(), who, e.getMessage());
                    } finally {
                        writes.release();
                    }
                });
                handedOver = true;
                return Reply.of(202, Map.of("accepted", verb, "bundle", BundleView.of(target),
                        "note", "this refresh restarts the admin API; poll GET /bundles/" + target.getBundleId()));
            }
            try {
                change(target, verb, bytes);
            } catch (BundleException e) {
                LOG.warn("Admin: {} of bundle {} [{}] by {} failed: {}", verb, target.getSymbolicName(), target.getBundleId(),
                        req.getRemoteAddr(), e.getMessage());
                throw new HttpError(422, "failed", verb + " of bundle " + target.getSymbolicName() + " [" + target.getBundleId() + "] failed: " + e.getMessage());
            }
            LOG.info("Admin: {} of bundle {} [{}] by {}", verb, target.getSymbolicName(), target.getBundleId(), req.getRemoteAddr());
            return Reply.ok(BundleView.of(target));
        } finally {
            if (!handedOver) {
                writes.release();
            }
        }
    }

    private Bundle bundle(long id) {
        Bundle b = context.getBundle(id);
        if (b == null) {
            throw HttpError.notFound("no bundle with id " + id);
        }
        return b;
    }

    private Reply install(BundleUpload upload, boolean start, HttpServletRequest req, HttpServletResponse resp) {
        String location = UPLOAD + upload.symbolicName() + "/" + upload.version() + "/"
                + HexFormat.of().formatHex(sha256(upload.bytes())).substring(0, 16);
        for (Bundle existing : context.getBundles()) {
            if (upload.symbolicName().equals(existing.getSymbolicName())
                    && existing.getVersion().toString().equals(upload.version())) {
                throw HttpError.conflict("already-installed", upload.symbolicName() + " " + upload.version() + " is already installed as bundle "
                        + existing.getBundleId() + "; update it with PUT /bundles/" + existing.getBundleId());
            }
        }
        Bundle installed;
        try {
            installed = context.installBundle(location, new ByteArrayInputStream(upload.bytes()));
        } catch (BundleException e) {
            String message = "cannot install " + upload.symbolicName() + " " + upload.version() + ": " + e.getMessage();
            throw e.getType() == BundleException.DUPLICATE_BUNDLE_ERROR
                    ? HttpError.conflict("already-installed", message) : HttpError.invalid(message);
        }
        boolean fragment = installed.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
        if (start && !fragment) {
            try {
                installed.start();
            } catch (BundleException e) {
                rollBack(installed);
                throw new HttpError(422, "not-started", "bundle " + upload.symbolicName() + " " + upload.version()
                        + " does not start, so it was not kept: " + e.getMessage());
            }
        }
        LOG.info("Admin: installed bundle {} {} [{}] by {}", upload.symbolicName(), upload.version(), installed.getBundleId(), req.getRemoteAddr());
        resp.setHeader("Location", "/bundles/" + installed.getBundleId());
        return Reply.of(201, BundleView.of(installed));
    }

    private void rollBack(Bundle installed) {
        try {
            installed.uninstall();
            refresh(List.of(installed));
        } catch (BundleException | RuntimeException e) {
            LOG.error("Admin: could not roll back the install of bundle [{}]: {}", installed.getBundleId(), e.getMessage());
        }
    }

    private void change(Bundle target, String verb, byte[] bytes) throws BundleException {
        switch (verb) {
            case "start" -> target.start();
            case "stop" -> target.stop();
            case "uninstall" -> {
                target.uninstall();
                refresh(List.of(target));
            }
            case "update" -> update(target, bytes);
            default -> throw new IllegalArgumentException(verb);
        }
    }

    /**
     * Updates a bundle. One that other bundles use is stopped first, updated and refreshed while stopped (so its
     * users move to the new revision), then started: its services and their users go down and come up once. An
     * update followed by a refresh would restart them twice, each stop waiting for what its users finish (a cache
     * client writing its modified copies back, say). A bundle nobody uses is updated in place (the update restarts
     * it). A failed update from an upload restores the previous version when its location can still be read (an
     * update from the location has nothing to restore: the file there is the new version), and says whether it did.
     */
    private void update(Bundle target, byte[] bytes) throws BundleException {
        FrameworkWiring framework = context.getBundle(0).adapt(FrameworkWiring.class);
        byte[] previous = bytes == null ? null : readLocation(target);
        boolean used = usedByOthers(target) && target.getBundleId() != context.getBundle().getBundleId();
        boolean restart = used && active(target);
        // The users that run now must run again after the update; the refresh restarts them.
        List<Bundle> users = !used ? List.of() : framework.getDependencyClosure(List.of(target)).stream()
                .filter(b -> b.getBundleId() != target.getBundleId() && active(b)).toList();
        if (restart) {
            target.stop(Bundle.STOP_TRANSIENT);
        }
        try (InputStream in = bytes == null ? null : new ByteArrayInputStream(bytes)) {
            target.update(in);
            if (used) {
                // Resolved first, while its users still run on the old revision: a version that cannot resolve is
                // undone before the refresh takes the users down with it.
                if (!framework.resolveBundles(List.of(target))) {
                    target.start(Bundle.START_TRANSIENT); // throws the reason
                    throw new BundleException("the new version does not resolve", BundleException.RESOLVE_ERROR);
                }
                refresh(List.of(target));
            }
            if (restart) {
                target.start(Bundle.START_TRANSIENT);
            }
            List<String> stopped = users.stream().filter(b -> !active(b)).map(Bundle::getSymbolicName).toList();
            if (!stopped.isEmpty()) {
                throw new BundleException("bundles " + stopped + " that use it do not start with the new version",
                        BundleException.RESOLVE_ERROR);
            }
        } catch (BundleException e) {
            String restored = previous == null
                    ? " (the previous version could not be restored: no copy of it is readable; the node keeps the new one)"
                    : restore(target, previous, used, restart, users);
            throw new BundleException(e.getMessage() + restored, e.getType(), e);
        } catch (IOException e) {
            throw new BundleException("cannot read the upload: " + e.getMessage(), e);
        }
        if (!used && framework.getRemovalPendingBundles().contains(target)) {
            refresh(List.of(target)); // the admin bundle itself, or a user that wired to it meanwhile
        }
    }

    /**
     * Whether the admin bundle depends on a bundle, directly or through others: it provides a package or a capability
     * (SCR's extender, the HTTP runtime's servlet API) wired to the admin bundle or to one of its providers.
     */
    private boolean adminDependsOn(Bundle target) {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        java.util.ArrayDeque<Bundle> todo = new java.util.ArrayDeque<>(List.of(context.getBundle()));
        while (!todo.isEmpty()) {
            BundleWiring wiring = todo.pop().adapt(BundleWiring.class);
            if (wiring == null) {
                continue;
            }
            for (org.osgi.framework.wiring.BundleWire wire : wiring.getRequiredWires(null)) {
                Bundle provider = wire.getProviderWiring().getBundle();
                if (provider.getBundleId() == target.getBundleId()) {
                    return true;
                }
                if (provider.getBundleId() != 0 && seen.add(provider.getBundleId())) {
                    todo.push(provider);
                }
            }
        }
        return false;
    }

    private static boolean active(Bundle b) {
        return (b.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
    }

    /** Tells whether another bundle is wired to the bundle's current revision (imports from it, requires it...). */
    private static boolean usedByOthers(Bundle target) {
        BundleWiring wiring = target.adapt(BundleWiring.class);
        return wiring != null && wiring.getProvidedWires(null).stream()
                .anyMatch(w -> w.getRequirerWiring().getBundle().getBundleId() != target.getBundleId());
    }

    /** Puts the previous version back; returns what to tell the caller. */
    private String restore(Bundle target, byte[] previous, boolean used, boolean restart, List<Bundle> users) {
        try {
            target.update(new ByteArrayInputStream(previous));
            if (used) {
                refresh(List.of(target));
            }
            if (restart) {
                target.start(Bundle.START_TRANSIENT);
            }
            for (Bundle user : users) {
                if (!active(user)) {
                    user.start(Bundle.START_TRANSIENT); // a user the failed version left unresolved
                }
            }
            return " (the previous version was restored)";
        } catch (BundleException e) {
            LOG.error("Admin: could not restore bundle {} [{}]: {}", target.getSymbolicName(), target.getBundleId(), e.getMessage());
            return " (restoring the previous version failed too: " + e.getMessage() + ")";
        }
    }

    /** The JAR behind a file location, so that a failed update can be undone; {@code null} when not readable. */
    private static byte[] readLocation(Bundle b) {
        String location = b.getLocation();
        if (!location.startsWith("file:")) {
            return null;
        }
        try (InputStream in = URI.create(location).toURL().openStream()) {
            return in.readAllBytes();
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private boolean refreshReaches(Bundle target, Bundle admin) {
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        return wiring.getDependencyClosure(List.of(target)).contains(admin);
    }

    private void refresh(List<Bundle> bundles) {
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(bundles, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED || event.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        try {
            if (!done.await(60, TimeUnit.SECONDS)) {
                LOG.warn("Admin: refresh of {} did not finish within 60 s", bundles);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The path after {@code /bundles}: nothing, {@code /{id}} or {@code /{id}/{action}}. */
    record Path(Long id, String action) {
        /** @return the parsed path, or {@code null} when it does not have one of the three shapes */
        static Path parse(String pathInfo) {
            if (pathInfo == null || pathInfo.equals("/")) {
                return new Path(null, null);
            }
            String[] parts = pathInfo.substring(1).split("/", -1);
            if (parts.length > 2) {
                return null;
            }
            try {
                long id = Long.parseLong(parts[0]);
                return id < 0 ? null : new Path(id, parts.length == 2 ? parts[1] : null);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** What the API shows of a bundle. */
    record BundleView(long id, String symbolicName, String version, String state, boolean fragment, String location,
                      long lastModified) {
        static BundleView of(Bundle b) {
            var info = Bundles.describe(b);
            return new BundleView(info.id(), info.symbolicName(), info.version(), info.state(), info.fragment(),
                    b.getLocation(), b.getLastModified());
        }
    }
}
