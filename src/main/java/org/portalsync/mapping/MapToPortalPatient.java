package org.portalsync.mapping;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.Patient;
import org.portalsync.portal.PortalPatient;
import org.portalsync.sync.DeletedResource;
import org.portalsync.sync.MalformedResourceException;
import org.portalsync.sync.SyncHeaders;

/** The shared sync route's mapping step: a FHIR R4 Patient, or a deletion, becomes a {@link MappedPatient}. */
public final class MapToPortalPatient implements Processor {

    private final MapFhirPatient mapper;

    public MapToPortalPatient(MapFhirPatient mapper) {
        this.mapper = mapper;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Object body = exchange.getMessage().getBody();
        exchange.setProperty(SyncHeaders.SOURCE_RESOURCE, body);
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        MappedPatient mapped;
        if (body instanceof DeletedResource deleted) {
            mapped = new MappedPatient(PortalPatient.tombstone(source, deleted.id(), deleted.versionId(), deleted.deletedAt()), List.of());
        } else if (body instanceof Patient patient) {
            mapped = mapper.map(source, patient);
        } else {
            String record = exchange.getMessage().getHeader(SyncHeaders.RECORD, "unknown", String.class);
            throw new MalformedResourceException(record, "resourceType", "expected a Patient, got "
                    + (body == null ? "nothing" : body.getClass().getSimpleName()));
        }
        if (exchange.getMessage().getHeader(SyncHeaders.RECORD) == null && mapped.patient() != null) {
            exchange.getMessage().setHeader(SyncHeaders.RECORD, mapped.patient().reference());
        }
        exchange.getMessage().setBody(mapped);
    }
}
