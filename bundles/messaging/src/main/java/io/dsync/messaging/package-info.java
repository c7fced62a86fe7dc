/**
 * Node-to-node requests: a node serves named topics ({@link io.dsync.messaging.Messaging#serve}) and asks other
 * nodes' topics ({@link io.dsync.messaging.Messaging#request}), over one connection per peer on which many requests
 * are in flight at once. Bodies are bytes; what they mean is the topic's business. Each node's messaging port is in
 * the registry ({@code ports.messaging}).
 */
@Export
@Version("1.1.0")
package io.dsync.messaging;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
