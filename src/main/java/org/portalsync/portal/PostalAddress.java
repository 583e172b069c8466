package org.portalsync.portal;

import java.time.LocalDate;
import java.util.List;

/**
 * A standardised address. {@code country} is ISO 3166-1 alpha-2, {@code state} the ISO 3166-2
 * subdivision code without the country prefix where the country has a table (US, CA).
 *
 * @param use FHIR {@code Address.use}: home, work, temp, old, billing; null when not given
 */
public record PostalAddress(
        String use,
        List<String> lines,
        String city,
        String state,
        String postalCode,
        String country,
        LocalDate periodStart,
        LocalDate periodEnd) {

    public PostalAddress {
        lines = List.copyOf(lines);
    }
}
