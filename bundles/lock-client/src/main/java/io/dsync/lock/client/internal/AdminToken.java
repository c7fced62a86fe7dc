package io.dsync.lock.client.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The node's admin token ({@code dsync.admin.token}), which the lock HTTP calls that change something require when
 * it is set. Compared as SHA-256 digests in constant time.
 */
final class AdminToken {

    private final byte[] hash;

    AdminToken(String token) {
        this.hash = token == null || token.isBlank() ? null : sha256(token.trim());
    }

    /** @return {@code null} when the request may proceed, else why not (for a 401) */
    String refusal(HttpServletRequest req) {
        if (hash == null) {
            return null;
        }
        String auth = req.getHeader("Authorization");
        String presented = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : null;
        if (presented == null) {
            return "this node has an admin token: send 'Authorization: Bearer <token>' (dsync lock --token)";
        }
        return MessageDigest.isEqual(hash, sha256(presented)) ? null : "wrong admin token";
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
