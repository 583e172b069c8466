package org.portalsync.validate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class PhoneNumberNormalizerTest {

    private final PhoneNumberNormalizer normalizer = new PhoneNumberNormalizer();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "(03) 5555 6473     | AU | +61355556473",
            "0648352638         | NL | +31648352638",
            "(212) 555-0123     | US | +12125550123",
            "212.555.0123       | us | +12125550123",
            "+33 (237) 998327   | US | +33237998327",
            "0033 237 998327    | NL | +33237998327",
            "tel:+1-650-253-0000| NL | +16502530000",
            "+31612345678       |    | +31612345678",
            // a Toronto number written as a US patient would: +1, but valid in Canada only
            "(416) 979-5000     | US | +14169795000",
            "(876) 927-1660     | US | +18769271660",
    })
    void normalisesValidNumbersToE164(String raw, String region, String expected) {
        assertThat(normalizer.toE164(raw, region)).contains(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "(03) 5555 6473 | US",   // an Australian national number is not a US one
            "555-555-2003   | US",   // area code 555 is not assigned
            "12345          | US",
            "call me        | US",
            "0690383372     | NL",   // Dutch 069 is not an assigned range
            "0648352638     |   ",   // a national number needs a region
            "0648352638     | XX",
    })
    void refusesNumbersThatAreNotValidForTheirRegion(String raw, String region) {
        assertThat(normalizer.toE164(raw, region)).isEmpty();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = "   ")
    void refusesMissingNumbers(String raw) {
        assertThat(normalizer.toE164(raw, "US")).isEmpty();
    }

    @Test
    void dropsAnExtensionBecauseE164HasNone() {
        assertThat(normalizer.toE164("(212) 555-0123 ext. 42", "US")).contains("+12125550123");
    }

    @Test
    void knowsWhichRegionsItSupports() {
        assertThat(normalizer.isSupportedRegion("NL")).isTrue();
        assertThat(normalizer.isSupportedRegion("nl")).isTrue();
        assertThat(normalizer.isSupportedRegion("XX")).isFalse();
        assertThat(normalizer.isSupportedRegion(null)).isFalse();
    }
}
