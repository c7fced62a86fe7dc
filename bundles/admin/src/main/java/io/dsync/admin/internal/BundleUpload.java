package io.dsync.admin.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.osgi.framework.Version;

/**
 * An uploaded bundle, checked before the framework sees it: a zip with a manifest that names an OSGi R4+ bundle.
 *
 * @param bytes the JAR
 * @param symbolicName its {@code Bundle-SymbolicName} without directives
 * @param version its {@code Bundle-Version}, normalized; {@code 0.0.0} when absent
 */
record BundleUpload(byte[] bytes, String symbolicName, String version) {

    /** The upload is not a bundle; the message says why, in words for the person who sent it. */
    static final class InvalidBundleException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidBundleException(String message) {
            super(message);
        }
    }

    /** The upload exceeds the configured limit. */
    static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message);
        }
    }

    /**
     * Reads at most {@code maxBytes} from {@code in} and checks that they are a bundle.
     */
    static BundleUpload read(InputStream in, long maxBytes) throws IOException, InvalidBundleException, TooLargeException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) {
            throw new TooLargeException("upload is larger than the limit of " + maxBytes + " bytes (maxUploadMiB in etc/io.dsync.admin.cfg)");
        }
        return parse(bytes);
    }

    static BundleUpload parse(byte[] bytes) throws InvalidBundleException {
        if (bytes.length == 0) {
            throw new InvalidBundleException("empty body: send the bundle JAR as the request body (curl --data-binary @bundle.jar)");
        }
        Manifest manifest = null;
        int entries = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                entries++;
                if ("META-INF/MANIFEST.MF".equalsIgnoreCase(e.getName())) {
                    manifest = new Manifest(zip);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidBundleException("not a JAR file: " + e.getMessage());
        }
        if (entries == 0) {
            throw new InvalidBundleException("not a JAR file: no zip entries found");
        }
        if (manifest == null) {
            throw new InvalidBundleException("not an OSGi bundle: the JAR has no META-INF/MANIFEST.MF");
        }
        Attributes main = manifest.getMainAttributes();
        String bsn = main.getValue("Bundle-SymbolicName");
        if (bsn == null || bsn.isBlank()) {
            throw new InvalidBundleException("not an OSGi bundle: the manifest has no Bundle-SymbolicName");
        }
        if (!"2".equals(trim(main.getValue("Bundle-ManifestVersion")))) {
            throw new InvalidBundleException("not an OSGi R4+ bundle: Bundle-ManifestVersion must be 2");
        }
        String version = trim(main.getValue("Bundle-Version"));
        try {
            version = Version.parseVersion(version).toString();
        } catch (IllegalArgumentException e) {
            throw new InvalidBundleException("not a valid Bundle-Version: '" + version + "'");
        }
        int semi = bsn.indexOf(';');
        return new BundleUpload(bytes, (semi < 0 ? bsn : bsn.substring(0, semi)).trim(), version);
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }
}
