package org.portalsync.source.fhir;

/** A response from the EHR that the caller must interpret: 2xx, 404 or 410. */
public record FhirResponse(int status, String body) {

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
}
