/**
 * What the cache client (every node) and the cache nodes (the homes) agree on. Plain Java over Redisson and the node
 * messaging API, inlined into both bundles and exported by neither, so that either can be updated alone.
 */
package io.dsync.cache.protocol;
