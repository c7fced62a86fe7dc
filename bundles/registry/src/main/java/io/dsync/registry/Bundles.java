package io.dsync.registry;

import java.util.Arrays;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/** Describes the bundles of a running framework as {@link BundleInfo} values. */
public final class Bundles {

    private Bundles() {
    }

    /**
     * @param context any bundle context of the framework
     * @return every installed bundle, ordered by id
     */
    public static List<BundleInfo> describe(BundleContext context) {
        return Arrays.stream(context.getBundles()).map(Bundles::describe).toList();
    }

    /**
     * @param bundle a bundle
     * @return its description
     */
    public static BundleInfo describe(Bundle bundle) {
        return new BundleInfo(bundle.getBundleId(), bundle.getSymbolicName(), bundle.getVersion().toString(),
                state(bundle.getState()), bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null);
    }

    /**
     * @param state a {@link Bundle#getState()} value
     * @return its name
     */
    public static String state(int state) {
        return switch (state) {
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNKNOWN(" + state + ")";
        };
    }
}
