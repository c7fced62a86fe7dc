package io.dsync.http.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.http.AdminAccess;
import io.dsync.http.HttpError;
import jakarta.servlet.http.HttpServletRequest;

/**
 * {@link AdminAccess} backed by the token in PID {@code io.dsync.admin}. Only the token's SHA-256 digest is kept;
 * a presented token is digested too and the digests compared with {@link MessageDigest#isEqual} (constant time: equal
 * lengths, no early exit), so the comparison's time says nothing about the token.
 *
 * <p>{@link #update} takes a new token at once: FileInstall turns an edit of {@code etc/io.dsync.admin.cfg} into a
 * configuration update, which {@link AdminAccessComponent} passes on without deactivating anything, so the service
 * stays registered and nothing that uses it restarts. The digest sits in a volatile field: each check reads it once, so a request sees
 * either the old or the new token, never a mix.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class TokenAdminAccess implements AdminAccess {

    private static final Logger LOG = LoggerFactory.getLogger(TokenAdminAccess.class);
    private static final String BEARER = "Bearer ";

    /** SHA-256 of the token; {@code null} when the node has none. */
    private volatile byte[] tokenHash;

    /**
     * @param config the configuration holding the token
     */
    public TokenAdminAccess(AdminAccessConfig config) {
        this.tokenHash = digestOf(config.token());
        if (tokenHash == null) {
            LOG.warn("Admin access: no admin token configured; admin operations over HTTP (bundle management) are "
                    + "disabled and client writes are open");
        }
    }

    /**
     * A changed configuration: the new token applies to the next request. Never logs the token.
     *
     * @param config the new configuration
     */
    void update(AdminAccessConfig config) {
        byte[] next = digestOf(config.token());
        byte[] previous = tokenHash;
        tokenHash = next;
        if (previous == null && next != null) {
            LOG.info("Admin access: an admin token is now configured; admin operations over HTTP are enabled");
        } else if (previous != null && next == null) {
            LOG.warn("Admin access: the admin token was removed; admin operations over HTTP are disabled and client "
                    + "writes are open");
        } else if (previous != null && !MessageDigest.isEqual(previous, next)) {
            LOG.info("Admin access: the admin token changed; the previous one is refused from now on");
        }
    }

    @Override
    public void requireAdmin(HttpServletRequest request) {
        byte[] expected = tokenHash;
        if (expected == null) {
            throw new HttpError(403, HttpError.ADMIN_DISABLED, "admin operations over HTTP are disabled on this node: "
                    + "set an admin token (--admin-token, DSYNC_ADMIN_TOKEN or token in etc/io.dsync.admin.cfg)");
        }
        check(expected, request);
    }

    @Override
    public void requireWriter(HttpServletRequest request) {
        byte[] expected = tokenHash;
        if (expected != null) {
            check(expected, request);
        }
    }

    @Override
    public boolean tokenConfigured() {
        return tokenHash != null;
    }

    private static void check(byte[] expected, HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        String presented = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? header.substring(BEARER.length()).trim() : null;
        if (presented == null || presented.isEmpty()) {
            throw new HttpError(401, HttpError.TOKEN, "missing admin token: send 'Authorization: Bearer <token>'");
        }
        if (!MessageDigest.isEqual(expected, sha256(presented))) {
            throw new HttpError(401, HttpError.TOKEN, "wrong admin token");
        }
    }

    private static byte[] digestOf(String token) {
        return token == null || token.isBlank() ? null : sha256(token.trim());
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
