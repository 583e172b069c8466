package org.portalsync.source.fhir;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.hl7.fhir.r4.model.IdType;

/**
 * Splits a search or history Bundle into entries without parsing the resources, so that one
 * malformed resource is rejected alone (the resource parser does that later) and the rest of the
 * page goes on. A Bundle that is not JSON at all, or not a Bundle, fails the page.
 */
public final class FhirBundleReader {

    /**
     * Reads numbers as HAPI's own JSON parser does (exact decimals: {@code 1.50} stays {@code 1.50}), so that
     * the resource parser can take an entry's tree as it is instead of reading its text again.
     */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    /** FHIR resource type names: {@code Patient}, {@code Appointment}; not a path segment such as {@code 123}. */
    private static final Pattern RESOURCE_TYPE = Pattern.compile("[A-Z][A-Za-z]+");

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
        boolean history = "history".equals(bundle.path("type").asText());
        List<FhirEntry> entries = new ArrayList<>();
        Map<String, String> included = new HashMap<>();
        for (JsonNode entry : bundle.path("entry")) {
            String mode = entry.path("search").path("mode").asText();
            if ("include".equals(mode)) {
                FhirEntry include = entry(requestUrl, entry, false);
                if (include.resourceJson() != null && !include.id().isEmpty()) {
                    included.put(include.reference(), include.resourceJson());
                }
                continue;
            }
            if ("outcome".equals(mode)) {
                continue;
            }
            entries.add(entry(requestUrl, entry, history));
        }
        return new FhirPage(requestUrl, entries, next, included);
    }

    private static FhirEntry entry(String requestUrl, JsonNode entry, boolean history) {
        JsonNode resource = entry.path("resource");
        // A history entry without a resource is a deletion (FHIR R4 Bundle.entry.resource: absent for
        // a DELETE); a search entry without one is broken, never a reason to archive anybody.
        if ("DELETE".equals(entry.path("request").path("method").asText("")) || history && resource.isMissingNode()) {
            return deletion(requestUrl, entry);
        }
        if (resource.isMissingNode()) {
            IdType named = reference(entry.path("fullUrl").asText(null));
            return new FhirEntry(named == null ? "" : named.getResourceType(), named == null ? "" : named.getIdPart(), null, null, null, false);
        }
        if (!resource.isObject()) {
            return new FhirEntry("", "", null, null, resource.toString(), false);
        }
        return resource((ObjectNode) resource, null);
    }

    /**
     * One resource as an entry: its type, id and meta read from the tree, which the entry keeps for the
     * resource parser; {@code json} is its text when it came as text (an NDJSON line), else null.
     */
    static FhirEntry resource(ObjectNode resource, String json) {
        JsonNode meta = resource.path("meta");
        return FhirEntry.ofTree(resource.path("resourceType").asText(""), resource.path("id").asText(""),
                meta.path("versionId").asText(null), instant(meta.path("lastUpdated").asText(null)), resource, json);
    }

    /**
     * A deletion has no resource: its {@code request.url} (e.g. {@code Patient/123/_history/4}) or its
     * {@code fullUrl} names it, relative or absolute, with or without the version; HAPI's
     * {@link IdType} reads every such form. The version may also come only from {@code response.etag}.
     * A deletion that names no resource cannot be applied, and must not turn into a data-quality row
     * about a record that does not exist: the page fails, as for any answer the engine cannot read.
     */
    private static FhirEntry deletion(String requestUrl, JsonNode entry) {
        IdType byRequest = reference(entry.path("request").path("url").asText(null));
        IdType byFullUrl = reference(entry.path("fullUrl").asText(null));
        IdType named = byRequest != null ? byRequest : byFullUrl;
        if (named == null) {
            throw new EhrUnavailableException("EHR answered " + requestUrl
                    + " with a deletion entry whose request.url and fullUrl name no resource");
        }
        String version = named.getVersionIdPart();
        if (version == null && byFullUrl != null && byFullUrl.getIdPart().equals(named.getIdPart())) {
            version = byFullUrl.getVersionIdPart();
        }
        if (version == null) {
            version = etagVersion(entry.path("response").path("etag").asText(null));
        }
        return new FhirEntry(named.getResourceType(), named.getIdPart(), version,
                instant(entry.path("response").path("lastModified").asText(null)), null, true);
    }

    /** The resource a URL names, e.g. {@code https://ehr/fhir/Patient/123/_history/4}; null for a search URL or a bare id. */
    private static IdType reference(String url) {
        if (url == null || url.isBlank() || url.contains("?")) {
            return null;
        }
        IdType id = new IdType(url.trim());
        boolean named = id.hasResourceType() && RESOURCE_TYPE.matcher(id.getResourceType()).matches() && id.hasIdPart();
        return named ? id : null;
    }

    /** {@code W/"4"} (RFC 9110 weak ETag, as FHIR servers send the version) is version {@code 4}. */
    private static String etagVersion(String etag) {
        if (etag == null) {
            return null;
        }
        String version = etag.replaceFirst("^W/", "").replace("\"", "").trim();
        return version.isEmpty() ? null : version;
    }

    static Instant instant(String value) {
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
