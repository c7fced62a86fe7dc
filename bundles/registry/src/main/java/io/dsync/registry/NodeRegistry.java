package io.dsync.registry;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * This node's view of the cluster membership kept in Redis.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
@ProviderType
public interface NodeRegistry {

    /** @return what this node publishes about itself (bundle states as of the last heartbeat) */
    NodeInfo self();

    /**
     * Reads the live nodes from Redis.
     *
     * @return the nodes whose heartbeat has not expired, this one included, ordered by id
     * @throws RegistryUnavailableException when Redis cannot be read
     */
    List<NodeInfo> nodes();

    /**
     * Reads the live nodes from Redis, without those whose last heartbeat is more than two heartbeat intervals old
     * (paused, starved or cut off from Redis): for work that can move safely to another node seconds before the
     * entry of a silent one expires ({@link NodeDirectory#listResponsive()}).
     *
     * @return those nodes, this one included while it heartbeats, ordered by id; {@link #nodes()} in registries that
     *     cannot tell
     * @throws RegistryUnavailableException when Redis cannot be read
     * @since 1.2
     */
    default List<NodeInfo> responsiveNodes() {
        return nodes();
    }

    /** @return when the last heartbeat reached Redis, or empty if none has yet */
    Optional<Instant> lastHeartbeat();

    /**
     * @return a human-readable reason why this node is not registered (Redis unreachable, node id taken by another
     *     live process), or empty when the last heartbeat succeeded
     */
    Optional<String> problem();
}
