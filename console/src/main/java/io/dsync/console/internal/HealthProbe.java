package io.dsync.console.internal;

/** Asks one node how it is. Implementations are safe for concurrent use. */
@FunctionalInterface
interface HealthProbe {

    /**
     * @param adminUrl {@code http://host:port} of the node's admin API
     * @return its answer, or {@link HealthReport#unreachable} with the reason; never throws
     */
    HealthReport probe(String adminUrl);
}
