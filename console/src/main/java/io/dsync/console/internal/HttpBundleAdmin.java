package io.dsync.console.internal;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@link BundleAdmin} over the nodes' bundle API ({@link AdminHttp}, with the admin token). Thread-safe. */
final class HttpBundleAdmin implements BundleAdmin {

    /** A list of a few hundred bundles is tens of KB. */
    private static final int MAX_BODY = 4 << 20;
    /**
     * An install, update or uninstall stops and starts bundles and may refresh their dependants, and the node waits up
     * to 30 s for another bundle operation to end; a timeout would not undo the change, only hide it.
     */
    static final int WRITE_TIMEOUT_MILLIS = 60_000;

    private final AdminHttp http;

    /** @param http calls the nodes' admin APIs */
    HttpBundleAdmin(AdminHttp http) {
        this.http = http;
    }

    @Override
    public List<BundleInfo> list(String adminUrl) throws BundleAdminException {
        AdminHttp.Answer a = call("GET", adminUrl + "/bundles", null);
        if (a.status() != 200 || a.body() == null || !a.body().path("bundles").isArray()) {
            throw new BundleAdminException(a.status(), "GET /bundles: " + LockJsonReader.error(a.status(), a.body()));
        }
        List<BundleInfo> bundles = new ArrayList<>();
        for (JsonNode b : a.body().path("bundles")) {
            bundles.add(bundle(b));
        }
        bundles.sort(Comparator.comparingLong(BundleInfo::id));
        return bundles;
    }

    @Override
    public BundleInfo install(String adminUrl, byte[] jar, boolean start) throws BundleAdminException {
        return expect(201, call("POST", adminUrl + "/bundles" + (start ? "" : "?start=false"), jar)).bundle();
    }

    @Override
    public Change update(String adminUrl, long id, byte[] jar) throws BundleAdminException {
        return jar == null ? expect(200, call("POST", adminUrl + "/bundles/" + id + "/update", null))
                : expect(200, call("PUT", adminUrl + "/bundles/" + id, jar));
    }

    @Override
    public BundleInfo start(String adminUrl, long id) throws BundleAdminException {
        return expect(200, call("POST", adminUrl + "/bundles/" + id + "/start", null)).bundle();
    }

    @Override
    public BundleInfo stop(String adminUrl, long id) throws BundleAdminException {
        return expect(200, call("POST", adminUrl + "/bundles/" + id + "/stop", null)).bundle();
    }

    @Override
    public Change uninstall(String adminUrl, long id) throws BundleAdminException {
        return expect(200, call("DELETE", adminUrl + "/bundles/" + id, null));
    }

    /** The expected status with a bundle, or 202 Accepted with the bundle under {@code bundle}; else the refusal. */
    private static Change expect(int status, AdminHttp.Answer a) throws BundleAdminException {
        if (a.status() == 202) {
            JsonNode b = a.body() == null ? null : a.body().get("bundle");
            return new Change(b == null ? null : bundle(b), true);
        }
        if (a.status() != status) {
            throw new BundleAdminException(a.status(), LockJsonReader.error(a.status(), a.body()));
        }
        JsonNode b = a.body();
        return new Change(b == null || !b.has("symbolicName") ? null : bundle(b), false);
    }

    static BundleInfo bundle(JsonNode b) {
        return new BundleInfo(b.path("id").asLong(-1), b.path("symbolicName").asText(""), b.path("version").asText(""),
                b.path("state").asText("UNKNOWN"), b.path("fragment").asBoolean(false), b.path("location").asText(""),
                b.path("lastModified").asLong(0));
    }

    private AdminHttp.Answer call(String method, String url, byte[] body) throws BundleAdminException {
        int timeout = "GET".equals(method) ? http.timeoutMillis() : Math.max(http.timeoutMillis(), WRITE_TIMEOUT_MILLIS);
        try {
            return http.call(method, url, timeout, MAX_BODY, body);
        } catch (SocketTimeoutException e) {
            throw new BundleAdminException(0, method + " " + url + ": no answer within " + timeout + " ms"
                    + ("GET".equals(method) ? "" : " (it may still take effect: the list will show)"));
        } catch (IOException e) {
            String m = e.getMessage();
            throw new BundleAdminException(0, method + " " + url + ": " + e.getClass().getSimpleName() + (m == null ? "" : ": " + m));
        }
    }
}
