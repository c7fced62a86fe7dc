package io.dsync.console.internal;

import java.util.Objects;

/**
 * One bundle of one node, as its {@code GET /bundles} lists it.
 *
 * @param id the bundle id on that node
 * @param symbolicName its {@code Bundle-SymbolicName}
 * @param version its version
 * @param state {@code ACTIVE}, {@code RESOLVED}, {@code INSTALLED} ...
 * @param fragment whether it is a fragment (which is never started)
 * @param location where it was installed from
 * @param lastModified when it was last installed, updated or uninstalled (ms since the epoch; 0 when unknown)
 */
record BundleInfo(long id, String symbolicName, String version, String state, boolean fragment, String location,
                  long lastModified) {

    BundleInfo {
        Objects.requireNonNull(symbolicName, "symbolicName");
        Objects.requireNonNull(state, "state");
    }

    /** @return whether the bundle runs (its state is ACTIVE) */
    boolean active() {
        return "ACTIVE".equals(state);
    }
}
