package io.dsync.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@link LockAdmin} over {@link HttpURLConnection} (no thread of its own, like {@link HttpHealthProbe}), sending the
 * node's admin token as {@code Authorization: Bearer} on every call. Thread-safe.
 */
final class HttpLockAdmin implements LockAdmin {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A table of 10,000 locks with their holders is a few MB; more is not a lock table. */
    private static final int MAX_BODY = 32 << 20;

    /**
     * A forced close is a write through the lock group, which takes longer than a read when the group is busy or
     * electing; a timeout would not undo it, only hide that it happened.
     */
    static final int CLOSE_TIMEOUT_MILLIS = 10_000;

    private final int timeoutMillis;
    private final String token;

    /**
     * @param timeoutMillis connect and read timeout each
     * @param token the admin token, or blank for none
     */
    HttpLockAdmin(int timeoutMillis, String token) {
        this.timeoutMillis = timeoutMillis;
        this.token = token == null || token.isBlank() ? null : token.trim();
    }

    @Override
    public LockTableSnapshot table(String adminUrl, int max) throws LockAdminException {
        Answer a = call("GET", adminUrl + "/lock/table?max=" + max);
        if (a.status != 200) {
            throw new LockAdminException("/lock/table: " + LockJsonReader.error(a.status, a.body));
        }
        try {
            return LockJsonReader.table(a.body);
        } catch (IllegalArgumentException e) {
            throw new LockAdminException(e.getMessage());
        }
    }

    @Override
    public RaftMemberStatus raft(String node, String adminUrl) {
        try {
            Answer a = call("GET", adminUrl + "/lock/raft");
            if (a.status != 200) {
                return RaftMemberStatus.unreachable(node, "/lock/raft: " + LockJsonReader.error(a.status, a.body));
            }
            return LockJsonReader.raft(node, a.body);
        } catch (LockAdminException | IllegalArgumentException e) {
            return RaftMemberStatus.unreachable(node, e.getMessage());
        }
    }

    @Override
    public void closeSession(String adminUrl, String session) throws LockAdminException {
        Answer a = call("DELETE", adminUrl + "/lock/sessions/" + URLEncoder.encode(session, StandardCharsets.UTF_8)
                .replace("+", "%20") + "?force=true", Math.max(timeoutMillis, CLOSE_TIMEOUT_MILLIS));
        if (a.status != 204 && a.status != 200) {
            throw new LockAdminException(LockJsonReader.error(a.status, a.body));
        }
    }

    private record Answer(int status, JsonNode body) {
    }

    private Answer call(String method, String url) throws LockAdminException {
        return call(method, url, timeoutMillis);
    }

    private Answer call(String method, String url, int readTimeoutMillis) throws LockAdminException {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(readTimeoutMillis);
            c.setRequestProperty("Accept", "application/json");
            if (token != null) {
                c.setRequestProperty("Authorization", "Bearer " + token);
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            if (in == null) {
                return new Answer(status, null);
            }
            try (InputStream body = in) {
                byte[] bytes = body.readNBytes(MAX_BODY);
                return new Answer(status, bytes.length == 0 ? null : JSON.readTree(bytes));
            } catch (JacksonException e) {
                if (status >= 400) {
                    return new Answer(status, null);
                }
                throw new LockAdminException(url + " answered " + status + " with something that is not JSON");
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new LockAdminException(method + " " + url + ": no answer within " + readTimeoutMillis + " ms"
                    + ("GET".equals(method) ? "" : " (it may still take effect: the table will show)"));
        } catch (IOException | IllegalArgumentException e) {
            String m = e.getMessage();
            throw new LockAdminException(method + " " + url + ": " + e.getClass().getSimpleName() + (m == null ? "" : ": " + m));
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }
}
