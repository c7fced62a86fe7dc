package io.dsync.registry;

/**
 * One bundle of a node, as reported in the registry and by {@code /health}.
 *
 * @param id the framework's bundle id
 * @param symbolicName the bundle symbolic name
 * @param version the bundle version
 * @param state {@code INSTALLED}, {@code RESOLVED}, {@code STARTING}, {@code STOPPING}, {@code ACTIVE} or {@code UNINSTALLED}
 * @param fragment whether it is a fragment (fragments never become ACTIVE; RESOLVED is their healthy state)
 */
public record BundleInfo(long id, String symbolicName, String version, String state, boolean fragment) {

    /** @return whether the bundle is in its healthy state: ACTIVE, or RESOLVED for a fragment */
    public boolean healthy() {
        return fragment ? "RESOLVED".equals(state) : "ACTIVE".equals(state);
    }
}
