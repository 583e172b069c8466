package org.portalsync.source.fhir;

import java.util.List;

/**
 * One page of a FHIR search or history Bundle.
 *
 * @param nextUrl the Bundle's {@code next} link, null on the last page
 */
public record FhirPage(String requestUrl, List<FhirEntry> entries, String nextUrl) {

    public FhirPage {
        entries = List.copyOf(entries);
    }
}
