package io.dsync.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class HealthTest {

    @Test
    void upHasNoProblemsAndDownHasSome() {
        assertThat(Health.up().healthy()).isTrue();
        assertThat(Health.up().problems()).isEmpty();
        Health down = Health.down("group has no leader", "disk full");
        assertThat(down.healthy()).isFalse();
        assertThat(down.problems()).containsExactly("group has no leader", "disk full");
    }

    @Test
    void downNeedsAProblemThatSaysSomething() {
        assertThatThrownBy(Health::down).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("up()");
        assertThatThrownBy(() -> Health.down(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Health.down((String) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void problemsCannotChangeAfterwards() {
        List<String> problems = new ArrayList<>(List.of("a"));
        Health h = new Health(problems);
        problems.add("b");
        assertThat(h.problems()).containsExactly("a");
        assertThatThrownBy(() -> h.problems().add("c")).isInstanceOf(UnsupportedOperationException.class);
    }
}
