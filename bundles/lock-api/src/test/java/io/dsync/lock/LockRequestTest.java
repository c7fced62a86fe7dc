package io.dsync.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class LockRequestTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration LEASE = Duration.ofSeconds(30);

    @Test
    void factoriesUseDefaults() {
        LockRequest request = LockRequest.exclusive("orders/42");

        assertThat(request.name()).isEqualTo("orders/42");
        assertThat(request.mode()).isEqualTo(LockMode.EXCLUSIVE);
        assertThat(request.waitTimeout()).isEqualTo(LockRequest.DEFAULT_WAIT_TIMEOUT);
        assertThat(request.lease()).isEqualTo(LockRequest.DEFAULT_LEASE);
        assertThat(LockRequest.shared("orders/42").mode()).isEqualTo(LockMode.SHARED);
    }

    @Test
    void withersReturnModifiedCopies() {
        LockRequest original = LockRequest.shared("a");

        LockRequest changed = original.withMode(LockMode.EXCLUSIVE).withWaitTimeout(Duration.ZERO).withLease(LEASE);

        assertThat(changed).isEqualTo(new LockRequest("a", LockMode.EXCLUSIVE, Duration.ZERO, LEASE));
        assertThat(original.mode()).isEqualTo(LockMode.SHARED);
        assertThat(original.waitTimeout()).isEqualTo(LockRequest.DEFAULT_WAIT_TIMEOUT);
    }

    @Test
    void rejectsEmptyName() {
        assertThatThrownBy(() -> LockRequest.exclusive(""))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("lock name must not be empty")
                .extracting(e -> ((InvalidLockRequestException) e).parameter()).isEqualTo("name");
    }

    @Test
    void rejectsNullName() {
        assertThatNullPointerException().isThrownBy(() -> LockRequest.exclusive(null)).withMessage("name");
    }

    @Test
    void acceptsNameOfExactlyTheMaximumSize() {
        String ascii = "x".repeat(LockRequest.MAX_NAME_BYTES);
        String twoByteChars = "\u00e9".repeat(LockRequest.MAX_NAME_BYTES / 2);

        assertThat(LockRequest.exclusive(ascii).name()).isEqualTo(ascii);
        assertThat(LockRequest.exclusive(twoByteChars).name()).isEqualTo(twoByteChars);
    }

    @Test
    void rejectsOversizedNameCountingUtf8Bytes() {
        assertThatThrownBy(() -> LockRequest.exclusive("x".repeat(257)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessageContaining("at most 256 UTF-8 bytes")
                .hasMessageContaining("was 257 bytes");
        // 129 characters but 258 bytes
        assertThatThrownBy(() -> LockRequest.exclusive("\u00e9".repeat(129)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessageContaining("at most 256 UTF-8 bytes")
                .hasMessageContaining("was 258 bytes");
    }

    @Test
    void quotesOnlyAPrefixOfAnOversizedName() {
        String name = "a".repeat(64) + "z".repeat(300);

        assertThatThrownBy(() -> LockRequest.requireValidName(name))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessageEndingWith("'" + "a".repeat(64) + "...'")
                .hasMessageNotContaining("z");
    }

    @Test
    void rejectsControlCharactersAndUnpairedSurrogates() {
        assertThatThrownBy(() -> LockRequest.requireValidName("ab\ncd"))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessageContaining("control characters")
                .hasMessageContaining("U+000A at index 2");
        assertThatThrownBy(() -> LockRequest.requireValidName("ab\ud800"))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessageContaining("unpaired surrogate")
                .hasMessageContaining("U+D800 at index 2");
        assertThatThrownBy(() -> LockRequest.requireValidName("\udc00ab"))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessageContaining("U+DC00 at index 0");
    }

    @Test
    void acceptsSurrogatePairs() {
        String emoji = "lock-\ud83d\udd12";

        assertThat(LockRequest.requireValidName(emoji)).isEqualTo(emoji);
    }

    @Test
    void rejectsNegativeWaitTimeout() {
        assertThatThrownBy(() -> new LockRequest("a", LockMode.SHARED, Duration.ofSeconds(-1), LEASE))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("waitTimeout must not be negative, was -1s")
                .extracting(e -> ((InvalidLockRequestException) e).parameter()).isEqualTo("waitTimeout");
    }

    @Test
    void acceptsZeroWaitTimeoutButRejectsTooLongOne() {
        assertThat(LockRequest.exclusive("a").withWaitTimeout(Duration.ZERO).waitTimeout()).isZero();
        assertThatThrownBy(() -> LockRequest.exclusive("a").withWaitTimeout(Duration.ofHours(25)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("waitTimeout must be at most 24h, was 25h");
    }

    @Test
    void rejectsLeaseOutOfRange() {
        assertThatThrownBy(() -> new LockRequest("a", LockMode.SHARED, WAIT, Duration.ZERO))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("lease must be at least 1s, was 0s");
        assertThatThrownBy(() -> new LockRequest("a", LockMode.SHARED, WAIT, Duration.ofMillis(-5)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("lease must be at least 1s, was -0.005s");
        assertThatThrownBy(() -> new LockRequest("a", LockMode.SHARED, WAIT, Duration.ofDays(2)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("lease must be at most 24h, was 48h");
    }

    @Test
    void rejectsNullComponents() {
        assertThatNullPointerException().isThrownBy(() -> new LockRequest("a", null, WAIT, LEASE)).withMessage("mode");
        assertThatNullPointerException().isThrownBy(() -> new LockRequest("a", LockMode.SHARED, null, LEASE))
                .withMessage("waitTimeout");
        assertThatNullPointerException().isThrownBy(() -> new LockRequest("a", LockMode.SHARED, WAIT, null))
                .withMessage("lease");
    }

    @Test
    void sessionTtlIsValidated() {
        assertThat(LockSession.requireValidTtl(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> LockSession.requireValidTtl(Duration.ofSeconds(1)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("session ttl must be at least 2s, was 1s");
        assertThatThrownBy(() -> LockSession.requireValidTtl(Duration.ofHours(2)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("session ttl must be at most 1h, was 2h");
    }

    @Test
    void modeCompatibilityAndCoverage() {
        assertThat(LockMode.SHARED.isCompatibleWith(LockMode.SHARED)).isTrue();
        assertThat(LockMode.SHARED.isCompatibleWith(LockMode.EXCLUSIVE)).isFalse();
        assertThat(LockMode.EXCLUSIVE.isCompatibleWith(LockMode.SHARED)).isFalse();
        assertThat(LockMode.EXCLUSIVE.covers(LockMode.SHARED)).isTrue();
        assertThat(LockMode.SHARED.covers(LockMode.EXCLUSIVE)).isFalse();
    }
}
