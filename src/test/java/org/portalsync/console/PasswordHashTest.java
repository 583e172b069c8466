package org.portalsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordHashTest {

    @Test
    void aHashMatchesItsPasswordOnlyAndNeverHoldsIt() {
        String hash = PasswordHash.hash("correct horse battery".toCharArray(), 1_000);

        assertThat(hash).startsWith("pbkdf2-sha256$1000$").doesNotContain("correct");
        assertThat(PasswordHash.matches("correct horse battery".toCharArray(), hash)).isTrue();
        assertThat(PasswordHash.matches("correct horse batterY".toCharArray(), hash)).isFalse();
        assertThat(PasswordHash.hash("correct horse battery".toCharArray(), 1_000)).as("a new salt each time").isNotEqualTo(hash);
    }

    @Test
    void theDefaultIsOwasps600000IterationsAndANonHashMatchesNothing() {
        assertThat(PasswordHash.hash("a long enough password".toCharArray())).startsWith("pbkdf2-sha256$600000$");
        assertThat(PasswordHash.isHash("plain-text-password")).isFalse();
        assertThat(PasswordHash.matches("plain-text-password".toCharArray(), "plain-text-password")).isFalse();
    }
}
