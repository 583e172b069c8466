package org.portalsync.validate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AddressStandardizerTest {

    private final AddressStandardizer standardizer = new AddressStandardizer();

    private static AddressStandardizer.Input input(String city, String state, String postalCode, String country, String... lines) {
        return new AddressStandardizer.Input(Arrays.asList(lines), city, state, postalCode, country, null);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "US                       | US",
            "us                       | US",
            "USA                      | US",
            "United States            | US",
            "united states of america | US",
            "U.S.A.                   | US",
            "NLD                      | NL",
            "Netherlands              | NL",
            "The Netherlands          | NL",
            "UK                       | GB",
            "Great Britain            | GB",
            "United Kingdom           | GB",
            "GBR                      | GB",
            "Deutschland              | DE",
            "germany                  | DE",
            "' Canada '               | CA",
            "Côte d’Ivoire            | CI",
            "Österreich               | AT",
    })
    void standardisesCountriesToIsoAlpha2(String raw, String expected) {
        assertThat(standardizer.countryCode(raw)).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Narnia", "XX", "ZZZ", "  "})
    void doesNotGuessUnknownCountries(String raw) {
        assertThat(standardizer.countryCode(raw)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "US | NY                   | NY",
            "US | ny                   | NY",
            "US | New York             | NY",
            "US | NEW YORK             | NY",
            "US | N.Y.                 | NY",
            "US | District of Columbia | DC",
            "US | Washington, D.C.     | DC",
            "US | puerto rico          | PR",
            "CA | Québec               | QC",
            "CA | quebec               | QC",
            "CA | qc                   | QC",
            "CA | Colombie-Britannique | BC",
            "CA | Newfoundland & Labrador | NL",
    })
    void mapsStateNamesAndCodesInAnyCaseToTheCode(String country, String raw, String expected) {
        assertThat(standardizer.subdivisionCode(country, raw)).contains(expected);
    }

    @Test
    void hasSubdivisionTablesOnlyForUsAndCanada() {
        assertThat(standardizer.hasSubdivisionTable("US")).isTrue();
        assertThat(standardizer.hasSubdivisionTable("CA")).isTrue();
        assertThat(standardizer.hasSubdivisionTable("AU")).isFalse();
        assertThat(standardizer.subdivisionCode("US", "Ontario")).isEmpty();
        assertThat(standardizer.subdivisionCode("AU", "Vic")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "US | 12345       | 12345",
            "US | 12345-6789  | 12345-6789",
            "US | 123456789   | 12345-6789",
            "CA | k1a0b1      | K1A 0B1",
            "CA | K1A 0B1     | K1A 0B1",
            "GB | sw1a1aa     | SW1A 1AA",
            "GB | M1 1AE      | M1 1AE",
            "GB | gir 0aa     | GIR 0AA",
            "NL | 1055RW      | 1055 RW",
            "NL | 1024 rj     | 1024 RJ",
            "DE | 10115       | 10115",
            "FR | 75001       | 75001",
            "AU | 3999        | 3999",
            "CN | 200000      | 200000",
            "CH | ' 8001 '    | 8001",
    })
    void standardisesPostalCodesToTheirCountrysFormat(String country, String raw, String expected) {
        assertThat(standardizer.postalCode(country, raw)).contains(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "US | 1234", "US | 123456", "US | ABCDE", "CA | 123 456", "CA | D1A 0B1",
            "GB | 12345", "NL | 0123 AB", "NL | 1234", "DE | 1234", "FR | 7500", "AU | 39999",
    })
    void refusesPostalCodesThatDoNotFitTheirCountry(String country, String raw) {
        assertThat(standardizer.postalCode(country, raw)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "NEW YORK         | New York",
            "new york         | New York",
            "WINSTON-SALEM    | Winston-Salem",
            "ST. LOUIS        | St. Louis",
            "o'fallon         | O'Fallon",
            "ST. JOHN'S       | St. John's",
            "PleasantVille    | PleasantVille",
            "McAllen          | McAllen",
            "'  Den   Haag  ' | Den Haag",
            "上海市            | 上海市",
    })
    void titleCasesACityOnlyWhenWrittenAllUpperOrAllLower(String raw, String expected) {
        assertThat(standardizer.city(raw)).isEqualTo(expected);
    }

    @Test
    void collapsesWhitespaceInLinesAndDropsBlankLines() {
        assertThat(standardizer.lines(Arrays.asList("  534   Erewhon\tSt ", "", null, " Apt 2 ")))
                .containsExactly("534 Erewhon St", "Apt 2");
    }

    @Test
    void standardisesAWholeAddress() {
        var result = standardizer.standardize(input("AMSTERDAM", null, "1055rw", "NLD", "Bos en Lommerplein  280"), "US");

        assertThat(result.problems()).isEmpty();
        assertThat(result.address()).isEqualTo(new AddressStandardizer.Standardized(
                List.of("Bos en Lommerplein 280"), "Amsterdam", null, "1055 RW", "NL"));
    }

    @Test
    void givesAMissingCountryTheDefaultWhenStateAndPostalCodeFitIt() {
        var result = standardizer.standardize(input("Springfield", "illinois", "62701", null, "1 Main St"), "US");

        assertThat(result.problems()).isEmpty();
        assertThat(result.address().country()).isEqualTo("US");
        assertThat(result.address().state()).isEqualTo("IL");
    }

    @Test
    void leavesAMissingCountryEmptyWhenThePostalCodeDoesNotFitTheDefault() {
        var result = standardizer.standardize(input("PleasantVille", "Vic", "3999", null, "534 Erewhon St"), "US");

        assertThat(result.delivered()).isTrue();
        assertThat(result.address().country()).isNull();
        assertThat(result.address().state()).isEqualTo("Vic");
        assertThat(result.address().postalCode()).isEqualTo("3999");
        assertThat(result.problems()).singleElement().satisfies(p -> {
            assertThat(p.component()).isEqualTo("country");
            assertThat(p.problem()).contains("does not fit the default US");
        });
    }

    @Test
    void leavesAMissingCountryEmptyWhenNothingConfirmsTheDefault() {
        var result = standardizer.standardize(input(null, null, null, null, "2222 Home Street"), "US");

        assertThat(result.address().country()).isNull();
        assertThat(result.problems()).singleElement()
                .satisfies(p -> assertThat(p.problem()).contains("no state or postal code to confirm the default US"));
    }

    @Test
    void leavesOutAnAddressWhosePostalCodeDoesNotFitItsCountry() {
        var result = standardizer.standardize(input("Boston", "MA", "0211", "US", "1 Main St"), "US");

        assertThat(result.delivered()).isFalse();
        assertThat(result.problems()).singleElement().satisfies(p -> {
            assertThat(p.component()).isEqualTo("postalCode");
            assertThat(p.problem()).contains("US").contains("12345").doesNotContain("0211");
        });
    }

    @Test
    void leavesOutAnAddressWhoseStateIsNotOfItsCountry() {
        var result = standardizer.standardize(input("Toronto", "Ontario", "02110", "US", "1 Main St"), "US");

        assertThat(result.delivered()).isFalse();
        assertThat(result.problems()).extracting(AddressStandardizer.Problem::component).containsExactly("state");
    }

    @Test
    void leavesOutAnAddressWithAnUnknownCountry() {
        var result = standardizer.standardize(input("Cair Paravel", null, null, "Narnia", "1 Castle Rd"), "US");

        assertThat(result.delivered()).isFalse();
        assertThat(result.problems()).extracting(AddressStandardizer.Problem::component).containsExactly("country");
    }

    @Test
    void keepsTheStateOfACountryWithoutATableAsGiven() {
        var result = standardizer.standardize(input("PleasantVille", "Vic", "3999", "AU", "534 Erewhon St"), "US");

        assertThat(result.problems()).isEmpty();
        assertThat(result.address().state()).isEqualTo("Vic");
        assertThat(result.address().country()).isEqualTo("AU");
    }

    @Test
    void turnsATextOnlyAddressIntoOneLineWithoutProblems() {
        var result = standardizer.standardize(
                new AddressStandardizer.Input(List.of(), null, null, null, null, " 上海市黄埔区马当路190号 "), "US");

        assertThat(result.problems()).isEmpty();
        assertThat(result.address()).isEqualTo(
                new AddressStandardizer.Standardized(List.of("上海市黄埔区马当路190号"), null, null, null, null));
    }

    @Test
    void leavesOutAnEmptyAddressWithAProblem() {
        var result = standardizer.standardize(new AddressStandardizer.Input(null, " ", null, null, null, null), "US");

        assertThat(result.delivered()).isFalse();
        assertThat(result.problems()).singleElement().satisfies(p -> assertThat(p.component()).isNull());
    }
}
