/**
 * Distributed, Raft-replicated read/write locks with fencing tokens.
 *
 * <h2>Model</h2>
 * <ul>
 *   <li>A lock is identified by a {@linkplain LockRequest#requireValidName(String) name} (1 to
 *       {@value io.dsync.lock.LockRequest#MAX_NAME_BYTES} UTF-8 bytes). Locks need not be declared:
 *       a name that was never acquired is simply free.</li>
 *   <li>Locks are owned by {@linkplain LockSession sessions}, not by threads. A session is a client
 *       lease kept alive by heartbeats; one process can hold many locks under one session. When a
 *       session ends (closed, or expired because its heartbeats stopped reaching a Raft majority),
 *       every lock it holds is released and every request it has pending is withdrawn.</li>
 *   <li>Each grant additionally has its own lease ({@link LockRequest#lease()}): a hold ends at
 *       whichever comes first, the end of the lock lease (unless {@linkplain LockSession#renew
 *       renewed}) or the end of the session.</li>
 *   <li>A lock is held in {@link LockMode#SHARED} mode by any number of sessions, or in
 *       {@link LockMode#EXCLUSIVE} mode by exactly one session. Holds are reentrant per session
 *       (a {@linkplain LockHandle#holdCount() hold count}), and can be
 *       {@linkplain LockSession#upgrade upgraded} and {@linkplain LockSession#downgrade downgraded}
 *       atomically.</li>
 *   <li>Waiters are served in FIFO order of arrival at the Raft leader. A waiting exclusive request
 *       blocks later shared requests (no barging), so writers cannot starve. Deadlocks between
 *       sessions are detected: the request that would close a cycle in the wait-for graph fails with
 *       a {@link DeadlockException} describing the {@link WaitForCycle}.</li>
 * </ul>
 *
 * <h2 id="fencing">Fencing tokens</h2>
 * A lock can be lost without its holder noticing in time (GC pause, partition, expired lease), so a
 * lock alone cannot protect a resource. Every grant therefore carries a
 * {@linkplain LockHandle#fencingToken() fencing token}: a positive {@code long} that is
 * <em>strictly increasing per lock name across all grants</em>, across leader changes and cluster
 * restarts. Reentrant acquisitions, renewals and downgrades keep the token of the grant; every new
 * grant, including an upgrade, receives a new, larger token. A resource guarded by lock {@code L}
 * must:
 * <ol>
 *   <li>receive the token with every mutating request made under {@code L};</li>
 *   <li>durably remember the largest token it has accepted for {@code L}, atomically with the
 *       mutation itself;</li>
 *   <li>reject any request whose token is smaller than the remembered one (equal tokens are the same
 *       grant and are accepted).</li>
 * </ol>
 * A holder whose lock was lost and re-granted to someone else is then rejected by the resource even
 * if it still believes it holds the lock. Readers under a shared lock may likewise be rejected when
 * their token is smaller than the token of the last exclusive writer the resource accepted.
 * {@link LockStatus#lastFencingToken()} returns the largest token issued so far for a name.
 *
 * <h2>Asynchronous and blocking methods</h2>
 * Every operation exists as an {@code xxxAsync} method returning a {@link
 * java.util.concurrent.CompletableFuture} and as a blocking convenience method with the same
 * semantics. The blocking method throws exactly the exception type the asynchronous method completes
 * exceptionally with (unwrapped, never inside an {@link java.util.concurrent.ExecutionException} or
 * {@link java.util.concurrent.CompletionException}). Cancelling the future of an {@code acquire} or
 * {@code upgrade} withdraws the request; if it was granted concurrently with the cancellation, the
 * grant is undone (the lock released, or the upgraded lock downgraded again). Cancelling the future
 * of any other operation only abandons the wait for its outcome. Other completion methods of the
 * returned futures ({@code complete}, {@code obtrudeValue}, ...) do not affect the operation.
 * <p>
 * Blocking methods whose waiting time is chosen by the caller ({@code acquire}, {@code upgrade})
 * declare {@link java.lang.InterruptedException}: on interrupt the request is withdrawn exactly as if
 * the future had been cancelled. All other blocking methods wait at most the service's configured
 * <em>quorum timeout</em> for a Raft commit; they are not interruptible but preserve the thread's
 * interrupt status.
 *
 * <h2>Exceptions</h2>
 * All failures reported by the service are subclasses of the unchecked {@link LockException}.
 * Unchecked exceptions were chosen because the same types must travel through
 * {@code CompletableFuture}s (which cannot carry checked exception types) and through lambdas, and
 * because most failures ({@link NoQuorumException}, {@link LeaseExpiredException}) cannot be handled
 * locally by the immediate caller anyway. Every method documents precisely which subclasses it
 * raises and when. {@link java.lang.InterruptedException} stays checked and visible on blocking
 * waits.
 * <p>
 * Programming errors are reported eagerly, on the calling thread, never through a future: invalid
 * arguments throw {@link InvalidLockRequestException} (an {@link IllegalArgumentException}),
 * {@code null} arguments throw {@link NullPointerException}, and operations on a closed session throw
 * {@link IllegalStateException}.
 *
 * <h2>Retries and idempotency</h2>
 * Each mutating call is tagged by the client with a client id and a call id, and the replicated state
 * machine deduplicates them. Transparent retries after timeouts or leader changes are therefore safe:
 * a retried acquire never grants twice (and never increments a hold count twice), a retried release
 * never releases twice. This holds only for retries performed by the service itself; calling a
 * method again is a new request.
 *
 * <h2>Thread safety</h2>
 * All interfaces of this package are implemented by the platform and are safe for concurrent use by
 * multiple threads. All records are immutable.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.dsync.lock;
