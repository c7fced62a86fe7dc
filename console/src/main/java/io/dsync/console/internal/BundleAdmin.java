package io.dsync.console.internal;

import java.util.List;

/**
 * The calls the Bundles view makes to a node's bundle admin API (the admin bundle's {@code BundlesServlet}); every
 * write carries the admin token. Each call is bounded by a timeout; a failure is a {@link BundleAdminException} with
 * the node's HTTP status (0 when it did not answer) and a message of one line for the user: for a refusal, the node's
 * own reason (400 not a bundle, 409 already installed or busy, 422 does not start...), in which case the node changed
 * nothing. Implementations are thread-safe.
 */
interface BundleAdmin {

    /** {@code GET /bundles}, ordered by id. */
    List<BundleInfo> list(String adminUrl) throws BundleAdminException;

    /** {@code POST /bundles[?start=false]}: installs {@code jar} (and starts it unless told not to). */
    BundleInfo install(String adminUrl, byte[] jar, boolean start) throws BundleAdminException;

    /**
     * {@code PUT /bundles/{id}} with {@code jar}, or {@code POST /bundles/{id}/update} (from its location) when
     * {@code jar} is {@code null}.
     *
     * @return the bundle after the update; {@link Change#deferred()} when the node accepted it to run after its answer
     *     (202: the update restarts the admin API itself)
     */
    Change update(String adminUrl, long id, byte[] jar) throws BundleAdminException;

    /** {@code POST /bundles/{id}/start}. */
    BundleInfo start(String adminUrl, long id) throws BundleAdminException;

    /** {@code POST /bundles/{id}/stop}. */
    BundleInfo stop(String adminUrl, long id) throws BundleAdminException;

    /** {@code DELETE /bundles/{id}}; {@link Change#deferred()} as for an update. */
    Change uninstall(String adminUrl, long id) throws BundleAdminException;

    /**
     * What a node answered to an update or an uninstall.
     *
     * @param bundle the bundle as the node showed it (after the change, or before it when deferred); {@code null}
     *     when the answer had none (an uninstall)
     * @param deferred whether the node runs the change after it answered (HTTP 202)
     */
    record Change(BundleInfo bundle, boolean deferred) {
    }

    /** A call to a node's bundle API failed; the message is one line for the user. */
    final class BundleAdminException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        /**
         * @param status the node's HTTP status, or 0 when it did not answer
         * @param message one line for the user
         */
        BundleAdminException(int status, String message) {
            super(message);
            this.status = status;
        }

        /** @return the node's HTTP status, or 0 when it did not answer */
        int status() {
            return status;
        }
    }
}
