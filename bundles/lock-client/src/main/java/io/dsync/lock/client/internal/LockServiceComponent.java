package io.dsync.lock.client.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import com.codahale.metrics.MetricRegistry;

import io.dsync.lock.LockHandle;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockService;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockException;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.Outcomes;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.client.raft.ShardedLockClient;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.core.RejectReason;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeRegistry;

/**
 * {@link LockService} on every node, whatever its roles: a client of the lock Raft group, whose members it finds in the
 * node registry (lock nodes and their raft ports). The client is made on first use; the registry is read again at most
 * every {@value #RECHECK_SECONDS} s (not on every call), and the client made again when the set of lock nodes changed.
 * Also the linearizable lock table for the HTTP API ({@link LockTableSource}), and the client-side lock metrics.
 */
@Component(service = {LockService.class, LockTableSource.class})
public final class LockServiceComponent implements LockService, LockTableSource {

    static final int RECHECK_SECONDS = 5;

    private final NodeIdentity identity;
    private long checkedAt;
    private final NodeRegistry registry;
    private Map<String, InetSocketAddress> peers = Map.of();
    private ShardedLockClient client;
    private ClientLockService service;
    private final LockClientMetrics metrics;

    @Activate
    public LockServiceComponent(BundleContext context, @Reference NodeRegistry registry, @Reference MetricRegistry metrics) {
        this.identity = NodeIdentity.from(context::getProperty);
        this.registry = registry;
        this.metrics = new LockClientMetrics(metrics);
    }

    @Deactivate
    synchronized void deactivate() {
        closeClient();
        metrics.remove();
    }

    /** The service over the current lock nodes; throws NoQuorumException when there are none. */
    private synchronized ClientLockService service() {
        if (service != null && System.nanoTime() - checkedAt < RECHECK_SECONDS * 1_000_000_000L) {
            return service;
        }
        checkedAt = System.nanoTime();
        Map<String, InetSocketAddress> now;
        try {
            now = LockRaftGroup.lockNodes(registry.nodes());
        } catch (RuntimeException e) {
            if (service != null) {
                return service;
            }
            throw new NoQuorumException(Duration.ZERO, "cannot find the lock nodes: " + e.getMessage());
        }
        if (now.isEmpty()) {
            if (service != null) {
                return service;
            }
            throw new NoQuorumException(Duration.ZERO, "no lock node is registered in cluster '" + identity.cluster() + "'");
        }
        if (service == null || !now.keySet().containsAll(peers.keySet()) || !peers.keySet().containsAll(now.keySet())) {
            closeClient();
            ClassLoader previous = Thread.currentThread().getContextClassLoader();
            Thread.currentThread().setContextClassLoader(LockServiceComponent.class.getClassLoader());
            try {
                client = ShardedLockClient.connect(identity.cluster(), now, RaftLockClient.Options.DEFAULT);
                service = new ClientLockService(client, identity.id() + "/" + UUID.randomUUID());
                service.setListener(metrics);
                client.onRecovery(metrics::recovered);
                client.onBatch(metrics::batch);
            } finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
            peers = now;
        }
        return service;
    }

    private void closeClient() {
        if (service != null) {
            service.close();
            service = null;
        }
        if (client != null) {
            client.close();
            client = null;
        }
    }

    @Override
    public CompletableFuture<LockSession> openSessionAsync(Duration ttl) {
        return service().openSessionAsync(ttl);
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
        return service().acquireAsync(request);
    }

    @Override
    public LockHandle acquire(LockRequest request) throws InterruptedException {
        return service().acquire(request);
    }

    @Override
    public CompletableFuture<Optional<LockHandle>> tryAcquireAsync(LockRequest request) {
        return service().tryAcquireAsync(request);
    }

    @Override
    public Optional<LockHandle> tryAcquire(LockRequest request) {
        return service().tryAcquire(request);
    }

    @Override
    public CompletableFuture<Integer> releaseAsync(LockHandle handle) {
        return service().releaseAsync(handle);
    }

    @Override
    public int release(LockHandle handle) {
        return service().release(handle);
    }

    @Override
    public CompletableFuture<LockStatus> statusAsync(String name) {
        return service().statusAsync(name);
    }

    @Override
    public LockStatus status(String name) {
        return service().status(name);
    }

    @Override
    public LockTableView table(int maxLocks) {
        ShardedLockClient c;
        synchronized (this) {
            service();
            c = client;
        }
        return Outcomes.await(c.table(maxLocks), c.quorumTimeout().plusSeconds(1));
    }

    @Override
    public boolean closeAnySession(SessionId session) {
        ShardedLockClient c;
        synchronized (this) {
            service();
            c = client;
        }
        Outcome outcome = Outcomes.await(c.submit(new LockCommand.CloseSession(session)), c.quorumTimeout().plusSeconds(1));
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
