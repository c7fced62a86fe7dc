/**
 * What the node's bundles share for their metrics besides Dropwizard's registry: {@link io.dsync.metrics.OutageClock},
 * the partition recovery time as a node's callers see it. Plain Java.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.dsync.metrics;
