package org.portalsync.source.fhir;

import java.util.List;
import java.util.Map;

/**
 * One page of a FHIR search or history Bundle.
 *
 * @param nextUrl  the Bundle's {@code next} link, null on the last page
 * @param included the resources the search included ({@code _include}), by reference ({@code Organization/1}) to JSON
 */
public record FhirPage(String requestUrl, List<FhirEntry> entries, String nextUrl, Map<String, String> included) {

    public FhirPage {
        entries = List.copyOf(entries);
        included = Map.copyOf(included);
    }
}
