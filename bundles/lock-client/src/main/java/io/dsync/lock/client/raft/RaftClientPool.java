package io.dsync.lock.client.raft;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.lock.protocol.LockCommandCodec;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.LockRaftGroup;

/**
 * The Ratis clients of one lock client, and what keeps them usable:
 * <ul>
 *   <li>one <b>writer</b> per command connection (Ratis' Netty transport answers the requests of one connection one
 *       after the other), with Ratis' retries until the quorum timeout; a writer whose connection Ratis has closed
 *       for good is replaced, and a command sent while leadership moves is sent again (commands are idempotent by
 *       session and call id);</li>
 *   <li>a <b>prober</b> that finds the leader with a non-linearizable read, which followers redirect;</li>
 *   <li>an <b>admin</b> client that asks every member at once for its role while a request waits (below).</li>
 *   <li><b>readers</b> for linearizable reads and long-polls, one per read in flight (a long-poll is held for the poll
 *       window, and polls sharing a connection would wait for each other), without Ratis retries: {@link LeaderReads}
 *       chooses the target. A reader whose request failed may have a broken connection and is closed.</li>
 * </ul>
 * <b>Waiting for a reply.</b> A write or probe runs on a background thread while the caller watches it. When no reply
 * came within an attempt ({@code attemptMillis}), the pool asks every member for its role:
 * <ul>
 *   <li>the member the request went to still leads, and led already when the request was sent: the leader is slow (a
 *       slow disk, a pause), and the caller goes on waiting for that request. Sending it again would cost another
 *       commit as slow as the first, and a client that did so after every attempt never got an answer while commits
 *       took longer than an attempt;</li>
 *   <li>another member leads: the request went to a leader that froze or was cut off. The attempt is abandoned (its
 *       client closed) and the request sent again on a new client that goes to the new leader first. Ratis' own retry
 *       would go to a random other member, and a follower that has not noticed the silence yet names the old leader
 *       (measured: a second of failover in one case of four);</li>
 *   <li>no member says it leads: an election is going on; the caller asks again soon.</li>
 * </ul>
 * Sending again is safe: the lock table answers a command it has applied (same session and call id) with its first
 * outcome. Ratis' own time limit on a request is the quorum timeout, so Ratis does not give up on a slow leader first.
 * (A Ratis request that fails closes its connection on the calling thread; Ratis' Netty proxy closes under a lock that
 * its channel-inactive handler also takes, so when the peer closes at the same moment the close can wait for Ratis'
 * 5 s close timeout: another reason to keep the caller off Ratis' threads.)
 * <p>
 * Broken clients are closed on a side thread: Ratis 3.3.0 can take its 5 s close timeout to close a connection whose
 * channel is going inactive, which must not hold up the requests that go on.
 *
 * <p>Thread-safe.
 */
final class RaftClientPool implements LeaderReads.Peers, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RaftClientPool.class);

    /** Idle readers kept for reuse; more are made while that many reads are in flight. */
    static final int IDLE_READERS = 16;

    /** Pause between retries of a failed request, in Ratis and while leadership moves. */
    static final long RETRY_SLEEP_MILLIS = 50;

    /** How long a round of role questions waits for the members' answers (a frozen or cut-off one never answers). */
    static final long ROLE_ROUND_MILLIS = 60;

    /**
     * How long one role question may wait for its member's answer: longer than a round, so that an answer that comes
     * after its round keeps the connection. A Ratis client closes a member's connection when a request to it times
     * out; with the round's 60 ms as the timeout, a busy machine answered too late once, and from then on every question
     * paid for a new connection and timed out again: no member answered for 3.2 s after a leader's isolation
     * (LockPartitionIT, 2026-12-08), so the request waited that long for a new leader elected in 0.6 s.
     */
    static final long ROLE_ANSWER_MILLIS = 500;

    /** The longest {@link #close()} waits for the closed clients' event loops to end. */
    static final long EVENT_LOOP_END_MILLIS = 3_000;

    /** Pause between rounds of role questions while no member says it leads. */
    static final long ROLE_PAUSE_MILLIS = 20;

    /** A probe answered by the leader without ReadIndex; followers redirect it to the leader. */
    private static final Message LEADER_PROBE = Message.valueOf(ByteString.copyFrom(
            LockCommandCodec.encodeQuery(new LockQuery.Status("dsync/leader-probe"))));

    private final RaftGroup group;

    private final long attemptMillis;

    private final long quorumMillis;

    private final long readMillis;

    private final Executor background;

    private final AtomicReferenceArray<RaftClient> writers;

    private volatile RaftClient prober;

    /** Asks members for their roles; no retries, {@link #ROLE_ANSWER_MILLIS} per question. */
    private final RaftClient admin;

    private final ConcurrentLinkedDeque<RaftClient> idleReaders = new ConcurrentLinkedDeque<>();

    private volatile boolean closed;

    /**
     * Creates the clients of the writers and the prober; no connection is made before the first request.
     *
     * @param group the group
     * @param writerCount the command connections
     * @param attemptMillis how long a write or probe waits for its reply before the pool asks who leads
     * @param quorumMillis how long a write or probe may take in all
     * @param readMillis the RPC timeout of a read (above the poll window)
     * @param background runs work off the caller's thread: writes and probes, role questions, closing clients
     */
    RaftClientPool(RaftGroup group, int writerCount, long attemptMillis, long quorumMillis, long readMillis,
            Executor background) {
        this.group = group;
        this.attemptMillis = attemptMillis;
        this.quorumMillis = quorumMillis;
        this.readMillis = readMillis;
        this.background = background;
        this.writers = new AtomicReferenceArray<>(writerCount);
        for (int i = 0; i < writerCount; i++) {
            writers.set(i, newRetryingClient(null));
        }
        this.prober = newRetryingClient(null);
        this.admin = RaftClient.newBuilder().setClientId(ClientId.randomId()).setRaftGroup(group)
                .setProperties(LockRaftGroup.clientProperties(ROLE_ANSWER_MILLIS)).setRetryPolicy(RetryPolicies.noRetry())
                .build();
    }

    /** A client with Ratis' retries; its first request goes to {@code leader}, or to a member Ratis picks. */
    private RaftClient newRetryingClient(RaftPeerId leader) {
        RetryPolicy retryForever = RetryPolicies.retryForeverWithSleep(ms(RETRY_SLEEP_MILLIS));
        // A connection Ratis has closed (its peer went away) stays closed in that client: retrying on it only burns
        // the quorum timeout. Fail at once instead; send() then continues on a new client.
        RetryPolicy retry = ExceptionDependentRetry.newBuilder().setDefaultPolicy(retryForever)
                .setExceptionToPolicy(AlreadyClosedException.class, RetryPolicies.noRetry()).build();
        // Ratis stops retrying once the request is older than the quorum timeout.
        RetryPolicy policy = RequestTypeDependentRetryPolicy.newBuilder()
                .setRetryPolicy(TypeCase.WRITE, retry).setTimeout(TypeCase.WRITE, ms(quorumMillis))
                .setRetryPolicy(TypeCase.READ, retry).setTimeout(TypeCase.READ, ms(quorumMillis))
                .build();
        // One request may wait up to the quorum timeout: sendFresh() decides when to give up on it (class comment).
        RaftClient.Builder builder = RaftClient.newBuilder().setClientId(ClientId.randomId()).setRaftGroup(group)
                .setProperties(LockRaftGroup.clientProperties(quorumMillis)).setRetryPolicy(policy);
        if (leader != null) {
            builder.setLeaderId(leader);
        }
        return builder.build();
    }

    private static TimeDuration ms(long millis) {
        return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Commits a message through the writer of a slot, blocking until the reply or the quorum timeout.
     *
     * @param slot the command connection
     * @param message the message
     * @return the reply, which may be a failure
     * @throws IOException if no leader answered in time
     */
    RaftClientReply write(int slot, Message message) throws IOException {
        return sendFresh(slot, c -> c.io().send(message));
    }

    @Override
    public String findLeader() throws IOException {
        RaftClientReply probe = sendFresh(-1, c -> c.io().sendReadOnlyNonLinearizable(LEADER_PROBE));
        if (!probe.isSuccess()) {
            throw probe.getException() != null ? probe.getException() : new IOException("leader probe failed");
        }
        return probe.getServerId().toString();
    }

    @Override
    public byte[] read(String member, byte[] query) throws IOException {
        RaftClient reader = borrowReader();
        boolean answered = false;
        try {
            RaftClientReply reply = reader.io().sendReadOnly(Message.valueOf(ByteString.copyFrom(query)),
                    RaftPeerId.valueOf(member));
            answered = true;
            if (!reply.isSuccess()) {
                throw reply.getException() instanceof StateMachineException e
                        ? new LeaderReads.QueryRejectedException("the lock server rejected the query: " + e.getMessage(), e)
                        : reply.getException() != null ? reply.getException() : new IOException("read failed");
            }
            return reply.getMessage().getContent().toByteArray();
        } catch (StateMachineException e) {
            throw new LeaderReads.QueryRejectedException("the lock server rejected the query: " + e.getMessage(), e);
        } finally {
            if (answered) {
                returnReader(reader);
            } else {
                closeLater(reader); // its connection may be broken: do not hand it out again
            }
        }
    }

    /** A request on one of the retrying clients. */
    @FunctionalInterface
    private interface Call {
        RaftClientReply on(RaftClient client) throws IOException;
    }

    /**
     * Sends on the writer of a slot (or the prober, {@code slot < 0}) and watches the request (class comment); when
     * that client's connection to a peer is closed for good ({@link AlreadyClosedException}), replaces the client and
     * sends again; while leadership moves, sends again after a pause; until the quorum timeout.
     */
    private RaftClientReply sendFresh(int slot, Call call) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(quorumMillis);
        while (true) {
            if (closed) {
                throw new AlreadyClosedException("the lock client is closed");
            }
            RaftClient client = slot >= 0 ? writers.get(slot) : prober;
            try {
                RaftClientReply reply = watch(slot, client, call, deadline);
                if (reply != null) {
                    return reply;
                }
                // another member leads now; the client was replaced by one that goes there first
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                if (causedBy(e, AlreadyClosedException.class)) {
                    replace(slot, client, null);
                } else if (causedBy(e, LeaderSteppingDownException.class) || causedBy(e, TransferLeadershipException.class)) {
                    // The leader is handing over (a graceful stop, a bundle update): send again once the next is there.
                    sleep(RETRY_SLEEP_MILLIS);
                } else {
                    throw e;
                }
            }
        }
    }

    /**
     * Sends one request on a background thread and waits for its reply, asking who leads whenever an attempt passes
     * without one (class comment).
     *
     * @return the reply, or {@code null} when another member leads now (the client was replaced; send again)
     * @throws IOException the request's failure, or a {@link TimeoutIOException} at the deadline
     */
    private RaftClientReply watch(int slot, RaftClient client, Call call, long deadline) throws IOException {
        CompletableFuture<RaftClientReply> reply = new CompletableFuture<>();
        RaftPeerId target = client.getLeaderId();
        long sent = System.nanoTime();
        try {
            background.execute(() -> {
                try {
                    reply.complete(call.on(client));
                } catch (IOException | RuntimeException e) {
                    reply.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            throw new AlreadyClosedException("the lock client is closed");
        }
        long wait = attemptMillis;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                replace(slot, client, null); // abandons the request: closing its client fails it
                throw new TimeoutIOException("no reply within the quorum timeout of " + quorumMillis + " ms");
            }
            try {
                return reply.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(wait)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                Leader leader = memberThatLeads(sent);
                if (leader == null) {
                    wait = ROLE_PAUSE_MILLIS; // an election is going on: ask again soon
                } else if (leader.id().equals(target) && leader.id().equals(client.getLeaderId())
                        && leader.sinceNanos() <= sent) {
                    // Sent to the leader of the moment, and Ratis has not turned to another member since (it does
                    // after a failed send): slow, not lost. Keep waiting for this request.
                    wait = attemptMillis;
                } else {
                    LOG.debug("no reply within {} ms; {} leads now: sending there",
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent), leader.id());
                    replace(slot, client, leader.id());
                    return null;
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw cause instanceof IOException io ? io : new IOException(cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the lock group");
            }
        }
    }

    /** A member that said it leads, and since when (a {@link System#nanoTime()}, as far as its answer tells). */
    private record Leader(RaftPeerId id, long sinceNanos) {
    }

    /**
     * One round: asks every member at once for its role.
     *
     * @param sentNanos when the request being watched was sent
     * @return a member that became leader after {@code sentNanos} as soon as one says so; else, once every member
     *     answered or the round is over, the member that has led for the shortest time (an old leader cut off from
     *     the others may still say it leads until it steps down); {@code null} when none said it leads
     */
    private Leader memberThatLeads(long sentNanos) throws InterruptedIOException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicReference<Leader> newest = new AtomicReference<>();
        AtomicInteger unanswered = new AtomicInteger(group.getPeers().size());
        for (RaftPeer peer : group.getPeers()) {
            Runnable ask = () -> {
                try {
                    long asked = System.nanoTime();
                    GroupInfoReply info = admin.getGroupManagementApi(peer.getId()).info(group.getGroupId());
                    if (info.isSuccess() && info.getRoleInfoProto().getRole() == RaftPeerRole.LEADER) {
                        Leader leader = new Leader(peer.getId(),
                                asked - TimeUnit.MILLISECONDS.toNanos(info.getRoleInfoProto().getRoleElapsedTimeMs()));
                        newest.accumulateAndGet(leader, (a, b) -> a == null || b.sinceNanos() > a.sinceNanos() ? b : a);
                        if (leader.sinceNanos() > sentNanos) {
                            done.complete(null);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // frozen, cut off, gone or not started: it does not lead as far as this client can tell
                }
                if (unanswered.decrementAndGet() == 0) {
                    done.complete(null);
                }
            };
            try {
                background.execute(ask);
            } catch (RejectedExecutionException e) {
                return null; // the lock client is closing
            }
        }
        try {
            done.get(ROLE_ROUND_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the members that did not answer in the round do not lead as far as this client can tell
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while looking for the leader");
        }
        return newest.get();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static void sleep(long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the leader was changing");
        }
    }

    /**
     * Replaces a writer ({@code slot >= 0}) or the prober ({@code slot < 0}) whose connection was closed, or whose
     * request should go to {@code leader} first ({@code null}: wherever Ratis sends it).
     */
    private synchronized void replace(int slot, RaftClient broken, RaftPeerId leader) {
        if (closed || (slot >= 0 ? writers.get(slot) : prober) != broken) {
            return; // closing (close() closes every client), or another thread replaced it already
        }
        RaftClient fresh = newRetryingClient(leader);
        if (slot >= 0) {
            writers.set(slot, fresh);
        } else {
            prober = fresh;
        }
        closeLater(broken);
        LOG.debug("replaced a Ratis client{}", leader == null ? " whose connection was closed" : ", to go to " + leader + " first");
    }

    private RaftClient borrowReader() {
        RaftClient c = idleReaders.pollFirst();
        return c != null ? c : RaftClient.newBuilder().setClientId(ClientId.randomId()).setRaftGroup(group)
                .setProperties(LockRaftGroup.clientProperties(readMillis)).setRetryPolicy(RetryPolicies.noRetry())
                .build();
    }

    private void returnReader(RaftClient c) {
        if (closed || idleReaders.size() >= IDLE_READERS) {
            closeQuietly(c);
        } else {
            idleReaders.offerFirst(c);
        }
    }

    private void closeLater(RaftClient c) {
        try {
            background.execute(() -> closeQuietly(c));
        } catch (RejectedExecutionException e) {
            closeQuietly(c); // the lock client is closing: its threads are gone
        }
    }

    private static void closeQuietly(RaftClient c) {
        try {
            c.close();
        } catch (IOException e) {
            // Closing a client only releases connections; nothing to report.
        }
    }

    /** Closes every client; requests in flight fail. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true; // under the monitor of replace(): no client is made after this
        }
        List<RaftClient> all = new ArrayList<>();
        for (int i = 0; i < writers.length(); i++) {
            all.add(writers.get(i));
        }
        for (RaftClient r; (r = idleReaders.pollFirst()) != null;) {
            all.add(r);
        }
        all.add(prober);
        all.add(admin);
        all.forEach(RaftClientPool::closeQuietly);
        awaitEventLoops(all);
    }

    /**
     * Waits, at most {@link #EVENT_LOOP_END_MILLIS}, until the event loop threads of closed clients have ended. Ratis'
     * Netty ends them up to 2 s after the close (its quiet period); when this bundle is being updated its wiring is
     * invalidated right after the stop, and a thread still running then dies with a NoClassDefFoundError on the classes
     * it loads on its way out (docs/observations.md, NodeBundlesIT).
     */
    private static void awaitEventLoops(List<RaftClient> closed) {
        List<String> prefixes = closed.stream().map(c -> c.getId() + "--").toList();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EVENT_LOOP_END_MILLIS);
        while (System.nanoTime() < deadline && Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> prefixes.stream().anyMatch(t.getName()::startsWith))) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
