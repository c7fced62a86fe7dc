package io.dsync.platform.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the distribution folder and sets up logging before the first logger is created. */
final class Home {

    private Home() {
    }

    /** @return {@code -Ddsync.home} (set by bin/dsync), else the folder above the launcher JAR's {@code lib/} */
    static Path find() {
        String prop = System.getProperty("dsync.home");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        try {
            Path jar = Path.of(Home.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().getParent().toAbsolutePath().normalize();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of(".").toAbsolutePath().normalize();
        }
    }

    /**
     * Chooses the Logback configuration: {@code etc/logback.xml} (console and {@code <logFile>}) for a node,
     * {@code etc/logback-cli.xml} (warnings on standard error) for the other commands. Must run before any logger
     * exists; an explicit {@code -Dlogback.configurationFile} wins.
     */
    static void initLogging(Path home, Path logFile) {
        if (logFile != null) {
            System.setProperty("dsync.log.file", logFile.toString());
        }
        if (System.getProperty("logback.configurationFile") == null) {
            Path config = home.resolve("etc").resolve(logFile != null ? "logback.xml" : "logback-cli.xml");
            if (Files.isRegularFile(config)) {
                System.setProperty("logback.configurationFile", config.toString());
            }
        }
        if (logFile != null) {
            // FileInstall and Jetty log through java.util.logging when no OSGi LogService is present.
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        }
    }
}
