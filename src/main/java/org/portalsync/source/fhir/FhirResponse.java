package org.portalsync.source.fhir;

/** A response from the EHR that the caller must interpret: 2xx, 404 or 410. */
public record FhirResponse(int status, String body) {

    public boolean gone() {
        return status == 404 || status == 410;
    }
}
