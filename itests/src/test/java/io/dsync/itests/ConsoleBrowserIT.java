package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import io.dsync.devkit.LocalCluster;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console as an operator uses it, in headless Chromium driven by the system's chromedriver (Debian's
 * {@code chromium} and {@code chromium-driver}; nothing downloads a browser), against a cluster this test starts: users
 * made with {@code dsync console user}, a wrong password refused and audit-logged, every view but the sign-in closed
 * to a browser without a session, and the Cluster view following a node killed with SIGKILL without a reload (server
 * push); the Locks view following a wait and a deadlock made through the lock HTTP API, the Raft leader, and an
 * admin's force-release handing the lock to its waiter (a viewer has no such button); the Queues view following
 * messages sent and polled and a queue node joining (the ring redrawn, the moved partitions named), and the Cache view
 * following a key read on two nodes (S on both) and written on one (M there); the Bundles view: a node's bundles, an
 * uploaded JAR installed, a bundle stopped and started, a bad file refused with the node's reason, and a rolling update
 * across a role's nodes. Only in the {@code browser-tests} profile; screenshots go to {@code target/screenshots/}.
 */
class ConsoleBrowserIT extends ClusterTest {

    private static final Path SHOTS = Path.of("target", "screenshots");
    private WebDriver driver;

    @AfterEach
    void closeBrowser() {
        if (driver != null) {
            driver.quit();
        }
    }

    @Test
    void anOperatorSignsInAndWatchesTheClusterLive() throws Exception {
        String admin = userEntry("ada", "admin", "ada's secret");
        String viewer = userEntry("vic", "viewer", "vic's secret");
        Cli badRole = Cli.runWithInput("pw", "console", "user", "eve", "root");
        assertThat(badRole.exitCode()).isEqualTo(2);
        assertThat(badRole.err()).contains("a console role is admin or viewer").doesNotContain("Exception");

        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("cweb").lockGroupSize(1)
                .consoleUsers(admin + "," + viewer)
                .node("lock-1", "lock").node("cache-1", "cache").node("console-1", "console").start();
        String url = cluster.consoleUrl("console-1");
        driver = chromium();

        // No session: every route leads to the sign-in; a wrong password is refused and audit-logged.
        for (String route : new String[] {"bundles", "locks", "queues", "cache", "metrics", ""}) {
            driver.get(url + route);
            waitFor(Duration.ofSeconds(30), () -> driver.getCurrentUrl().contains("/login") ? Optional.of(true) : Optional.empty());
            assertThat(driver.findElements(By.id("user"))).as(route + " without a session").isEmpty();
        }
        shot("login");
        signIn("ada", "not ada's secret");
        waitFor(Duration.ofSeconds(15), () -> Optional.ofNullable((Boolean) ((JavascriptExecutor) driver).executeScript(
                "const f = document.querySelector('vaadin-login-form'); return f && f.error ? true : null;")));
        shot("login-refused");
        assertThat(driver.findElements(By.id("nodes"))).isEmpty();
        Path consoleLog = cluster.node("console-1").dataDir().resolve("node.log");
        assertThat(Files.readString(consoleLog)).contains("failed sign-in as 'ada'").doesNotContain("not ada's secret");

        // A viewer sees the cluster.
        signIn("vic", "vic's secret");
        waitFor(Duration.ofSeconds(30), () -> stateOf("lock-1").filter("UP"::equals));
        assertThat(driver.findElement(By.id("user")).getText()).startsWith("vic");

        // An admin in a new session sees every node UP, then a node killed with SIGKILL turn DOWN without a reload.
        driver.manage().deleteAllCookies();
        driver.get(url);
        waitFor(Duration.ofSeconds(30), () -> driver.getCurrentUrl().contains("/login") ? Optional.of(true) : Optional.empty());
        signIn("ada", "ada's secret");
        for (String node : new String[] {"lock-1", "cache-1", "console-1"}) {
            waitFor(Duration.ofSeconds(30), () -> stateOf(node).filter("UP"::equals));
        }
        assertThat(driver.findElement(By.id("user")).getText()).startsWith("ada");
        shot("cluster");
        assertThat(Files.readString(consoleLog)).contains("'ada' (admin) signed in").contains("'vic' (viewer) signed in");

        long t0 = System.nanoTime();
        cluster.node("cache-1").kill();
        waitFor(Duration.ofSeconds(20), () -> stateOf("cache-1").filter("DOWN"::equals));
        System.out.printf("cache-1 shown DOWN %d ms after SIGKILL, without reloading the page%n",
                (System.nanoTime() - t0) / 1_000_000);
        shot("cluster-node-down");
        assertThat(stateOf("lock-1")).contains("UP");
    }

    @Test
    void anAdminWatchesLocksLiveAndForceReleasesAHolder() throws Exception {
        String admin = userEntry("ada", "admin", "ada's secret");
        String viewer = userEntry("vic", "viewer", "vic's secret");
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("clocks").lockGroupSize(1).adminToken(TOKEN)
                .consoleUsers(admin + "," + viewer).node("lock-1", "lock").node("console-1", "console").start();
        RaftProbe.awaitOneLeader(cluster.nodes().subList(0, 1));
        String lockNode = cluster.node("lock-1").url("");
        String url = cluster.consoleUrl("console-1");
        String a = openSession(lockNode);
        String b = openSession(lockNode);
        assertThat(lockCall("POST", lockNode + "/lock/sessions/" + a + "/acquire?name=orders/1&leaseMs=60000").statusCode()).isEqualTo(200);
        assertThat(lockCall("POST", lockNode + "/lock/sessions/" + b + "/acquire?name=orders/2&leaseMs=60000").statusCode()).isEqualTo(200);
        driver = chromium();

        // A viewer: the table, the Raft member, the graph; no force-release button.
        driver.get(url);
        signIn("vic", "vic's secret");
        openLocksView();
        waitFor(Duration.ofSeconds(30), () -> attribute("span[data-role][data-node='lock-1']", "data-role").filter("LEADER"::equals));
        waitFor(Duration.ofSeconds(30), () -> present(arc("hold", b, "orders/2")));
        waitFor(Duration.ofSeconds(10), () -> present("span[data-lock='orders/1'][data-waiters]"));
        assertThat(driver.findElements(By.cssSelector("[data-force-release]"))).as("a viewer has no button").isEmpty();

        // a waits for orders/2, held by b: the waiter and the wait arc appear without a reload.
        long t0 = System.nanoTime();
        CompletableFuture<HttpResponse<String>> aWaits = CompletableFuture.supplyAsync(() -> {
            try {
                return lockCall("POST", lockNode + "/lock/sessions/" + a + "/acquire?name=orders/2&waitMs=30000&leaseMs=60000");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        waitFor(Duration.ofSeconds(20), () -> present(arc("wait", a, "orders/2")));
        System.out.printf("a new wait shown %d ms after the request was sent, without reloading the page%n",
                (System.nanoTime() - t0) / 1_000_000);
        waitFor(Duration.ofSeconds(10), () -> attribute("span[data-lock='orders/2'][data-waiters]", "data-waiters")
                .filter(a::equals));
        // b asks for orders/1, held by a: a deadlock, broken by refusing b; listed with its victim.
        HttpResponse<String> deadlock = lockCall("POST", lockNode + "/lock/sessions/" + b + "/acquire?name=orders/1&waitMs=5000");
        assertThat(deadlock.statusCode()).as(deadlock.body()).isEqualTo(409);
        waitFor(Duration.ofSeconds(20), () -> present("#deadlocks li[data-victim='" + b + "'][data-lock='orders/1']"));
        shot("locks-viewer");

        // An admin force-releases b: after confirming, b's lock goes to a, which waited for it.
        driver.manage().deleteAllCookies();
        driver.get(url + LOCKS);
        signIn("ada", "ada's secret");
        openLocksView();
        WebElement release = waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.cssSelector(
                "vaadin-button[data-force-release='" + b + "'][data-lock='orders/2']")).stream().findFirst());
        release.click();
        WebElement confirm = waitFor(Duration.ofSeconds(10), () -> driver.findElements(By.cssSelector(
                "vaadin-button[slot='confirm-button']")).stream().filter(WebElement::isDisplayed).findFirst());
        shot("locks-force-release-confirm");
        confirm.click();
        waitFor(Duration.ofSeconds(20), () -> attribute("#locks-message", "data-result"));
        assertThat(driver.findElement(By.id("locks-message")).getAttribute("data-result"))
                .as(driver.findElement(By.id("locks-message")).getText()).isEqualTo("done");
        HttpResponse<String> granted = aWaits.get(20, TimeUnit.SECONDS);
        assertThat(granted.statusCode()).as("a gets orders/2: " + granted.body()).isEqualTo(200);
        waitFor(Duration.ofSeconds(20), () -> present(arc("hold", a, "orders/2")));
        assertThat(driver.findElements(By.cssSelector(arc("hold", b, "orders/2")))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("path[data-arc='wait']"))).isEmpty();
        shot("locks-after-force-release");
        Path consoleLog = cluster.node("console-1").dataDir().resolve("node.log");
        waitFor(Duration.ofSeconds(10), () -> Optional.of(read(consoleLog)).filter(l -> l.contains(
                "'ada' (admin) force-released session " + b + " holding 'orders/2' (closed through node lock-1): done")));

        // The Metrics view: five charts drawn on the server, the lock acquisitions of this test plotted.
        waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.id("nav-metrics")).stream().findFirst()).click();
        waitFor(Duration.ofSeconds(30), () -> driver.getCurrentUrl().endsWith("/metrics") ? Optional.of(true) : Optional.empty());
        assertThat(driver.findElements(By.cssSelector("div[data-chart] > svg"))).hasSize(5);
        waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.cssSelector("g[data-series='LOCK_P99']")).stream()
                .findFirst().map(g -> g.getAttribute("data-points")).filter(n -> Integer.parseInt(n) >= 2));
        shot("metrics");
    }

    @Test
    void aViewerWatchesTheQueueRingAndTheCacheLinesLive() throws Exception {
        String viewer = userEntry("vic", "viewer", "vic's secret");
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("cqc").lockGroupSize(1).adminToken(TOKEN)
                .consoleUsers(viewer).node("queue-1", "queue").node("cache-1", "cache").node("console-1", "console")
                .start();
        String q1 = cluster.node("queue-1").url("");
        String c1 = cluster.node("console-1").url("");
        call("PUT", q1 + "/queue/queues/orders-dlq", "{}", 200);
        call("PUT", q1 + "/queue/queues/orders", "{\"deadLetterQueue\":\"orders-dlq\",\"visibilityTimeoutMs\":60000}", 200);
        driver = chromium();
        driver.get(cluster.consoleUrl("console-1"));
        signIn("vic", "vic's secret");

        // Queues: the ring of queue-1 with the queue's partitions, then messages sent and polled shown without a reload.
        waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.id("nav-queues")).stream().findFirst()).click();
        waitFor(Duration.ofSeconds(30), () -> attribute("#queue-ring svg", "data-nodes").filter("queue-1"::equals));
        assertThat(driver.findElements(By.cssSelector("g[data-partition^='orders/'][data-primary='queue-1']"))).hasSize(8);
        waitFor(Duration.ofSeconds(20), () -> attribute("span[data-queue='orders']", "data-depth").filter("0"::equals));
        long t0 = System.nanoTime();
        call("POST", q1 + "/queue/queues/orders/messages", "{\"messages\":[{\"key\":\"a\",\"payload\":\"1\"},"
                + "{\"key\":\"b\",\"payload\":\"2\"},{\"key\":\"c\",\"payload\":\"3\"},{\"key\":\"d\",\"payload\":\"4\"},"
                + "{\"key\":\"e\",\"payload\":\"5\"}]}", 200);
        waitFor(Duration.ofSeconds(20), () -> attribute("span[data-queue='orders']", "data-depth").filter("5"::equals));
        System.out.printf("5 new messages shown in the Queues view %d ms after they were sent%n", (System.nanoTime() - t0) / 1_000_000);
        waitFor(Duration.ofSeconds(10), () -> attribute("span[data-queue='orders']", "data-sent")
                .filter(v -> !v.isEmpty() && Double.parseDouble(v) > 0));
        call("POST", q1 + "/queue/queues/orders/poll?max=2&settle=none", "", 200);
        waitFor(Duration.ofSeconds(20), () -> attribute("span[data-queue='orders']", "data-in-flight").filter("2"::equals));
        ((JavascriptExecutor) driver).executeScript("document.getElementById('last-rebalance').scrollIntoView()");
        shot("queues");

        // A second queue node joins: the ring redraws with it and the last rebalance names it and what moved.
        long t1 = System.nanoTime();
        cluster.addNode("queue-2", "queue");
        long t2 = System.nanoTime();
        waitFor(Duration.ofSeconds(30), () -> attribute("#last-rebalance", "data-joined").filter("queue-2"::equals));
        System.out.printf("queue-2's rebalance shown %d ms after it was healthy (%d ms after its start)%n",
                (System.nanoTime() - t2) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        assertThat(attribute("#queue-ring svg", "data-nodes")).contains("queue-1 queue-2");
        String moved = attribute("#last-rebalance", "data-moved").orElse("");
        assertThat(moved).as(driver.findElement(By.id("last-rebalance")).getText()).isNotEmpty();
        assertThat(driver.findElements(By.cssSelector("g[data-partition][data-moved='true'][data-primary='queue-2']")))
                .hasSize(moved.split(" ").length);
        shot("queues-rebalance");

        // Cache: a key read on two nodes is S on both; written on one, M there and no longer S on the other.
        call("PUT", cluster.node("cache-1").url("") + "/cache/caches/users", "{\"writeMode\":\"write-back\"}", 200);
        call("PUT", q1 + "/cache/caches/users/entry?key=k1", "{\"value\":\"one\"}", 200);
        call("PUT", q1 + "/cache/caches/users/entry?key=other", "{\"value\":\"two\"}", 200);
        waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.id("nav-cache")).stream().findFirst()).click();
        waitFor(Duration.ofSeconds(30), () -> driver.getCurrentUrl().endsWith("/cache") ? Optional.of(true) : Optional.empty());
        // Copies that are not used lapse with their lease (seconds): keep reading while the view is watched.
        java.util.concurrent.atomic.AtomicReference<String> readers = new java.util.concurrent.atomic.AtomicReference<>(q1 + " " + c1);
        CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
            while (!readers.get().isEmpty()) {
                try {
                    for (String node : readers.get().split(" ")) {
                        call("GET", node + "/cache/caches/users/entry?key=k1", null, 200);
                    }
                    Thread.sleep(200);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        try {
            waitFor(Duration.ofSeconds(30), () -> present(cell("k1", "queue-1", "S")).flatMap(x -> present(cell("k1", "console-1", "S"))));
            waitFor(Duration.ofSeconds(10), () -> present("td[data-directory='S']"));
            shot("cache-shared");
            readers.set(c1);
            long t3 = System.nanoTime();
            call("PUT", c1 + "/cache/caches/users/entry?key=k1", "{\"value\":\"uno\"}", 200);
            waitFor(Duration.ofSeconds(20), () -> present(cell("k1", "console-1", "M")));
            System.out.printf("a write shown as M in the Cache view %d ms after it was sent%n", (System.nanoTime() - t3) / 1_000_000);
            assertThat(driver.findElements(By.cssSelector(cell("k1", "queue-1", "S")))).isEmpty();
            assertThat(present("tr[data-key='other']")).isPresent();
            WebElement filter = driver.findElement(By.cssSelector("#cache-key-filter input"));
            filter.sendKeys("k1");
            waitFor(Duration.ofSeconds(10), () -> driver.findElements(By.cssSelector("tr[data-key='other']")).isEmpty()
                    ? Optional.of(true) : Optional.empty());
            assertThat(present("tr[data-key='k1']")).isPresent();
            assertThat(driver.findElements(By.cssSelector("#cache-hit-ratio-chart svg"))).hasSize(1);
            waitFor(Duration.ofSeconds(10), () -> driver.findElements(By.cssSelector("g[data-series='CACHE_VIEW_HIT_RATIO']"))
                    .stream().findFirst().map(g -> g.getAttribute("data-points")).filter(n -> Integer.parseInt(n) >= 2));
            shot("cache-modified");
        } finally {
            readers.set("");
            reading.get(10, TimeUnit.SECONDS);
        }
    }

    private static String cell(String key, String node, String state) {
        return "td[data-key='" + key + "'][data-node='" + node + "'][data-state='" + state + "']";
    }

    /** An admin API call with the token and a JSON body (none when {@code body} is null); asserts its status. */
    private static String call(String method, String url, String body, int status) throws Exception {
        HttpResponse<String> r = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + url + ": " + r.body()).isEqualTo(status);
        return r.body();
    }

    @Test
    void anAdminManagesBundlesAndRollsAnUpdateAcrossARole() throws Exception {
        String admin = userEntry("ada", "admin", "ada's secret");
        String viewer = userEntry("vic", "viewer", "vic's secret");
        // A bundle without code, which nothing uses: installing, stopping and updating it is harmless and quick.
        Path v1 = jar("harmless-1.0.0.jar", Bundles.bundle(HARMLESS, "1.0.0"));
        Path v2 = jar("harmless-1.0.1.jar", Bundles.bundle(HARMLESS, "1.0.1"));
        Path bad = jar("plain.jar", Bundles.plainJar());
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("cbundles").adminToken(TOKEN)
                .consoleUsers(admin + "," + viewer).node("cache-1", "cache").node("cache-2", "cache").node("console-1", "console").start();
        String cache1 = cluster.node("cache-1").url("");
        String cache2 = cluster.node("cache-2").url("");
        // cache-2 has the bundle already; cache-1 gets it through the console.
        HttpResponse<String> installed = bundleCall("POST", cache2 + "/bundles", Files.readAllBytes(v1));
        assertThat(installed.statusCode()).as(installed.body()).isEqualTo(201);
        driver = chromium();

        driver.get(cluster.consoleUrl("console-1"));
        signIn("ada", "ada's secret");
        waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.id("nav-bundles")).stream().findFirst()).click();
        waitFor(Duration.ofSeconds(30), () -> driver.getCurrentUrl().endsWith("/bundles") ? Optional.of(true) : Optional.empty());
        // All nodes, grouped by node (the grid renders the rows in sight); a filter; then cache-1 alone.
        waitFor(Duration.ofSeconds(30), () -> bundleState("cache-1", "io.dsync.admin").filter("ACTIVE"::equals));
        driver.findElement(By.cssSelector("#bundle-filter input")).sendKeys("harmless");
        waitFor(Duration.ofSeconds(30), () -> bundleState("cache-2", HARMLESS).filter("ACTIVE"::equals));
        pick("bundle-node", "cache-1");
        waitFor(Duration.ofSeconds(20), () -> attribute("#bundles-note", "data-nodes").filter("cache-1"::equals));
        waitFor(Duration.ofSeconds(10), () -> driver.findElements(By.cssSelector("span[data-state][data-node='cache-2']")).stream()
                .noneMatch(WebElement::isDisplayed) ? Optional.of(true) : Optional.empty());
        shot("bundles-node");

        // Install an uploaded JAR on cache-1.
        upload(v1);
        long shown = messageCount();
        driver.findElement(By.id("install")).click();
        assertThat(awaitNewResult(shown)).as(text("bundles-message")).isEqualTo("done");
        waitFor(Duration.ofSeconds(20), () -> bundleState("cache-1", HARMLESS).filter("ACTIVE"::equals));

        // Stop (after a confirmation) and start it.
        long t0 = System.nanoTime();
        shown = messageCount();
        bundleButton("stop", "cache-1", HARMLESS).click();
        confirm();
        waitFor(Duration.ofSeconds(20), () -> bundleState("cache-1", HARMLESS).filter("RESOLVED"::equals));
        System.out.printf("a bundle shown stopped %d ms after the confirmation was clicked%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(awaitNewResult(shown)).as(text("bundles-message")).isEqualTo("done");
        shot("bundles-stopped");
        shown = messageCount();
        bundleButton("start", "cache-1", HARMLESS).click();
        waitFor(Duration.ofSeconds(20), () -> bundleState("cache-1", HARMLESS).filter("ACTIVE"::equals));
        assertThat(awaitNewResult(shown)).as(text("bundles-message")).isEqualTo("done");

        // A bad file: the node refuses it with its reason, and nothing changes.
        int before = Nodes.JSON.readTree(bundleCall("GET", cache1 + "/bundles", null).body()).path("bundles").size();
        upload(bad);
        shown = messageCount();
        driver.findElement(By.id("install")).click();
        assertThat(awaitNewResult(shown)).isEqualTo("failed");
        assertThat(text("bundles-message")).contains("The node cache-1 refused 'plain.jar': HTTP 400: ")
                .contains("Bundle-SymbolicName");
        shot("bundles-bad-file");
        assertThat(Nodes.JSON.readTree(bundleCall("GET", cache1 + "/bundles", null).body()).path("bundles").size()).isEqualTo(before);

        // A rolling update of the bundle across the role 'cache', from the uploaded 1.0.1, shown live.
        upload(v2);
        pick("rollout-role", "cache");
        WebElement bsn = driver.findElement(By.cssSelector("#rollout-bsn input"));
        bsn.sendKeys(HARMLESS);
        bsn.sendKeys(Keys.TAB);
        driver.findElement(By.id("rollout-upload")).click();
        long t1 = System.nanoTime();
        confirm();
        waitFor(Duration.ofSeconds(150), () -> attribute("#rollout-outcome", "data-result").filter(r -> !r.equals("running")));
        System.out.printf("rolling update over 2 nodes ended %d ms after the confirmation%n", (System.nanoTime() - t1) / 1_000_000);
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView()", driver.findElement(By.id("rollout-steps")));
        shot("bundles-rolling-update");
        assertThat(attribute("#rollout-outcome", "data-result")).as(text("rollout-outcome")).contains("done");
        assertThat(driver.findElements(By.cssSelector("#rollout-steps li[data-state='DONE']"))).hasSize(2);
        for (String node : new String[] {cache1, cache2}) {
            com.fasterxml.jackson.databind.JsonNode bundles = Nodes.JSON.readTree(bundleCall("GET", node + "/bundles", null).body()).path("bundles");
            assertThat(java.util.stream.StreamSupport.stream(bundles.spliterator(), false)
                    .filter(b -> b.path("symbolicName").asText().equals(HARMLESS)).map(b -> b.path("version").asText()))
                    .as(node).containsExactly("1.0.1");
            assertThat(Nodes.JSON.readTree(bundleCall("GET", node + "/health", null).body()).path("status").asText())
                    .as(node).isEqualTo("UP");
        }
        waitFor(Duration.ofSeconds(20), () -> attribute("span[data-node='cache-1'][data-bsn='" + HARMLESS + "']", "data-version")
                .filter("1.0.1"::equals));

        // From each node's location instead: an uploaded bundle ("upload:...") has none, so cache-1 refuses (409) and
        // the run stops there, saying why, with cache-2 untouched.
        driver.findElement(By.id("rollout-location")).click();
        confirm();
        waitFor(Duration.ofSeconds(90), () -> attribute("#rollout-outcome", "data-result").filter("failed"::equals));
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView()", driver.findElement(By.id("rollout-steps")));
        shot("bundles-rolling-update-stopped");
        System.out.println("rolling update from the location: " + text("rollout-outcome"));
        assertThat(text("rollout-outcome")).contains("Stopped at node cache-1: the update was refused: HTTP 409: ")
                .contains("was installed from an upload and has no location to update from")
                .contains("not touched: cache-2");
        assertThat(driver.findElements(By.cssSelector("#rollout-steps li[data-node='cache-2'][data-state='NOT_RUN']"))).hasSize(1);
        // The refused update changed nothing on cache-1.
        com.fasterxml.jackson.databind.JsonNode kept = Nodes.JSON.readTree(bundleCall("GET", cache1 + "/bundles", null).body()).path("bundles");
        assertThat(java.util.stream.StreamSupport.stream(kept.spliterator(), false)
                .filter(b -> b.path("symbolicName").asText().equals(HARMLESS))
                .map(b -> b.path("version").asText() + " " + b.path("state").asText())).containsExactly("1.0.1 ACTIVE");
        Path consoleLog = cluster.node("console-1").dataDir().resolve("node.log");
        waitFor(Duration.ofSeconds(10), () -> Optional.of(read(consoleLog)).filter(l -> l.contains("'ada' (admin) stop of bundle "
                + HARMLESS + " 1.0.0") && l.contains("install of 'plain.jar'") && l.contains("rolling update of " + HARMLESS)
                && l.contains("each UP for 5 s before the next") && l.contains("failed: Stopped at node cache-1")));

        // A viewer sees the bundles, and no action.
        driver.findElement(By.id("sign-out")).click();
        waitFor(Duration.ofSeconds(30), () -> driver.getCurrentUrl().contains("/login") ? Optional.of(true) : Optional.empty());
        signIn("vic", "vic's secret");
        waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.id("nav-bundles")).stream().findFirst()).click();
        waitFor(Duration.ofSeconds(30), () -> bundleState("cache-1", "io.dsync.admin").filter("ACTIVE"::equals));
        assertThat(driver.findElements(By.cssSelector("vaadin-button[data-action]"))).as("a viewer has no button").isEmpty();
        assertThat(driver.findElements(By.id("bundle-upload"))).isEmpty();
        assertThat(driver.findElements(By.id("rollout-upload"))).isEmpty();
        shot("bundles-viewer");
    }

    private static final String HARMLESS = "io.dsync.itest.harmless";

    private Path jar(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve("jars").resolve(name);
        Files.createDirectories(p.getParent());
        return Files.write(p, bytes);
    }

    /** Picks {@code item} in the vaadin-select {@code id}, as a user does: open it, click the item. */
    private void pick(String id, String item) {
        waitFor(Duration.ofSeconds(20), () -> driver.findElements(By.id(id)).stream().findFirst()).click();
        waitFor(Duration.ofSeconds(20), () -> driver.findElements(By.cssSelector("vaadin-select-item")).stream()
                .filter(e -> e.isDisplayed() && e.getText().trim().equals(item)).findFirst()).click();
    }

    /** Gives the file to the Bundles view's upload and waits until the console took it. */
    private void upload(Path file) {
        WebElement upload = driver.findElement(By.id("bundle-upload"));
        WebElement input = upload.getShadowRoot().findElement(By.cssSelector("input[type='file']"));
        input.sendKeys(file.toAbsolutePath().toString());
        String name = file.getFileName().toString();
        waitFor(Duration.ofSeconds(20), () -> attribute("#upload-note", "data-uploaded").filter(name::equals));
    }

    private WebElement bundleButton(String action, String node, String bsn) {
        return waitFor(Duration.ofSeconds(20), () -> driver.findElements(By.cssSelector("vaadin-button[data-action='" + action
                + "'][data-node='" + node + "'][data-bsn='" + bsn + "']")).stream().filter(WebElement::isDisplayed).findFirst());
    }

    private void confirm() {
        waitFor(Duration.ofSeconds(10), () -> driver.findElements(By.cssSelector("vaadin-button[slot='confirm-button']")).stream()
                .filter(WebElement::isDisplayed).findFirst()).click();
    }

    /** How many times the Bundles view's message changed so far (its {@code data-message}). */
    private long messageCount() {
        return attribute("#bundles-message", "data-message").map(Long::parseLong).orElse(0L);
    }

    /**
     * The result of the Bundles view's next message after {@code shown} changes: the one a click just started (the
     * message of the action before may still be on the page when the click's answer is on its way).
     */
    private String awaitNewResult(long shown) {
        return waitFor(Duration.ofSeconds(60), () -> messageCount() > shown ? attribute("#bundles-message", "data-result")
                : Optional.empty());
    }

    private String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    private Optional<String> bundleState(String node, String bsn) {
        return attribute("span[data-state][data-node='" + node + "'][data-bsn='" + bsn + "']", "data-state");
    }

    private static HttpResponse<String> bundleCall(String method, String url, byte[] body) throws Exception {
        return HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TOKEN).method(method, body == null
                        ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Signed in, the console shows the Cluster view: the Locks view is one click away in the header. */
    private void openLocksView() {
        waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.id("nav-locks")).stream().findFirst()).click();
        waitFor(Duration.ofSeconds(30), () -> driver.getCurrentUrl().endsWith("/" + LOCKS) ? Optional.of(true) : Optional.empty());
    }

    private static final String TOKEN = "console-locks-token";
    private static final String LOCKS = "locks";
    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

    private static String arc(String kind, String session, String lock) {
        return "path[data-arc='" + kind + "'][data-session='" + session + "'][data-lock='" + lock + "']";
    }

    private Optional<Boolean> present(String css) {
        return driver.findElements(By.cssSelector(css)).isEmpty() ? Optional.empty() : Optional.of(true);
    }

    private Optional<String> attribute(String css, String name) {
        return driver.findElements(By.cssSelector(css)).stream().findFirst().map(e -> e.getAttribute(name));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static String openSession(String node) throws Exception {
        HttpResponse<String> r = lockCall("POST", node + "/lock/sessions?ttlMs=60000");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Nodes.JSON.readTree(r.body()).path("session").asText();
    }

    private static HttpResponse<String> lockCall(String method, String url) throws Exception {
        return HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(40))
                .header("Authorization", "Bearer " + TOKEN).method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A user entry as an operator makes one: {@code dsync console user NAME ROLE}, the password on standard input. */
    private static String userEntry(String name, String role, String password) throws Exception {
        Cli made = Cli.runWithInput(password, "console", "user", name, role);
        assertThat(made.exitCode()).as(made.err()).isZero();
        assertThat(made.out().trim()).startsWith(name + ":" + role + ":$2a$12$").doesNotContain(password);
        return made.out().trim();
    }

    /** A browser with a profile in the test's folder, which JUnit deletes after the test (not one in /tmp per run). */
    private WebDriver chromium() throws IOException {
        Files.createDirectories(SHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(System.getProperty("chromium", "/usr/bin/chromium"));
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,800",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium").toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(System.getProperty("chromedriver", "/usr/bin/chromedriver")))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private void signIn(String user, String password) {
        WebElement name = waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.cssSelector("input[name='username']"))
                .stream().findFirst());
        name.clear();
        name.sendKeys(user);
        WebElement pw = driver.findElement(By.cssSelector("input[name='password']"));
        pw.clear();
        pw.sendKeys(password);
        pw.sendKeys(Keys.ENTER);
    }

    private Optional<String> stateOf(String node) {
        return driver.findElements(By.cssSelector("span[data-node='" + node + "']")).stream().findFirst()
                .map(e -> e.getAttribute("data-state"));
    }

    private <T> T waitFor(Duration timeout, Supplier<Optional<T>> condition) {
        try {
            // A grid re-rendered by a push between finding an element and reading it leaves a stale reference: look again.
            return new WebDriverWait(driver, timeout, Duration.ofMillis(100))
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(d -> condition.get().orElse(null));
        } catch (org.openqa.selenium.TimeoutException e) {
            try {
                shot("failed-at-" + System.currentTimeMillis());
            } catch (IOException | RuntimeException ignored) {
                // The timeout is what to report.
            }
            throw new AssertionError("timed out at " + driver.getCurrentUrl(), e);
        }
    }

    private void shot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
