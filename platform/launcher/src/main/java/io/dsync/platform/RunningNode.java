package io.dsync.platform;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.registry.Bundles;

/** A started node. {@link #stop()} is idempotent and safe to call from a shutdown hook. */
public final class RunningNode {

    private static final Logger LOG = LoggerFactory.getLogger(RunningNode.class);

    private final NodeOptions options;
    private final Framework framework;
    private final Instant started;

    RunningNode(NodeOptions options, Framework framework, Instant started) {
        this.options = options;
        this.framework = framework;
        this.started = started;
    }

    /** @return the options the node was started with */
    public NodeOptions options() {
        return options;
    }

    /** @return the URL of the node's health endpoint */
    public String healthUrl() {
        return "http://" + options.advertise() + ":" + options.adminPort() + "/health";
    }

    /** @return the bundles that are neither ACTIVE nor healthy fragments, as {@code name (STATE)} */
    public List<String> inactiveBundles() {
        return Arrays.stream(framework.getBundleContext().getBundles())
                .filter(b -> b.getState() != Bundle.ACTIVE
                        && !(b.getHeaders().get(Constants.FRAGMENT_HOST) != null && b.getState() == Bundle.RESOLVED))
                .map(b -> b.getSymbolicName() + " (" + Bundles.state(b.getState()) + ")")
                .toList();
    }

    /** Blocks until the framework stops (by {@link #stop()}, a shutdown hook, or the Gogo shell). */
    public void awaitStop() throws InterruptedException {
        FrameworkEvent event = framework.waitForStop(0);
        if (event.getType() == FrameworkEvent.ERROR) {
            LOG.error("Framework stopped with an error", event.getThrowable());
        }
    }

    /** Stops every bundle and the framework, waiting up to 30 s. */
    public void stop() {
        if (framework.getState() == Bundle.ACTIVE || framework.getState() == Bundle.STARTING) {
            LOG.info("Node '{}' stopping after {} s", options.id(), (Instant.now().getEpochSecond() - started.getEpochSecond()));
            NodeLauncher.stopQuietly(framework);
            LOG.info("Node '{}' stopped", options.id());
        }
    }
}
