package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
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
 * The console in headless Chromium, driven through the system's chromedriver (nothing downloads a browser), against a
 * running console node: {@code mvn -pl console verify -Pbrowser-tests -Dconsole.url=http://127.0.0.1:8880
 * -Dconsole.user=admin -Dconsole.password=... -Dconsole.nodes=lock1,console1} and, to see a node killed,
 * {@code -Dconsole.kill=<pid>:<node id>} (the test kills that process with SIGKILL while the page is open and waits for
 * the row to turn DOWN without reloading: that is server push). Screenshots go to {@code target/screenshots/}.
 */
class ConsoleBrowserIT {

    private static final Path SHOTS = Path.of("target", "screenshots");
    private final String url = System.getProperty("console.url", "http://127.0.0.1:8880");
    private WebDriver driver;

    @BeforeEach
    void browser() throws IOException {
        Files.createDirectories(SHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(System.getProperty("chromium", "/usr/bin/chromium"));
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,800",
                "--user-data-dir=" + Files.createTempDirectory("console-chromium").toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(System.getProperty("chromedriver", "/usr/bin/chromedriver")))
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.quit();
        }
    }

    @Test
    void aWrongPasswordIsRefusedAndTheClusterViewNeedsASignIn() throws IOException {
        driver.get(url + "/");
        waitFor(Duration.ofSeconds(30), () -> driver.getCurrentUrl().contains("/login") ? Optional.of(true) : Optional.empty());
        signIn(System.getProperty("console.user", "admin"), "not-the-password");
        waitFor(Duration.ofSeconds(15), () -> driver.getCurrentUrl().contains("error") ? Optional.of(true) : Optional.empty());
        waitFor(Duration.ofSeconds(15), () -> Optional.ofNullable(
                (Boolean) ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                        "const f = document.querySelector('vaadin-login-form'); return f && f.error ? true : null;")));
        shot("login-refused");
        assertThat(driver.findElements(By.id("nodes"))).isEmpty();
    }

    @Test
    void signsInAndSeesEveryNodeLive() throws IOException {
        driver.get(url + "/");
        waitFor(Duration.ofSeconds(30), () -> driver.getCurrentUrl().contains("/login") ? Optional.of(true) : Optional.empty());
        shot("login");
        signIn(System.getProperty("console.user", "admin"), System.getProperty("console.password", ""));

        List<String> nodes = List.of(System.getProperty("console.nodes", "").split(","));
        for (String node : nodes) {
            if (!node.isBlank()) {
                waitFor(Duration.ofSeconds(30), () -> stateOf(node).filter("UP"::equals));
            }
        }
        assertThat(driver.findElement(By.id("user")).getText()).startsWith(System.getProperty("console.user", "admin"));
        shot("cluster");

        String kill = System.getProperty("console.kill", "");
        if (!kill.isBlank()) {
            long pid = Long.parseLong(kill.substring(0, kill.indexOf(':')));
            String node = kill.substring(kill.indexOf(':') + 1);
            long t0 = System.nanoTime();
            ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid)).destroyForcibly();
            waitFor(Duration.ofSeconds(20), () -> stateOf(node).filter("DOWN"::equals));
            System.out.printf("Node %s (pid %d) shown DOWN %d ms after SIGKILL, without reloading the page%n", node, pid,
                    (System.nanoTime() - t0) / 1_000_000);
            shot("cluster-node-down");
        }
    }

    private void signIn(String user, String password) {
        WebElement name = waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.cssSelector("input[name='username']"))
                .stream().findFirst());
        name.sendKeys(user);
        WebElement pw = driver.findElement(By.cssSelector("input[name='password']"));
        pw.sendKeys(password);
        pw.sendKeys(Keys.ENTER);
    }

    private Optional<String> stateOf(String node) {
        return driver.findElements(By.cssSelector("span[data-node='" + node + "']")).stream().findFirst()
                .map(e -> e.getAttribute("data-state"));
    }

    private <T> T waitFor(Duration timeout, java.util.function.Supplier<Optional<T>> condition) {
        try {
            return new WebDriverWait(driver, timeout, Duration.ofMillis(100))
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
