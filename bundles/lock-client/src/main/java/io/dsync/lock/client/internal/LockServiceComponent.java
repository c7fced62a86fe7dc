package io.dsync.lock.client.internal;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import com.codahale.metrics.MetricRegistry;

import io.dsync.lock.LeaseExpiredException;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockHolder;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockService;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockException;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.ClientLockSession;
import io.dsync.lock.client.LockTransport;
import io.dsync.lock.client.RebindingTransport;
import io.dsync.lock.client.SessionHandover;
import io.dsync.lock.client.Outcomes;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.client.raft.ShardedLockClient;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.core.RejectReason;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeRegistry;

/**
 * {@link LockService} on every node, whatever its roles: a client of the lock Raft group, whose members it finds in the
 * node registry (lock nodes and their raft ports). The client is made on first use; the registry is read again at most
 * every {@value #RECHECK_SECONDS} s (not on every call), and when the set of lock nodes changed (a node crashed, left
 * or joined), a Raft client over the new set replaces the old one under the same sessions ({@link RebindingTransport}).
 * Also the linearizable lock table for the HTTP API ({@link LockTableSource}), and the client-side lock metrics.
 * <p>
 * <strong>Hot swap.</strong> When this component stops while the node goes on (its bundle, or one it uses, is updated
 * or restarted), it hands the default session over ({@link SessionHandover}, in a file of the bundle's data area)
 * instead of closing it, so the locks that other bundles took through this service's own methods stay held; the next
 * instance resumes it when it starts, and calls on the default session wait for that.
 */
@Component(service = {LockService.class, LockTableSource.class})
public final class LockServiceComponent implements LockService, LockTableSource {

    private static final Logger LOG = LoggerFactory.getLogger(LockServiceComponent.class);

    static final int RECHECK_SECONDS = 5;
    /** For this long after a failed attempt to connect, callers without a client fail at once. */
    private static final long FAIL_FAST_NANOS = 1_000_000_000L;

    /** How long a replaced Raft client stays open beyond its quorum timeout, for the polls in flight on it. */
    private static final Duration RETIRE_DELAY = Duration.ofSeconds(2);

    /** The previous instance's default session, in this bundle's data area while it waits to be resumed. */
    static final String DEFAULT_SESSION_FILE = "lock-default-session.bin";

    private final BundleContext context;
    private final NodeIdentity identity;
    /** The previous instance's default session once resumed (failed if it was not); null when none was handed over. */
    private final CompletableFuture<ClientLockSession> defaultResumed;
    private final Thread resumer;
    private volatile boolean stopping;
    private long checkedAt;
    private final NodeRegistry registry;
    private Map<String, InetSocketAddress> peers = Map.of();
    private boolean deactivated;
    /** The connection attempt that runs (outside the monitor), completed when it ends; null when none runs. */
    private CompletableFuture<Void> connecting;
    /** Why the last connection attempt failed, and when; null after one succeeded. */
    private String failure;
    private long failedAt;
    private RebindingTransport transport;
    private ClientLockService service;
    private final LockClientMetrics metrics;

    @Activate
    public LockServiceComponent(BundleContext context, @Reference NodeRegistry registry, @Reference MetricRegistry metrics) {
        this.context = context;
        this.identity = NodeIdentity.from(context::getProperty);
        this.registry = registry;
        this.metrics = new LockClientMetrics(metrics);
        File file = context.getDataFile(DEFAULT_SESSION_FILE);
        SessionHandover handedOver = null;
        if (file != null && file.exists()) {
            try {
                handedOver = SessionHandover.load(file.toPath()).stream().findFirst().orElse(null);
            } catch (IOException e) {
                LOG.warn("The default lock session handed over by the previous instance could not be read ({}); it "
                        + "ends after its TTL", e.toString());
            }
        }
        if (handedOver == null) {
            this.defaultResumed = null;
            this.resumer = null;
            if (file != null) {
                file.delete();
            }
        } else {
            this.defaultResumed = new CompletableFuture<>();
            SessionHandover resumed = handedOver;
            this.resumer = new Thread(() -> resumeDefault(file, resumed, file.lastModified()),
                    "dsync-lock-default-session");
            resumer.setDaemon(true);
            resumer.start();
        }
    }

    @Deactivate
    void deactivate() {
        stopping = true;
        if (resumer != null) {
            // Its resume under way ends first (bounded by the quorum timeout), not interrupted: a session renewed in
            // the lock table and then dropped here would be closed below with its locks, its file left behind.
            try {
                resumer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            deactivated = true;
            if (service != null && !LockHttpApi.nodeStopping(context)) {
                handOverDefault();
            }
            closeClient();
        }
        metrics.remove();
    }

    /**
     * Leaves the default session, with the locks taken through this service's own methods, to the next instance
     * (a bundle update or restart): closing it would release them under their holders.
     */
    private void handOverDefault() {
        SessionHandover h;
        try {
            h = service.handOverDefaultSession().get(2 * blockingBoundLocked().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("The default lock session could not be handed over ({}); its locks are released", e.toString());
            return;
        }
        File file = context.getDataFile(DEFAULT_SESSION_FILE);
        if (h == null || file == null) {
            return;
        }
        try {
            SessionHandover.save(file.toPath(), List.of(h));
            LOG.info("The default lock session ({} lock(s)) is handed over to the next instance of the lock client",
                    h.held().size());
        } catch (IOException e) {
            LOG.warn("The default lock session could not be handed over ({}); it ends after its TTL", e.toString());
        }
    }

    /**
     * Resumes the default session that the previous instance handed over, again every half second while the lock
     * group cannot renew it, until it is resumed, ended or past its TTL; then deletes the file. A stop before it is
     * resumed leaves the file to the next instance; once resumed, it is the default session, which a stop hands on.
     */
    private void resumeDefault(File file, SessionHandover h, long handedOverAtMillis) {
        try {
            while (!stopping) {
                Resumed r;
                try {
                    r = resume(List.of(h));
                } catch (RuntimeException e) {
                    r = new Resumed(Map.of(), Set.of());
                    LOG.debug("Resuming the default lock session failed for now: {}", e.toString());
                }
                LockSession live = r.live().get(h.id().value());
                if (live != null) {
                    LOG.info("Resumed the default lock session handed over by the previous instance, {} lock(s)",
                            live.heldLocks().size());
                    defaultResumed.complete((ClientLockSession) live);
                    file.delete();
                    return;
                }
                if (!r.gone().isEmpty() || System.currentTimeMillis() - handedOverAtMillis > h.ttl().toMillis()) {
                    LOG.info("The default lock session handed over by the previous instance had ended; a new one "
                            + "is opened");
                    file.delete();
                    return;
                }
                Thread.sleep(500);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // not expected: nothing interrupts this thread
        } finally {
            defaultResumed.completeExceptionally(new LeaseExpiredException(h.id(), null, "the default session handed "
                    + "over by the previous instance was not resumed"));
        }
    }

    /**
     * The service over the current lock nodes; throws NoQuorumException when there are none. When the set of lock
     * nodes changes, a new Raft client replaces the old one under the same service: sessions and locks live on.
     * <p>
     * Connecting asks the lock nodes how many groups there are (up to a second per node that does not answer). It runs
     * outside this object's monitor, one attempt at a time: meanwhile the other callers go on with the current client,
     * or, when there is none yet, wait for that attempt and share its outcome; for a second after an attempt failed,
     * callers without a client fail at once. (They used to wait behind the monitor for a probe of their own after every
     * caller before them: HTTP requests piled up on a node whose lock nodes did not answer.)
     */
    private ClientLockService service() {
        while (true) {
            Map<String, InetSocketAddress> target;
            CompletableFuture<Void> attempt;
            synchronized (this) {
                if (deactivated) {
                    throw new LockException("the lock service of this node is stopped");
                }
                if (service != null && System.nanoTime() - checkedAt < RECHECK_SECONDS * 1_000_000_000L) {
                    return service;
                }
                if (service == null && failure != null && System.nanoTime() - failedAt < FAIL_FAST_NANOS) {
                    throw new NoQuorumException(Duration.ZERO, failure);
                }
                if (connecting != null) {
                    if (service != null) {
                        return service;
                    }
                    target = null;
                    attempt = connecting;
                } else {
                    checkedAt = System.nanoTime();
                    Map<String, InetSocketAddress> now;
                    try {
                        now = LockRaftGroup.lockNodes(registry.nodes());
                    } catch (RuntimeException e) {
                        return current("cannot find the lock nodes: " + e.getMessage());
                    }
                    if (now.isEmpty()) {
                        return current("no lock node is registered in cluster '" + identity.cluster() + "'");
                    }
                    if (service != null && now.equals(peers)) {
                        return service;
                    }
                    target = now;
                    attempt = connecting = new CompletableFuture<>();
                }
            }
            if (target == null) {
                attempt.join(); // completes normally whatever the outcome; then look again
                continue;
            }
            return connectAndInstall(target, attempt);
        }
    }

    /** Connects to the lock nodes outside the monitor, then installs the client; ends the attempt. */
    private ClientLockService connectAndInstall(Map<String, InetSocketAddress> target, CompletableFuture<Void> attempt) {
        ShardedLockClient next = null;
        NoQuorumException refused = null;
        try {
            next = connect(target);
        } catch (NoQuorumException e) {
            refused = e;
        } finally {
            synchronized (this) {
                connecting = null;
                if (refused != null || next == null) {
                    failure = refused != null ? refused.getMessage() : "connecting to the lock nodes failed";
                    failedAt = System.nanoTime();
                }
            }
            attempt.complete(null);
        }
        synchronized (this) {
            if (deactivated) {
                if (next != null) {
                    next.close();
                }
                throw new LockException("the lock service of this node is stopped");
            }
            if (refused != null) {
                if (service == null) {
                    throw refused;
                }
                LOG.debug("lock nodes changed to {}, but none answered yet; keeping the client of {}", target.keySet(),
                        peers.keySet());
                return service;
            }
            failure = null;
            if (service == null) {
                transport = new RebindingTransport(next, next, RETIRE_DELAY);
                service = new ClientLockService(transport, identity.id() + "/" + UUID.randomUUID());
                service.setListener(metrics);
                if (defaultResumed != null && !defaultResumed.isCompletedExceptionally()) {
                    service.defaultSessionFrom(defaultResumed);
                }
            } else {
                LOG.info("lock nodes changed from {} to {}: the lock client follows them, sessions and locks stay",
                        peers.keySet(), target.keySet());
                transport.rebind(next, next);
            }
            peers = target;
            return service;
        }
    }

    /** The current service, or a NoQuorumException saying why there is none; with this object's monitor held. */
    private ClientLockService current(String noneBecause) {
        if (service != null) {
            return service;
        }
        throw new NoQuorumException(Duration.ZERO, noneBecause);
    }

    private ShardedLockClient connect(Map<String, InetSocketAddress> lockNodes) {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(LockServiceComponent.class.getClassLoader());
        try {
            ShardedLockClient c = ShardedLockClient.connect(identity.cluster(), lockNodes, RaftLockClient.Options.DEFAULT);
            c.onRecovery(metrics::recovered);
            c.onBatch(metrics::batch);
            return c;
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    private void closeClient() {
        if (service != null) {
            service.close();
            service = null;
        }
        if (transport != null) {
            transport.close();
            transport = null;
        }
        peers = Map.of();
    }

    /** An asynchronous call: no lock service to reach (no lock node, no majority) fails its future, not the caller. */
    private static <T> CompletableFuture<T> async(java.util.function.Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (LockException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<LockSession> openSessionAsync(Duration ttl) {
        return async(() -> service().openSessionAsync(ttl));
    }

    @Override
    public LockSession openSession(Duration ttl) {
        return service().openSession(ttl);
    }

    @Override
    public LockSession defaultSession() {
        return service().defaultSession();
    }

    @Override
    public CompletableFuture<LockHandle> acquireAsync(LockRequest request) {
        return async(() -> service().acquireAsync(request));
    }

    @Override
    public LockHandle acquire(LockRequest request) throws InterruptedException {
        return service().acquire(request);
    }

    @Override
    public CompletableFuture<Optional<LockHandle>> tryAcquireAsync(LockRequest request) {
        return async(() -> service().tryAcquireAsync(request));
    }

    @Override
    public Optional<LockHandle> tryAcquire(LockRequest request) {
        return service().tryAcquire(request);
    }

    @Override
    public CompletableFuture<Integer> releaseAsync(LockHandle handle) {
        return async(() -> service().releaseAsync(handle));
    }

    @Override
    public int release(LockHandle handle) {
        return service().release(handle);
    }

    @Override
    public CompletableFuture<LockStatus> statusAsync(String name) {
        return async(() -> service().statusAsync(name));
    }

    @Override
    public LockStatus status(String name) {
        return service().status(name);
    }

    @Override
    public LockTableView table(int maxLocks) {
        LockTransport t;
        synchronized (this) {
            service();
            t = transport;
        }
        return Outcomes.await(t.table(maxLocks), t.quorumTimeout().plusSeconds(1));
    }

    @Override
    public Resumed resume(List<SessionHandover> handovers) {
        Map<String, LockSession> resumed = new LinkedHashMap<>();
        Set<String> gone = new HashSet<>();
        if (handovers.isEmpty()) {
            return new Resumed(resumed, gone);
        }
        Map<SessionHandover, CompletableFuture<ClientLockSession>> renewing = new LinkedHashMap<>();
        for (SessionHandover h : handovers) {
            renewing.put(h, async(() -> service().resume(h)));
        }
        Map<SessionId, ClientLockSession> live = new HashMap<>();
        Map<SessionId, SessionHandover> byId = new HashMap<>();
        renewing.forEach((h, f) -> {
            byId.put(h.id(), h);
            try {
                ClientLockSession session = Outcomes.await(f, blockingBound());
                live.put(h.id(), session);
                resumed.put(h.id().value(), session);
            } catch (LeaseExpiredException e) {
                gone.add(h.id().value());
                LOG.info("session {} was handed over but ended before it could be resumed: {}", h.id(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.debug("session {} was handed over and could not be renewed yet: {}", h.id(), e.toString());
            }
        });
        try {
            Map<SessionId, List<LockHandle>> inTable = new HashMap<>();
            for (LockStatus lock : table(LockQuery.Table.MAX_LOCKS).locks()) {
                for (LockHolder h : lock.holders()) {
                    if (live.containsKey(h.sessionId())) {
                        inTable.computeIfAbsent(h.sessionId(), k -> new ArrayList<>()).add(new LockHandle(lock.name(),
                                h.mode(), h.sessionId(), h.fencingToken(), h.holdCount(),
                                leaseOf(byId.get(h.sessionId()), lock.name()), h.leaseExpiresAt()));
                    }
                }
            }
            inTable.forEach((id, locks) -> live.get(id).adopt(locks));
        } catch (LockException e) {
            LOG.debug("handed-over sessions resumed with the locks they listed; the lock table could not be read: {}",
                    e.toString());
        }
        return new Resumed(resumed, gone);
    }

    /** How long a blocking call waits for a future that the transport bounds by its quorum timeout. */
    private Duration blockingBound() {
        synchronized (this) {
            service();
            return blockingBoundLocked();
        }
    }

    /** {@link #blockingBound()} with the monitor held and the client made. */
    private Duration blockingBoundLocked() {
        return transport.quorumTimeout().plusSeconds(1);
    }

    /** The lease a handed-over session asked for a lock with; a minute for a lock it did not know it held. */
    private static Duration leaseOf(SessionHandover handover, String lockName) {
        return handover.held().stream().filter(h -> h.name().equals(lockName)).map(LockHandle::lease).findFirst()
                .orElse(Duration.ofMinutes(1));
    }

    @Override
    public boolean closeAnySession(SessionId session) {
        LockTransport t;
        synchronized (this) {
            service();
            t = transport;
        }
        Outcome outcome = Outcomes.await(t.submit(new LockCommand.CloseSession(session)), t.quorumTimeout().plusSeconds(1));
        if (outcome instanceof Outcome.Done) {
            return true;
        }
        if (outcome instanceof Outcome.Rejected r
                && (r.reason() == RejectReason.UNKNOWN_SESSION || r.reason() == RejectReason.SESSION_EXPIRED)) {
            return false;
        }
        throw new LockException("closing session " + session + " answered " + outcome);
    }
}
