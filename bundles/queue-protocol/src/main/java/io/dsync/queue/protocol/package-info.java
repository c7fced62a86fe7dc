/**
 * What the queue client (every node) and the queue nodes agree on. Plain Java, inlined into both bundles and exported
 * by neither, so that either can be updated alone.
 * <ul>
 *   <li>{@link io.dsync.queue.protocol.QueueTopology}: the ring of queue nodes from the registry and where each
 *       partition of a queue lives (bounded-load consistent hashing, a primary and its replicas);</li>
 *   <li>{@link io.dsync.queue.protocol.Partitioner}: which partition a message goes to;</li>
 *   <li>{@link io.dsync.queue.protocol.MessageIds}: message ids carry their partition and stream entry;</li>
 *   <li>{@link io.dsync.queue.protocol.QueueCatalog}: the declared queues, in Redis;</li>
 *   <li>{@link io.dsync.queue.protocol.QueueWire}: the calls a client makes to a partition's owner, in binary
 *       ({@link io.dsync.queue.protocol.QueueWireCodec}) or JSON ({@link io.dsync.queue.protocol.WireFormats}).</li>
 * </ul>
 */
package io.dsync.queue.protocol;
