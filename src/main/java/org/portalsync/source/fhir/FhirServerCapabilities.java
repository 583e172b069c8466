package org.portalsync.source.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.LenientErrorHandler;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the EHR supports of the patient poll ({@link FhirServerSupport}), read once from its
 * {@code CapabilityStatement} through the engine's own client (token, audit row). Read at start-up;
 * an EHR that cannot be reached then does not stop the engine (it may be down for a while): the
 * poll as designed is assumed, and the statement is read again at the start of each poll until it
 * is. A statement that lacks something is reported in one warning that names each gap and its
 * fallback. Thread-safe.
 */
public final class FhirServerCapabilities {

    private static final Logger LOG = LoggerFactory.getLogger(FhirServerCapabilities.class);
    private static final String SEE_README = " (README, \"What your EHR must support\")";

    private final String baseUrl;
    private final FhirSourceClient client;
    private final FhirContext fhir;
    private volatile FhirServerSupport known;
    private boolean unreachableReported;

    public FhirServerCapabilities(String baseUrl, FhirSourceClient client, FhirContext fhir) {
        this.baseUrl = baseUrl;
        this.client = client;
        this.fhir = fhir;
    }

    /** What the EHR supports; reads its statement first while that is not yet known. */
    public synchronized FhirServerSupport check() {
        if (known != null) {
            return known;
        }
        String url = baseUrl + "/metadata";
        FhirResponse response;
        try {
            response = client.get(url, "CapabilityStatement.read");
        } catch (EhrRequestRejectedException e) {
            return settle(FhirServerSupport.ALL, "The EHR refused " + url + " (HTTP " + e.status() + "): no CapabilityStatement "
                    + "to check, so it is assumed to support everything the patient poll uses" + SEE_README);
        } catch (RuntimeException e) {
            if (!unreachableReported) {
                unreachableReported = true;
                LOG.warn("Could not read the EHR's CapabilityStatement at {} ({}); assuming it supports everything the patient poll "
                        + "uses, and reading it again at the next poll", url, e.getMessage());
            }
            return FhirServerSupport.ALL;
        }
        if (response.gone()) {
            return settle(FhirServerSupport.ALL, "The EHR has no CapabilityStatement at " + url + " (HTTP " + response.status()
                    + "), so it is assumed to support everything the patient poll uses" + SEE_README);
        }
        CapabilityStatement statement;
        try {
            // a real server's statement may carry elements of a later FHIR version: ignore them quietly
            IParser parser = fhir.newJsonParser().setParserErrorHandler(new LenientErrorHandler(false));
            statement = parser.parseResource(CapabilityStatement.class, response.body());
        } catch (DataFormatException e) {
            return settle(FhirServerSupport.ALL, "The EHR's answer at " + url + " is not a CapabilityStatement, so it is assumed "
                    + "to support everything the patient poll uses" + SEE_README);
        }
        FhirServerSupport support = FhirServerSupport.of(statement);
        if (support.gaps().isEmpty()) {
            known = support;
            LOG.info("The EHR's CapabilityStatement lists everything the patient poll uses");
            return known;
        }
        return settle(support, "The EHR's CapabilityStatement (" + url + ") lacks what the patient poll uses; fallbacks in use: "
                + String.join("; ", support.gaps()) + SEE_README);
    }

    /** What is known without a request: the last statement read, or the poll as designed while none was. */
    public FhirServerSupport current() {
        FhirServerSupport support = known;
        return support == null ? FhirServerSupport.ALL : support;
    }

    private FhirServerSupport settle(FhirServerSupport support, String warning) {
        known = support;
        LOG.warn(warning);
        return support;
    }
}
