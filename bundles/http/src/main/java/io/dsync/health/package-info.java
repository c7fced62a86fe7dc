/**
 * Health contributors: any bundle registers a {@link io.dsync.health.HealthContributor} service and the node's
 * {@code GET /health} includes its answer; while one reports a problem, the node is {@code DEGRADED} (503).
 */
@Export
@Version("1.0.0")
package io.dsync.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
