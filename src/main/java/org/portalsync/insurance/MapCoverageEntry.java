package org.portalsync.insurance;

import java.util.HashMap;
import java.util.Map;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coverage;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.sync.DeletedResource;
import org.portalsync.sync.SyncHeaders;

/**
 * Maps a Coverage from a feed or a read to the portal's policy, and says whether the portal knows the
 * patient it covers ({@link #BENEFICIARY}, {@link #BENEFICIARY_KNOWN}): a policy is never stored for a
 * patient the portal has not got, so the route fetches that patient first. A payer the search included
 * ({@code _include=Coverage:payor}) gives the payer's name when the reference has no display.
 */
public final class MapCoverageEntry implements Processor {

    /** Header: the id of the Patient the Coverage covers. */
    public static final String BENEFICIARY = "PortalSyncBeneficiary";
    /** Header: true when the portal holds that patient. */
    public static final String BENEFICIARY_KNOWN = "PortalSyncBeneficiaryKnown";
    /** The feed property that holds a page's included resources (set by the FHIR feed). */
    private static final String INCLUDED = "portalSyncFeedIncluded";

    private final MapFhirCoverage mapper;
    private final FhirContext fhir;
    private final PortalDatabase database;

    public MapCoverageEntry(MapFhirCoverage mapper, FhirContext fhir, PortalDatabase database) {
        this.mapper = mapper;
        this.fhir = fhir;
        this.database = database;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Object body = exchange.getMessage().getBody();
        if (body instanceof DeletedResource) {
            exchange.getMessage().setHeader(BENEFICIARY_KNOWN, true);
            return;
        }
        Coverage coverage = exchange.getMessage().getMandatoryBody(Coverage.class);
        MappedCoverage mapped = mapper.map(coverage, included(exchange, coverage));
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        exchange.getMessage().setHeader(BENEFICIARY, mapped.beneficiaryPatientId());
        exchange.getMessage().setHeader(BENEFICIARY_KNOWN, known(source, mapped.beneficiaryPatientId()));
        exchange.getMessage().setBody(mapped);
    }

    private Map<String, IBaseResource> included(Exchange exchange, Coverage coverage) {
        @SuppressWarnings("unchecked")
        Map<String, String> page = exchange.getProperty(INCLUDED, Map.class);
        Map<String, IBaseResource> included = new HashMap<>();
        if (page == null || page.isEmpty()) {
            return included;
        }
        // only what this Coverage refers to is parsed
        coverage.getPayor().forEach(payor -> {
            String reference = payor.getReferenceElement().toUnqualifiedVersionless().getValue();
            if (reference != null && page.containsKey(reference)) {
                included.put(reference, fhir.newJsonParser().parseResource(page.get(reference)));
            }
        });
        return included;
    }

    private boolean known(String source, String patientId) {
        return database.inTransaction(connection -> {
            try (var select = connection.prepareStatement("SELECT 1 FROM portal_patient WHERE source = ? AND source_id = ?")) {
                select.setString(1, source);
                select.setString(2, patientId);
                try (var row = select.executeQuery()) {
                    return row.next();
                }
            }
        });
    }
}
