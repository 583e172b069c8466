package org.portalsync.source.hl7v2;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.util.Terser;
import org.hl7.fhir.r4.model.Appointment;
import org.portalsync.portal.PortalDatabase;

/**
 * A portal cancellation of an appointment that a legacy EHR sent (HL7 v2 SIU), sent back to it as SIU^S15 over MLLP
 * ({@code portal-sync.source.hl7v2.outbound.*}). The S15 is the appointment's newest SIU as the EHR sent it (its own
 * SCH, TQ1, PID and resources, so it finds its appointment by its ids), with the engine's MSH (event S15, control id
 * {@code PS-CHG-<change id>}: the same on every try, so the EHR can tell a retry) and the patient's reason in SCH-6.
 */
public final class CancelAtLegacyEhr {

    private static final DateTimeFormatter HL7_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmssZ");

    private final String source;
    private final boolean enabled;
    private final PortalDatabase database;
    private final Hl7v2Inbox inbox;
    private final SendHl7v2Message sender;
    private final FhirContext fhir;
    private final Clock clock;

    /** @param source the legacy source whose appointments it cancels; @param enabled false: none goes out */
    public CancelAtLegacyEhr(String source, boolean enabled, PortalDatabase database, Hl7v2Inbox inbox, SendHl7v2Message sender,
            FhirContext fhir, Clock clock) {
        this.source = source;
        this.enabled = enabled;
        this.database = database;
        this.inbox = inbox;
        this.sender = sender;
        this.fhir = fhir;
        this.clock = clock;
    }

    /** Whether appointments of this source are the legacy EHR's. */
    public boolean owns(String appointmentSource) {
        return source.equals(appointmentSource);
    }

    /** Whether their cancellations go out (outbound enabled). */
    public boolean enabled() {
        return enabled;
    }

    /** The Appointment as the legacy EHR last sent it: what the portal shows again when a cancellation fails. */
    public Optional<Appointment> lastSent(String appointmentId) {
        return database.inTransaction(connection -> inbox.latest(connection, source, "Appointment/" + appointmentId))
                .map(latest -> (Appointment) Hl7v2InboxResources.unpack(fhir.newJsonParser().parseResource(latest.resourceJson())).record());
    }

    /**
     * Sends the S15 and waits for its ACK.
     *
     * @throws org.portalsync.source.fhir.EhrUnavailableException no connection, or no ACK in time
     * @throws IllegalStateException                               the engine holds no SIU of the appointment
     */
    public SendHl7v2Message.Ack cancel(long changeId, String appointmentId, String reason) {
        Hl7v2Inbox.Latest latest = database.inTransaction(connection -> inbox.latest(connection, source, "Appointment/" + appointmentId))
                .orElseThrow(() -> new IllegalStateException("Appointment/" + appointmentId + ": no SIU of it in the legacy inbox"));
        Message message = new Hl7v2Reader().read(latest.message()).hapiMessage();
        try {
            Terser terser = new Terser(message);
            String receivingApplication = terser.get("/MSH-3-1");
            String receivingFacility = terser.get("/MSH-4-1");
            terser.set("/MSH-3-1", "PORTAL-SYNC");
            terser.set("/MSH-4-1", "PORTAL");
            terser.set("/MSH-5-1", receivingApplication);
            terser.set("/MSH-6-1", receivingFacility);
            terser.set("/MSH-7", HL7_TIME.format(clock.instant().atOffset(ZoneOffset.UTC)));
            terser.set("/MSH-9-1", "SIU");
            terser.set("/MSH-9-2", "S15");
            terser.set("/MSH-9-3", "SIU_S12");
            terser.set("/MSH-10", "PS-CHG-" + changeId);
            terser.set("/MSH-11-1", "P");
            terser.set("/MSH-12-1", Hl7v2Reader.VERSION);
            // SCH-6, event reason (CE): the patient's words as its text
            terser.set("/SCH-6-1", "");
            terser.set("/SCH-6-2", reason == null ? "Cancelled in the patient portal" : reason);
        } catch (HL7Exception e) {
            throw new IllegalStateException("Appointment/" + appointmentId + ": its SIU cannot be made into an S15 (" + e.getError() + ")", e);
        }
        return sender.send(message);
    }
}
