/**
 * Node discovery: who is in the cluster, with which roles, at which addresses, running which bundles.
 *
 * <p>Each node writes its {@link io.dsync.registry.NodeInfo} to Redis every heartbeat with a time to live of a few
 * heartbeats, so a node that dies disappears by itself (sooner when its connections to Redis closed with it); a node that
 * stops cleanly removes itself at once.
 * {@link io.dsync.registry.NodeDirectory} reads and writes that layout and is usable outside OSGi (the CLI uses it).
 */
@Export
@Version("1.2.0")
package io.dsync.registry;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
