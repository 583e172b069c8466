package org.portalsync.source.fhir;

import java.net.http.HttpHeaders;
import java.util.Map;
import java.util.Optional;

/** A response from the EHR that the caller must interpret: 2xx, or a status its request passes on (404, 410, 412). */
public record FhirResponse(int status, String body, HttpHeaders headers) {

    public FhirResponse(int status, String body) {
        this(status, body, HttpHeaders.of(Map.of(), (name, value) -> true));
    }

    /** The first value of a response header, e.g. {@code Content-Location}. */
    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    /** {@code 410 Gone}: the EHR deleted the resource, so the portal archives it. */
    public boolean gone() {
        return status == 410;
    }

    /**
     * {@code 404 Not Found}: not a deletion. A restricted patient, one outside the client's scope and
     * a wrong base URL all answer 404, and none of them may archive anybody.
     */
    public boolean notFound() {
        return status == 404;
    }

    /**
     * An update's {@code If-Match} version is no longer the current one: {@code 412 Precondition Failed} as
     * FHIR specifies it, or {@code 409 Conflict} as HAPI FHIR servers answer it.
     */
    public boolean versionConflict() {
        return status == 412 || status == 409;
    }
}
