package org.portalsync.validate;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class EmailAddressValidatorTest {

    private final EmailAddressValidator validator = new EmailAddressValidator();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "p.heuvel@gmail.com         | p.heuvel@gmail.com",
            "'  Jane.Doe@Example.ORG  ' | Jane.Doe@example.org",
            "first+tag@mail.example.co.uk | first+tag@mail.example.co.uk",
            "o'brien@ex-ample.ie        | o'brien@ex-ample.ie",
            "anna@bücher.de             | anna@bücher.de",
    })
    void acceptsAndTrimsValidAddressesLowerCasingOnlyTheDomain(String raw, String expected) {
        assertThat(validator.normalize(raw)).contains(expected);
        assertThat(validator.isValid(raw)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "plainaddress", "@example.com", "jane@", "jane@@example.com", "jane@doe@example.com",
            "jane@example", "jane doe@example.com", "jane@exa mple.com", "jane@.example.com",
            "jane@example..com", "jane@example.com.", "jane@-example.com", "jane@example-.com",
            ".jane@example.com", "jane.@example.com", "ja..ne@example.com", "\"jane\"@example.com",
            "jane@[192.168.0.1]", "jane@example.123", "jane,doe@example.com", "jane@exa_mple.com",
    })
    void refusesInvalidAddresses(String raw) {
        assertThat(validator.normalize(raw)).isEmpty();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = "  ")
    void refusesMissingAddresses(String raw) {
        assertThat(validator.normalize(raw)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {65, 100})
    void refusesALocalPartLongerThan64Characters(int length) {
        assertThat(validator.normalize("a".repeat(length) + "@example.com")).isEmpty();
        assertThat(validator.normalize("a".repeat(64) + "@example.com")).isPresent();
    }
}
