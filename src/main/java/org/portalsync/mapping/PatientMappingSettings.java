package org.portalsync.mapping;

import java.util.Locale;
import java.util.Set;

/**
 * What {@link MapFhirPatient} needs to know about a source.
 *
 * @param mrnIdentifierSystem the {@code Identifier.system} of the source's medical record numbers,
 *                            e.g. {@code urn:oid:1.2.36.146.595.217.0.1}
 * @param defaultCountry      ISO 3166-1 alpha-2 (e.g. {@code US}) for national phone numbers and for
 *                            addresses without a country whose state or postal code fits it
 */
public record PatientMappingSettings(String mrnIdentifierSystem, String defaultCountry) {

    private static final Set<String> ISO_COUNTRIES = Set.of(Locale.getISOCountries());

    public PatientMappingSettings {
        if (mrnIdentifierSystem == null || mrnIdentifierSystem.isBlank()) {
            throw new IllegalArgumentException("mrnIdentifierSystem is required: the Identifier.system of the "
                    + "source's MRNs, e.g. urn:oid:1.2.36.146.595.217.0.1");
        }
        mrnIdentifierSystem = mrnIdentifierSystem.strip();
        String country = defaultCountry == null ? "" : defaultCountry.strip().toUpperCase(Locale.ROOT);
        if (!ISO_COUNTRIES.contains(country)) {
            throw new IllegalArgumentException("defaultCountry '" + defaultCountry
                    + "' is not an ISO 3166-1 alpha-2 country code; use e.g. US");
        }
        defaultCountry = country;
    }
}
