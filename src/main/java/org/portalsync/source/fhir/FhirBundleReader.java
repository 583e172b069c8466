package org.portalsync.source.fhir;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Splits a search or history Bundle into entries without parsing the resources, so that one
 * malformed resource is rejected alone (the resource parser does that later) and the rest of the
 * page goes on. A Bundle that is not JSON at all, or not a Bundle, fails the page.
 */
public final class FhirBundleReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private FhirBundleReader() {
    }

    public static FhirPage read(String requestUrl, String body) {
        JsonNode bundle;
        try {
            bundle = JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new EhrUnavailableException("EHR answered " + requestUrl + " with a body that is not JSON: " + e.getOriginalMessage());
        }
        if (bundle == null || !"Bundle".equals(bundle.path("resourceType").asText())) {
            throw new EhrUnavailableException("EHR answered " + requestUrl + " with something other than a Bundle");
        }
        String next = null;
        for (JsonNode link : bundle.path("link")) {
            if ("next".equals(link.path("relation").asText())) {
                next = link.path("url").asText(null);
            }
        }
        List<FhirEntry> entries = new ArrayList<>();
        for (JsonNode entry : bundle.path("entry")) {
            if ("include".equals(entry.path("search").path("mode").asText()) || "outcome".equals(entry.path("search").path("mode").asText())) {
                continue;
            }
            entries.add(entry(entry));
        }
        return new FhirPage(requestUrl, entries, next);
    }

    private static FhirEntry entry(JsonNode entry) {
        JsonNode resource = entry.path("resource");
        String method = entry.path("request").path("method").asText("");
        if ("DELETE".equals(method) || resource.isMissingNode()) {
            // history entry of a deletion: Patient/123/_history/4 names type, id and the deleting version
            String[] url = entry.path("request").path("url").asText(entry.path("fullUrl").asText("")).split("/");
            String type = url.length > 1 ? url[url.length > 3 ? url.length - 4 : 0] : "";
            String id = url.length > 1 ? url[url.length > 3 ? url.length - 3 : 1] : "";
            String version = url.length > 3 ? url[url.length - 1] : null;
            return new FhirEntry(type, id, version, instant(entry.path("response").path("lastModified").asText(null)), null, true);
        }
        JsonNode meta = resource.path("meta");
        return new FhirEntry(resource.path("resourceType").asText(""), resource.path("id").asText(""),
                meta.path("versionId").asText(null), instant(meta.path("lastUpdated").asText(null)), resource.toString(), false);
    }

    private static Instant instant(String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
