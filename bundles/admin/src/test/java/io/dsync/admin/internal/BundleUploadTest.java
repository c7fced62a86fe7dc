package io.dsync.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

class BundleUploadTest {

    static byte[] jar(String... headers) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            m.getMainAttributes().putValue(headers[i], headers[i + 1]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream j = new JarOutputStream(out, m)) {
            j.putNextEntry(new ZipEntry("x.txt"));
            j.closeEntry();
        }
        return out.toByteArray();
    }

    @Test
    void acceptsABundleAndReadsItsName() throws Exception {
        BundleUpload u = BundleUpload.parse(jar("Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "a.b;singleton:=true",
                "Bundle-Version", "1.2.3"));
        assertThat(u.symbolicName()).isEqualTo("a.b");
        assertThat(u.version()).isEqualTo("1.2.3");
        assertThat(BundleUpload.parse(jar("Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "b")).version()).isEqualTo("0.0.0");
    }

    @Test
    void rejectsWhatIsNotABundleWithAReason() throws Exception {
        assertThatThrownBy(() -> BundleUpload.parse(new byte[0])).hasMessageStartingWith("empty body");
        assertThatThrownBy(() -> BundleUpload.parse("hello".getBytes())).hasMessageStartingWith("not a JAR file");
        assertThatThrownBy(() -> BundleUpload.parse(jar())).hasMessage("not an OSGi bundle: the manifest has no Bundle-SymbolicName");
        assertThatThrownBy(() -> BundleUpload.parse(jar("Bundle-SymbolicName", "a"))).hasMessageContaining("Bundle-ManifestVersion must be 2");
        assertThatThrownBy(() -> BundleUpload.parse(jar("Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "a", "Bundle-Version", "one")))
                .hasMessage("not a valid Bundle-Version: 'one'");
    }

    @Test
    void refusesUploadsAboveTheLimit() throws Exception {
        byte[] bytes = jar("Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "a");
        assertThatThrownBy(() -> BundleUpload.read(new ByteArrayInputStream(bytes), bytes.length - 1))
                .isInstanceOf(BundleUpload.TooLargeException.class);
        assertThat(BundleUpload.read(new ByteArrayInputStream(bytes), bytes.length).symbolicName()).isEqualTo("a");
    }

    @Test
    void pathsHaveThreeShapes() {
        assertThat(BundlesServlet.Path.parse(null)).isEqualTo(new BundlesServlet.Path(null, null));
        assertThat(BundlesServlet.Path.parse("/12")).isEqualTo(new BundlesServlet.Path(12L, null));
        assertThat(BundlesServlet.Path.parse("/12/start")).isEqualTo(new BundlesServlet.Path(12L, "start"));
        assertThat(BundlesServlet.Path.parse("/abc")).isNull();
        assertThat(BundlesServlet.Path.parse("/-1")).isNull();
        assertThat(BundlesServlet.Path.parse("/1/2/3")).isNull();
    }
}
