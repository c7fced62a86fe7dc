package io.dsync.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.lang.annotation.Annotation;

import org.junit.jupiter.api.Test;

import io.dsync.http.FakeHttp;
import io.dsync.http.HttpError;
import jakarta.servlet.http.HttpServletRequest;

class TokenAdminAccessTest {

    static AdminAccessConfig config(String token) {
        return new AdminAccessConfig() {
            @Override
            public String token() {
                return token;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return AdminAccessConfig.class;
            }
        };
    }

    static HttpServletRequest withAuthorization(String value) {
        return value == null ? FakeHttp.request("POST", "/bundles/3/start")
                : FakeHttp.request("POST", "/bundles/3/start", "Authorization", value);
    }

    static HttpError adminRefusal(TokenAdminAccess access, String authorization) {
        return catchThrowableOfType(HttpError.class, () -> access.requireAdmin(withAuthorization(authorization)));
    }

    static HttpError writerRefusal(TokenAdminAccess access, String authorization) {
        return catchThrowableOfType(HttpError.class, () -> access.requireWriter(withAuthorization(authorization)));
    }

    @Test
    void withoutATokenAdminOperationsAreDisabledAndClientWritesOpen() {
        for (String none : new String[] {"", "   ", null}) {
            TokenAdminAccess access = new TokenAdminAccess(config(none));
            assertThat(access.tokenConfigured()).isFalse();
            HttpError e = adminRefusal(access, "Bearer anything");
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.code()).isEqualTo("admin-disabled");
            assertThat(e.getMessage()).contains("--admin-token");
            assertThat(writerRefusal(access, null)).isNull();
            assertThat(writerRefusal(access, "Bearer anything")).isNull();
        }
    }

    @Test
    void theRightTokenPasses() {
        TokenAdminAccess access = new TokenAdminAccess(config("s3cret"));
        assertThat(access.tokenConfigured()).isTrue();
        assertThatCode(() -> access.requireAdmin(withAuthorization("Bearer s3cret"))).doesNotThrowAnyException();
        assertThatCode(() -> access.requireWriter(withAuthorization("Bearer s3cret"))).doesNotThrowAnyException();
        // Blanks around the token, in the header or in the file, do not matter.
        assertThatCode(() -> access.requireAdmin(withAuthorization("Bearer   s3cret  "))).doesNotThrowAnyException();
        assertThatCode(() -> new TokenAdminAccess(config(" s3cret ")).requireAdmin(withAuthorization("Bearer s3cret")))
                .doesNotThrowAnyException();
    }

    @Test
    void theBearerSchemeIsMatchedWithoutRegardToCase() {
        TokenAdminAccess access = new TokenAdminAccess(config("s3cret"));
        for (String scheme : new String[] {"bearer", "BEARER", "BeArEr"}) {
            assertThatCode(() -> access.requireAdmin(withAuthorization(scheme + " s3cret"))).as(scheme).doesNotThrowAnyException();
            assertThatCode(() -> access.requireWriter(withAuthorization(scheme + " s3cret"))).as(scheme).doesNotThrowAnyException();
        }
    }

    @Test
    void aWrongTokenIsRefusedWith401() {
        TokenAdminAccess access = new TokenAdminAccess(config("s3cret"));
        for (String wrong : new String[] {"Bearer s3cret2", "Bearer S3CRET", "Bearer s3cre"}) {
            for (HttpError e : new HttpError[] {adminRefusal(access, wrong), writerRefusal(access, wrong)}) {
                assertThat(e).as(wrong).isNotNull();
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.code()).isEqualTo("token");
                assertThat(e.getMessage()).isEqualTo("wrong admin token");
            }
        }
    }

    @Test
    void aMissingTokenIsRefusedWith401() {
        TokenAdminAccess access = new TokenAdminAccess(config("s3cret"));
        // No header, an empty bearer, another scheme: nothing that counts as a token was presented.
        for (String missing : new String[] {null, "Bearer", "Bearer ", "Basic czNjcmV0", "s3cret"}) {
            for (HttpError e : new HttpError[] {adminRefusal(access, missing), writerRefusal(access, missing)}) {
                assertThat(e).as(String.valueOf(missing)).isNotNull();
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.code()).isEqualTo("token");
                assertThat(e.getMessage()).startsWith("missing admin token");
            }
        }
    }

    @Test
    void aChangedTokenTakesEffectAtOnce() {
        TokenAdminAccess access = new TokenAdminAccess(config("old"));
        access.requireAdmin(withAuthorization("Bearer old"));

        access.update(config("new"));
        assertThat(adminRefusal(access, "Bearer old").status()).isEqualTo(401);
        assertThat(writerRefusal(access, "Bearer old").status()).isEqualTo(401);
        assertThatCode(() -> access.requireAdmin(withAuthorization("Bearer new"))).doesNotThrowAnyException();
        assertThatCode(() -> access.requireWriter(withAuthorization("Bearer new"))).doesNotThrowAnyException();

        access.update(config(""));
        assertThat(access.tokenConfigured()).isFalse();
        assertThat(adminRefusal(access, "Bearer new").code()).isEqualTo("admin-disabled");
        assertThat(writerRefusal(access, null)).isNull();

        access.update(config("again"));
        assertThat(access.tokenConfigured()).isTrue();
        assertThatCode(() -> access.requireAdmin(withAuthorization("bearer again"))).doesNotThrowAnyException();
        assertThat(writerRefusal(access, null).status()).isEqualTo(401);
    }
}
