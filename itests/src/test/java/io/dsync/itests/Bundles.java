package io.dsync.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Small JARs made in memory to feed the bundle API. */
final class Bundles {

    private Bundles() {
    }

    /** A bundle with no code: {@code Bundle-SymbolicName} and version, plus extra manifest headers (name, value...). */
    static byte[] bundle(String symbolicName, String version, String... headers) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", version);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            a.putValue(headers[i], headers[i + 1]);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, m)) {
            jar.putNextEntry(new ZipEntry("readme.txt"));
            jar.write("test bundle".getBytes());
            jar.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** A JAR without a manifest. */
    static byte[] jarWithoutManifest() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("a.txt"));
            zip.write(1);
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** A JAR whose manifest is a plain Java one, not a bundle's. */
    static byte[] plainJar() throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, m)) {
            jar.putNextEntry(new ZipEntry("a.txt"));
            jar.closeEntry();
        }
        return bytes.toByteArray();
    }
}
