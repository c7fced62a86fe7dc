package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** Against a stand-in node (the JDK's HTTP server) answering as the admin bundle's BundlesServlet does. */
class HttpBundleAdminTest {

    private static final String CACHE_NODE = "{\"id\":31,\"symbolicName\":\"io.dsync.cache.node\",\"version\":\"0.1.0.SNAPSHOT\","
            + "\"state\":\"ACTIVE\",\"fragment\":false,\"location\":\"file:/opt/dsync/bundles/dsync-cache-node.jar\","
            + "\"lastModified\":1764840000000}";
    private static final String ADMIN = "{\"id\":12,\"symbolicName\":\"io.dsync.admin\",\"version\":\"0.1.0.SNAPSHOT\","
            + "\"state\":\"ACTIVE\",\"fragment\":false,\"location\":\"file:/opt/dsync/bundles/dsync-admin.jar\",\"lastModified\":5}";

    private HttpServer node;
    private String url;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final BundleAdmin admin = new HttpBundleAdmin(new AdminHttp(2000, "s3cret"));

    @BeforeEach
    void startNode() throws IOException {
        node = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        node.createContext("/bundles", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String call = ex.getRequestMethod() + " " + ex.getRequestURI();
            requests.add(call + " " + body.length + " bytes " + ex.getRequestHeaders().getFirst("Authorization")
                    + (body.length > 0 ? " " + ex.getRequestHeaders().getFirst("Content-Type") : ""));
            switch (call) {
                case "GET /bundles" -> answer(ex, 200, "{\"bundles\":[" + CACHE_NODE + "," + ADMIN + "]}");
                case "POST /bundles" -> answer(ex, body.length == 3 ? 201 : 400, body.length == 3 ? CACHE_NODE
                        : "{\"error\":\"invalid\",\"message\":\"not an OSGi bundle: the manifest has no Bundle-SymbolicName\"}");
                case "POST /bundles?start=false" -> answer(ex, 201, CACHE_NODE);
                case "PUT /bundles/31", "POST /bundles/31/update", "POST /bundles/31/start",
                        "POST /bundles/31/stop" -> answer(ex, 200, CACHE_NODE);
                case "POST /bundles/12/update" -> answer(ex, 202, "{\"accepted\":\"update\",\"bundle\":" + ADMIN
                        + ",\"note\":\"this refresh restarts the admin API; poll GET /bundles/12\"}");
                case "POST /bundles/12/stop" -> answer(ex, 409, "{\"error\":\"protected\",\"message\":\"refusing to stop "
                        + "the admin bundle over its own API: the node would lose it\"}");
                case "DELETE /bundles/31" -> answer(ex, 200, "{}");
                default -> answer(ex, 404, "{\"error\":\"not-found\",\"message\":\"no bundle with id 99\"}");
            }
        });
        node.start();
        url = "http://127.0.0.1:" + node.getAddress().getPort();
    }

    @AfterEach
    void stopNode() {
        node.stop(0);
    }

    private static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Test
    void listsTheBundlesByIdWithTheirStateAndVersion() throws Exception {
        List<BundleInfo> bundles = admin.list(url);

        assertThat(bundles).containsExactly(
                new BundleInfo(12, "io.dsync.admin", "0.1.0.SNAPSHOT", "ACTIVE", false, "file:/opt/dsync/bundles/dsync-admin.jar", 5),
                new BundleInfo(31, "io.dsync.cache.node", "0.1.0.SNAPSHOT", "ACTIVE", false,
                        "file:/opt/dsync/bundles/dsync-cache-node.jar", 1764840000000L));
        assertThat(requests).containsExactly("GET /bundles 0 bytes Bearer s3cret");
    }

    @Test
    void sendsTheJarAsTheBodyWithTheTokenForAnInstallAndAnUpdate() throws Exception {
        assertThat(admin.install(url, new byte[] {1, 2, 3}, true).id()).isEqualTo(31);
        admin.install(url, new byte[] {1, 2, 3, 4}, false);
        BundleAdmin.Change update = admin.update(url, 31, new byte[] {9, 9});

        assertThat(update.deferred()).isFalse();
        assertThat(update.bundle().symbolicName()).isEqualTo("io.dsync.cache.node");
        assertThat(requests).containsExactly("POST /bundles 3 bytes Bearer s3cret application/octet-stream",
                "POST /bundles?start=false 4 bytes Bearer s3cret application/octet-stream",
                "PUT /bundles/31 2 bytes Bearer s3cret application/octet-stream");
    }

    @Test
    void theOtherActionsUseTheirPaths() throws Exception {
        admin.update(url, 31, null);
        assertThat(admin.stop(url, 31).state()).isEqualTo("ACTIVE");
        admin.start(url, 31);
        assertThat(admin.uninstall(url, 31)).isEqualTo(new BundleAdmin.Change(null, false));

        assertThat(requests).containsExactly("POST /bundles/31/update 0 bytes Bearer s3cret",
                "POST /bundles/31/stop 0 bytes Bearer s3cret", "POST /bundles/31/start 0 bytes Bearer s3cret",
                "DELETE /bundles/31 0 bytes Bearer s3cret");
    }

    @Test
    void anUpdateTheNodeRunsAfterItsAnswerIsDeferred() throws Exception {
        BundleAdmin.Change c = admin.update(url, 12, null);

        assertThat(c.deferred()).isTrue();
        assertThat(c.bundle().symbolicName()).isEqualTo("io.dsync.admin");
    }

    @Test
    void aRefusalCarriesTheNodesStatusAndReason() {
        assertThatThrownBy(() -> admin.install(url, new byte[] {1, 2, 3, 4, 5}, true))
                .isInstanceOfSatisfying(BundleAdmin.BundleAdminException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("HTTP 400: not an OSGi bundle: the manifest has no Bundle-SymbolicName");
                });
        assertThatThrownBy(() -> admin.stop(url, 12))
                .hasMessage("HTTP 409: refusing to stop the admin bundle over its own API: the node would lose it");
        assertThatThrownBy(() -> admin.start(url, 99)).hasMessage("HTTP 404: no bundle with id 99");
    }

    @Test
    void aNodeThatDoesNotAnswerIsStatusZero() {
        node.stop(0);

        assertThatThrownBy(() -> admin.list(url)).isInstanceOfSatisfying(BundleAdmin.BundleAdminException.class, e -> {
            assertThat(e.status()).isZero();
            assertThat(e.getMessage()).startsWith("GET " + url + "/bundles: ConnectException");
        });
    }
}
