package io.dsync.http;

import org.osgi.annotation.versioning.ProviderType;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who may change things over HTTP on this node. One service per node, backed by the node's one admin token: the
 * {@code token} property of Configuration Admin PID {@code io.dsync.admin} (file {@code etc/io.dsync.admin.cfg},
 * {@code token = ${dsync.admin.token}}, i.e. {@code dsync node --admin-token} or {@code DSYNC_ADMIN_TOKEN}). A changed
 * token takes effect at once, without a restart and without this service going away.
 *
 * <p>A request presents the token as {@code Authorization: Bearer <token>}; the scheme is matched without regard to
 * case, and the token is compared in constant time. The checks throw {@link HttpError}; run them inside
 * {@link HttpCalls#handle}, which writes the refusal (with {@code WWW-Authenticate: Bearer realm="dsync"} on a 401).
 *
 * <p>Thread-safety: implementations are safe for concurrent use from any number of request threads.
 */
@ProviderType
public interface AdminAccess {

    /**
     * For administration of the node itself (installing, updating, starting, stopping bundles; changing the lock
     * group's membership): only with the token, and never when the node has none.
     *
     * @throws HttpError 403 {@link HttpError#ADMIN_DISABLED} when the node has no admin token; 401
     *         {@link HttpError#TOKEN} when the request presents none or a wrong one
     */
    void requireAdmin(HttpServletRequest request);

    /**
     * For client calls that change something (opening a lock session, acquiring, releasing; queue and cache writes):
     * open when the node has no admin token, else only with it.
     *
     * @throws HttpError 401 {@link HttpError#TOKEN} when the node has a token and the request presents none or a
     *         wrong one
     */
    void requireWriter(HttpServletRequest request);

    /** @return whether the node currently has an admin token */
    boolean tokenConfigured();
}
