package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;

import org.junit.jupiter.api.Test;

class StrictJsonTest {

    enum Use { HOME, WORK, MOBILE }

    record Phone(String number, Use use, int rank) {
    }

    record Change(String family, LocalDate birthDate, Boolean active, List<Phone> phones) {
    }

    private static Change read(String json) {
        return StrictJson.read(json.getBytes(StandardCharsets.UTF_8), Change.class);
    }

    private static void refused(String json, String message, String... notInMessage) {
        assertThatThrownBy(() -> read(json)).isInstanceOf(InvalidJsonException.class)
                .hasMessage(message)
                .satisfies(e -> {
                    for (String value : notInMessage) {
                        assertThat(e.getMessage()).as("the message names no value").doesNotContain(value);
                    }
                });
    }

    @Test
    void readsAWellFormedBodyIntoItsType() {
        Change change = read("""
                {"family": "Okafor", "birthDate": "1984-02-29", "active": true,
                 "phones": [{"number": "+15551230000", "use": "MOBILE", "rank": 1}]}""");

        assertThat(change).isEqualTo(new Change("Okafor", LocalDate.of(1984, 2, 29), true,
                List.of(new Phone("+15551230000", Use.MOBILE, 1))));
    }

    @Test
    void refusesAnUnknownPropertyNamingItsPath() {
        refused("{\"family\": \"Okafor\", \"phones\": [{\"number\": \"+15551230000\", \"rank\": 1, \"extension\": \"42\"}]}",
                "$.phones[0].extension: unknown property", "42");
    }

    @Test
    void refusesAKeyGivenTwiceAnywhere() {
        refused("{\"family\": \"Okafor\", \"family\": \"Smith\"}", "$.family: duplicate property", "Okafor", "Smith");
        refused("{\"phones\": [{\"rank\": 1}, {\"rank\": 1, \"rank\": 2}]}", "$.phones[1].rank: duplicate property");
    }

    @Test
    void refusesAnythingAfterTheValue() {
        refused("{\"family\": \"Okafor\"} {\"family\": \"Smith\"}", "unexpected content after the JSON value (line 1, column 22)",
                "Smith");
        refused("{\"family\": \"Okafor\"} trailing", "malformed JSON (line 1, column 30)", "trailing");
    }

    @Test
    void refusesScalarsOfTheWrongJsonTypeInsteadOfCoercingThem() {
        refused("{\"family\": 42}", "$.family: expected a string", "42");
        refused("{\"active\": \"true\"}", "$.active: expected true or false");
        refused("{\"active\": 1}", "$.active: expected true or false");
        refused("{\"phones\": [{\"rank\": \"7\"}]}", "$.phones[0].rank: expected a whole number", "7");
        refused("{\"phones\": [{\"rank\": 1.5}]}", "$.phones[0].rank: expected a whole number", "1.5");
        refused("{\"phones\": [{\"rank\": null}]}", "$.phones[0].rank: missing or null");
        refused("{\"phones\": [{\"number\": \"+15551230000\"}]}", "$.phones[0].rank: missing or null");
        refused("{\"phones\": {\"rank\": 1}}", "$.phones: expected an array");
        refused("{\"phones\": [{\"use\": 1, \"rank\": 1}]}", "$.phones[0].use: expected one of [HOME, WORK, MOBILE]");
        refused("{\"phones\": [{\"use\": \"PAGER\", \"rank\": 1}]}", "$.phones[0].use: not a valid [HOME, WORK, MOBILE]", "PAGER");
        refused("{\"birthDate\": \"29.02.1984\"}", "$.birthDate: not a valid ISO-8601 LocalDate string", "29.02.1984", "1984");
    }

    @Test
    void refusesMalformedJsonNamingWhereNotWhat() {
        refused("{\"family\": \"Okafor\", \"phones\": [{\"number\": 'x'}]}", "$.phones[0].number: malformed JSON (line 1, column 44)",
                "Okafor");
        refused("{\"family\": \"Okafor\"", "$.family: the JSON ends too early (line 1, column 20)", "Okafor");
        refused("", "the body is empty; a JSON value is expected");
        refused("[]", "$: expected an object");
    }
}
