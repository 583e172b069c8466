package org.portalsync.source.hl7v2;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.portalsync.observation.DeliverObservation;
import org.portalsync.sync.SyncHeaders;

/**
 * Takes an inbox row (body: its id) for applying, and hands its resource on as the shared pipeline expects it:
 * a FHIR resource with the headers {@code PortalSyncSource} and {@code PortalSyncRecord}. The row's id and
 * arrival time become the resource's {@code meta.versionId} and {@code meta.lastUpdated}: a sender's messages
 * for one patient are versions in arrival order, so that one applied late never overwrites a newer one. A row
 * that cannot be claimed (another worker has it, or an older one of its record waits) sets
 * {@link #CLAIMED} false. A message a mapping made several resources of (one per OBX: a Bundle) is handed on as the
 * list of them, each with that version; {@link #RESOURCE_TYPE} names their type, by which the inbox route picks the
 * pipeline. A Patient that came with the record (an SIU's PID) is in {@link #PATIENT}, with the same source version,
 * to be applied first.
 */
public final class ClaimHl7v2Message implements Processor {

    /** Header: whether this exchange holds a claimed row to apply. */
    public static final String CLAIMED = "PortalSyncHl7v2Claimed";
    /** Header: the FHIR type of the resources handed on, e.g. {@code Patient} or {@code Observation}. */
    public static final String RESOURCE_TYPE = "PortalSyncHl7v2ResourceType";
    /** Header: the Patient the message gave along with its record, applied before it; absent when none. */
    public static final String PATIENT = "PortalSyncHl7v2Patient";

    private final Hl7v2Inbox inbox;
    private final Hl7v2Mappings mappings;
    private final FhirContext fhir;
    private final Clock clock;

    public ClaimHl7v2Message(Hl7v2Inbox inbox, Hl7v2Mappings mappings, FhirContext fhir, Clock clock) {
        this.inbox = inbox;
        this.mappings = mappings;
        this.fhir = fhir;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        long id = exchange.getMessage().getMandatoryBody(Long.class);
        Optional<Hl7v2Inbox.Entry> claimed = inbox.claim(id, clock.instant());
        exchange.getMessage().setHeader(CLAIMED, claimed.isPresent());
        exchange.getMessage().setHeader(AcceptHl7v2Message.STORED_ID, id);
        if (claimed.isEmpty()) {
            return;
        }
        Hl7v2Inbox.Entry entry = claimed.get();
        Hl7v2InboxResources.Unpacked stored = Hl7v2InboxResources.unpack(fhir.newJsonParser().parseResource(entry.resourceJson()));
        IBaseResource resource = stored.record();
        List<IBaseResource> resources = resource instanceof Bundle bundle
                ? bundle.getEntry().stream().map(e -> (IBaseResource) e.getResource()).toList() : List.of(resource);
        List<IBaseResource> versioned = new ArrayList<>(resources);
        if (stored.patient() != null) {
            versioned.add(stored.patient());
        }
        for (IBaseResource each : versioned) {
            each.getMeta().setVersionId(String.valueOf(entry.id()));
            each.getMeta().setLastUpdated(Date.from(entry.receivedAt()));
        }
        exchange.getMessage().removeHeader(PATIENT);
        if (stored.patient() != null) {
            exchange.getMessage().setHeader(PATIENT, stored.patient());
        }
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, entry.source());
        exchange.getMessage().setHeader(SyncHeaders.RECORD, entry.record());
        // the sender's zone, kept beside the times it sent (a mapping removed since: the engine's zone)
        mappings.serving().stream().filter(m -> m.name().equals(entry.mapping())).findFirst()
                .ifPresent(m -> exchange.getMessage().setHeader(DeliverObservation.ZONE, m.zone().getId()));
        exchange.getMessage().setHeader(RESOURCE_TYPE, resources.isEmpty() ? resource.fhirType() : resources.get(0).fhirType());
        exchange.getMessage().setBody(resource instanceof Bundle ? resources : resource);
    }
}
