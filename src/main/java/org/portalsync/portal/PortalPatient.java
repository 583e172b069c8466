package org.portalsync.portal;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * A patient as the portal stores it: demographics only, already validated and standardised.
 * Lists are ordered by priority (FHIR {@code ContactPoint.rank}, then use), first = preferred.
 *
 * @param source            the configured source name (e.g. {@code ehr}), part of the key
 * @param sourceId          the logical id of the resource at the source ({@code Patient.id})
 * @param sourceVersion     {@code meta.versionId} at the source, null when the source has none
 * @param sourceLastUpdated {@code meta.lastUpdated} at the source, null when the source has none
 * @param archived          true for {@code active=false} or a deleted resource
 * @param deceased          true for FHIR {@code deceasedBoolean=true} or any {@code deceasedDateTime}
 * @param deceasedAt        the {@code deceasedDateTime}, null when not given (a date alone: the start of that
 *                          day in the facility's zone)
 * @param displayName       the legal name as the source writes it in full ({@code HumanName.text}), or null; the only
 *                          name of a patient whose name comes as text alone (legalName is then null)
 */
public record PortalPatient(
        String source,
        String sourceId,
        String sourceVersion,
        Instant sourceLastUpdated,
        String mrn,
        PersonName legalName,
        PersonName preferredName,
        LocalDate birthDate,
        String gender,
        String preferredLanguage,
        boolean archived,
        boolean deceased,
        Instant deceasedAt,
        List<ContactPoint> phones,
        List<ContactPoint> emails,
        List<PostalAddress> addresses,
        List<EmergencyContact> emergencyContacts,
        String displayName) {

    /** A patient without a display name. */
    public PortalPatient(String source, String sourceId, String sourceVersion, Instant sourceLastUpdated, String mrn, PersonName legalName,
            PersonName preferredName, LocalDate birthDate, String gender, String preferredLanguage, boolean archived, boolean deceased,
            Instant deceasedAt, List<ContactPoint> phones, List<ContactPoint> emails, List<PostalAddress> addresses,
            List<EmergencyContact> emergencyContacts) {
        this(source, sourceId, sourceVersion, sourceLastUpdated, mrn, legalName, preferredName, birthDate, gender, preferredLanguage,
                archived, deceased, deceasedAt, phones, emails, addresses, emergencyContacts, null);
    }

    public PortalPatient {
        phones = List.copyOf(phones);
        emails = List.copyOf(emails);
        addresses = List.copyOf(addresses);
        emergencyContacts = List.copyOf(emergencyContacts);
    }

    /** A record for a resource the source deleted: only the key is known. */
    public static PortalPatient tombstone(String source, String sourceId, String sourceVersion, Instant deletedAt) {
        return new PortalPatient(source, sourceId, sourceVersion, deletedAt, null, null, null, null, null, null,
                true, false, null, List.of(), List.of(), List.of(), List.of());
    }

    /** @return true for a {@link #tombstone}: the source deleted the record, nothing else is known */
    public boolean deletedAtSource() {
        return archived && legalName == null && displayName == null && mrn == null;
    }

    /** @return {@code Patient/<sourceId>}, how records are named in errors and the digest (never PHI) */
    public String reference() {
        return "Patient/" + sourceId;
    }
}
