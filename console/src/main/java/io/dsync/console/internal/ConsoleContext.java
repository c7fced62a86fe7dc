package io.dsync.console.internal;

import java.time.Clock;

/**
 * What the views need, handed to them through the servlet (Vaadin creates views by reflection, without arguments).
 *
 * @param monitor the cluster, polled
 * @param locks the lock group, polled while the Locks view is open
 * @param lockActions the Locks view's admin actions
 * @param metrics the nodes' metrics, polled
 * @param users who may sign in
 * @param clock the console's clock
 * @param queues the queues, polled while the Queues view is open
 * @param cache the caches, polled while the Cache view is open
 * @param bundleActions the Bundles view's reads and admin actions
 */
record ConsoleContext(ClusterMonitor monitor, LocksMonitor locks, LockActions lockActions, MetricsMonitor metrics,
        UserDirectory users, Clock clock, QueuesMonitor queues, CacheMonitor cache,
        BundleActions bundleActions) {
}
