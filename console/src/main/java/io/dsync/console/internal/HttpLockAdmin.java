package io.dsync.console.internal;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** {@link LockAdmin} over the nodes' lock HTTP API ({@link AdminHttp}, with the admin token). Thread-safe. */
final class HttpLockAdmin implements LockAdmin {

    /** A table of 10,000 locks with their holders is a few MB; more is not a lock table. */
    private static final int MAX_BODY = 32 << 20;

    /**
     * A forced close is a write through the lock group, which takes longer than a read when the group is busy or
     * electing; a timeout would not undo it, only hide that it happened.
     */
    static final int CLOSE_TIMEOUT_MILLIS = 10_000;

    private final AdminHttp http;

    /** @param http calls the nodes' admin APIs */
    HttpLockAdmin(AdminHttp http) {
        this.http = http;
    }

    @Override
    public LockTableSnapshot table(String adminUrl, int max) throws LockAdminException {
        AdminHttp.Answer a = call("GET", adminUrl + "/lock/table?max=" + max);
        if (a.status() != 200) {
            throw new LockAdminException("/lock/table: " + LockJsonReader.error(a.status(), a.body()));
        }
        try {
            return LockJsonReader.table(a.body());
        } catch (IllegalArgumentException e) {
            throw new LockAdminException(e.getMessage());
        }
    }

    @Override
    public RaftMemberStatus raft(String node, String adminUrl) {
        try {
            AdminHttp.Answer a = call("GET", adminUrl + "/lock/raft");
            if (a.status() != 200) {
                return RaftMemberStatus.unreachable(node, "/lock/raft: " + LockJsonReader.error(a.status(), a.body()));
            }
            return LockJsonReader.raft(node, a.body());
        } catch (LockAdminException | IllegalArgumentException e) {
            return RaftMemberStatus.unreachable(node, e.getMessage());
        }
    }

    @Override
    public void closeSession(String adminUrl, String session) throws LockAdminException {
        AdminHttp.Answer a = call("DELETE", adminUrl + "/lock/sessions/" + URLEncoder.encode(session, StandardCharsets.UTF_8)
                .replace("+", "%20") + "?force=true", Math.max(http.timeoutMillis(), CLOSE_TIMEOUT_MILLIS));
        if (a.status() != 204 && a.status() != 200) {
            throw new LockAdminException(LockJsonReader.error(a.status(), a.body()));
        }
    }

    private AdminHttp.Answer call(String method, String url) throws LockAdminException {
        return call(method, url, http.timeoutMillis());
    }

    private AdminHttp.Answer call(String method, String url, int readTimeoutMillis) throws LockAdminException {
        try {
            return http.call(method, url, readTimeoutMillis, MAX_BODY);
        } catch (java.net.SocketTimeoutException e) {
            throw new LockAdminException(method + " " + url + ": no answer within " + readTimeoutMillis + " ms"
                    + ("GET".equals(method) ? "" : " (it may still take effect: the table will show)"));
        } catch (IOException e) {
            String m = e.getMessage();
            throw new LockAdminException(method + " " + url + ": " + e.getClass().getSimpleName() + (m == null ? "" : ": " + m));
        }
    }
}
