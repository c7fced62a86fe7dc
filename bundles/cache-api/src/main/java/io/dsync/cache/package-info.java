/**
 * Named, strongly consistent caches: local copies on every node kept coherent with a MESI protocol
 * over a Redis-backed main memory.
 *
 * <h2>Model</h2>
 * <ul>
 *   <li>Caches are named (see {@linkplain CacheConfig#requireValidName(String) cache names}) and must
 *       be {@linkplain CacheService#declare(CacheConfig) declared}; declaration is idempotent and
 *       never reconfigures an existing cache. Using an undeclared cache fails with
 *       {@link CacheNotFoundException}.</li>
 *   <li>Keys are strings (see {@linkplain Cache#requireValidKey(String) keys}). Values are typed
 *       through an application-supplied {@link CacheCodec}, or raw {@code byte[]}. The cache stores
 *       and replicates only bytes: values never need to be {@link java.io.Serializable}, every read
 *       returns a private copy, and atomic updates ({@link Cache#compute}) run a plain Java function
 *       locally under exclusive ownership instead of shipping it to the store.</li>
 *   <li>Every single-key operation is linearizable, cluster-wide; local hits are never stale. The
 *       exact guarantee, the write modes and the failure behaviour are specified on {@link Cache} and
 *       {@link WriteMode}.</li>
 *   <li>{@link CacheStats} exposes this node's hits, misses, evictions, invalidations received and
 *       write-backs per cache.</li>
 * </ul>
 *
 * <h2>Asynchronous and blocking methods</h2>
 * Every operation exists as an {@code xxxAsync} method returning a
 * {@link java.util.concurrent.CompletableFuture} and as a blocking method with the same semantics.
 * The blocking method throws exactly the exception type the asynchronous method completes
 * exceptionally with (unwrapped, never inside an {@link java.util.concurrent.ExecutionException} or
 * {@link java.util.concurrent.CompletionException}). Cache operations never wait for a duration chosen
 * by the caller: they are bounded by the service's operation timeout, so blocking methods do not throw
 * {@link java.lang.InterruptedException}; they are not interruptible but preserve the interrupt
 * status. Cancelling a returned future abandons the wait for the outcome, not the operation. Other
 * completion methods of the returned futures ({@code complete}, {@code obtrudeValue}, ...) do not
 * affect the operation.
 *
 * <h2>Exceptions</h2>
 * All failures reported by the service are subclasses of the unchecked {@link CacheException}.
 * Unchecked exceptions were chosen because the same types must travel through
 * {@code CompletableFuture}s (which cannot carry checked exception types) and through lambdas, and
 * because a cache is typically used on paths that fall back to the system of record on any failure.
 * Every method documents which subclasses it raises and when, and whether the outcome is then known.
 * Programming errors are reported eagerly, on the calling thread, never through a future: invalid
 * arguments throw {@link InvalidCacheRequestException} (an {@link IllegalArgumentException}) and
 * {@code null} arguments throw {@link NullPointerException}.
 *
 * <h2>Thread safety</h2>
 * {@link CacheService} and {@link Cache} are implemented by the platform and are safe for concurrent
 * use. {@link CacheCodec} is implemented by applications and must be thread-safe. All records are
 * immutable.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package io.dsync.cache;
