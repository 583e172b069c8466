package org.portalsync.insurance;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.Coverage;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.source.fhir.IncludedResources;
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
        // only what this Coverage refers to is parsed
        MappedCoverage mapped = mapper.map(coverage, IncludedResources.referredTo(exchange, fhir, coverage.getPayor().stream()));
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        exchange.getMessage().setHeader(BENEFICIARY, mapped.beneficiaryPatientId());
        exchange.getMessage().setHeader(BENEFICIARY_KNOWN,
                database.inTransaction(connection -> PortalPatientStore.exists(connection, source, mapped.beneficiaryPatientId())));
        exchange.getMessage().setBody(mapped);
    }
}
