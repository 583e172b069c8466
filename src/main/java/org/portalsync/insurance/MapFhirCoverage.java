package org.portalsync.insurance;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.Coverage.ClassComponent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.portalsync.mapping.FhirDates;
import org.portalsync.sync.MalformedResourceException;
import org.portalsync.validate.DataQualityIssue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Maps a FHIR R4 {@code Coverage} to the portal's {@link InsurancePolicy} of the patient it covers. A field it
 * cannot read is left empty and reported as a {@link DataQualityIssue} naming the record and field (never the
 * value); only a Coverage without an id, or not tied to a Patient of this EHR, cannot be mapped at all: it throws
 * {@link MalformedResourceException}. Elements not in {@link #MAPPED_ELEMENTS} are ignored. Stateless and
 * thread-safe.
 *
 * <p>Dates of cover are days in the facility's zone: a {@code dateTime} with an offset is moved into that zone
 * (23:30 at -05:00 on 31 December is already 1 January in UTC, but still 31 December for a practice in
 * Chicago); a date stays as written; a year or month alone is its first day as a start, its last day as an end.
 */
public final class MapFhirCoverage {

    /**
     * The Coverage elements this mapper reads, comma-separated: the value of the {@code _elements} search
     * parameter a Coverage feed should send (the server returns id and meta anyway). Keep it in step with
     * what {@link #map} reads.
     */
    public static final String MAPPED_ELEMENTS = "status,beneficiary,payor,subscriberId,identifier,class,subscriber,relationship,period";

    /** HL7 v2 table 0203 (identifier type); its code {@code MB} is the member number. */
    static final String IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203";
    static final String MEMBER_NUMBER = "MB";
    /** FHIR R4 code system of {@code Coverage.class.type}; its code {@code group} is the employer group. */
    static final String CLASS_SYSTEM = "http://terminology.hl7.org/CodeSystem/coverage-class";
    static final String GROUP = "group";

    private final String fhirBaseUrl;
    private final ZoneId facilityZone;

    /**
     * @param fhirBaseUrl  the EHR's FHIR base; an absolute beneficiary reference must be under it. Null accepts
     *                     only relative references.
     * @param facilityZone the zone whose calendar days the period is given in
     */
    public MapFhirCoverage(String fhirBaseUrl, ZoneId facilityZone) {
        this.fhirBaseUrl = fhirBaseUrl == null ? null : stripTrailingSlash(fhirBaseUrl.strip());
        this.facilityZone = Objects.requireNonNull(facilityZone, "facilityZone");
    }

    /** As {@link #map(Coverage, Map)} without included resources: the payer's name then comes only from its display. */
    public MappedCoverage map(Coverage coverage) {
        return map(coverage, Map.of());
    }

    /**
     * @param included resources that came with the Coverage (a search with {@code _include=Coverage:payor}),
     *                 keyed by their relative versionless id, e.g. {@code Organization/123}; may be empty
     * @throws MalformedResourceException without an id, or when {@code Coverage.beneficiary} is not a reference to a
     *                                    Patient (relative, or absolute under this EHR's base URL)
     */
    public MappedCoverage map(Coverage coverage, Map<String, ? extends IBaseResource> included) {
        Objects.requireNonNull(coverage, "coverage");
        String id = clean(coverage.getIdElement().getIdPart());
        String record = "Coverage/" + (id == null ? "(no id)" : id);
        if (id == null) {
            throw new MalformedResourceException(record, "Coverage.id", "no logical id: required to key the portal record");
        }
        String patientId = beneficiary(record, coverage.getBeneficiary());
        String version = coverage.hasMeta() ? clean(coverage.getMeta().getVersionId()) : null;
        if (version == null) {
            version = clean(coverage.getIdElement().getVersionIdPart());
        }
        Instant lastUpdated = coverage.hasMeta() && coverage.getMeta().getLastUpdated() != null
                ? coverage.getMeta().getLastUpdated().toInstant() : null;
        List<DataQualityIssue> problems = new ArrayList<>();
        InsurancePolicy policy = policy(coverage, included == null ? Map.of() : included,
                (field, problem) -> problems.add(new DataQualityIssue(record, field, problem, false)));
        return new MappedCoverage(id, version, lastUpdated, patientId, policy, problems);
    }

    /** Reads the policy alone, without checking id or beneficiary: what {@link WriteInsuranceToCoverage} compares with. */
    InsurancePolicy policyOf(Coverage coverage) {
        return policy(coverage, Map.of(), (field, problem) -> { });
    }

    private interface Problems {
        void add(String field, String problem);
    }

    private InsurancePolicy policy(Coverage coverage, Map<String, ? extends IBaseResource> included, Problems problems) {
        Reference payor = coverage.hasPayor() ? coverage.getPayorFirstRep() : null;
        String payerReference = payor == null ? null : clean(payor.getReference());
        String payer = payor == null ? null : clean(payor.getDisplay());
        if (payer == null && payor != null) {
            payer = organizationName(payor, included);
        }
        if (payer == null) {
            problems.add("Coverage.payor", "no payer name: payor[0] has no display and no included Organization with a name");
        }

        String memberId = memberId(coverage);
        if (memberId == null) {
            problems.add("Coverage.subscriberId", "no member id: neither subscriberId nor an identifier of type MB (v2-0203)");
        }

        ClassComponent group = groupClass(coverage);
        String subscriberName = coverage.hasSubscriber() ? clean(coverage.getSubscriber().getDisplay()) : null;
        String relationship = coverage.hasRelationship() ? relationship(coverage.getRelationship(), problems) : null;

        LocalDate start = null;
        LocalDate end = null;
        if (coverage.hasPeriod()) {
            start = date(coverage.getPeriod().getStartElement(), false, "Coverage.period.start", problems);
            end = date(coverage.getPeriod().getEndElement(), true, "Coverage.period.end", problems);
            if (start != null && end != null && end.isBefore(start)) {
                problems.add("Coverage.period.end", "ends before it starts");
            }
        }

        String status = clean(coverage.getStatusElement().getValueAsString());
        if (status == null) {
            problems.add("Coverage.status", "no status");
        }
        return new InsurancePolicy(payer, payerReference, memberId, group == null ? null : group.getValue(),
                group == null ? null : group.getName(), subscriberName, relationship, start, end, status);
    }

    /** The name of the Organization the payor names, when it came with the Coverage (included or resolved). */
    private static String organizationName(Reference payor, Map<String, ? extends IBaseResource> included) {
        IBaseResource resource = payor.getResource();
        String reference = clean(payor.getReference());
        if (resource == null && reference != null) {
            resource = included.get(reference);
            if (resource == null) {
                resource = included.get(new IdType(reference).toUnqualifiedVersionless().getValue());
            }
        }
        return resource instanceof Organization organization ? clean(organization.getName()) : null;
    }

    /** {@code subscriberId}, else the first identifier of type MB. */
    static String memberId(Coverage coverage) {
        String subscriberId = clean(coverage.getSubscriberId());
        if (subscriberId != null) {
            return subscriberId;
        }
        return memberIdentifiers(coverage).stream().map(i -> clean(i.getValue())).filter(Objects::nonNull).findFirst().orElse(null);
    }

    static List<Identifier> memberIdentifiers(Coverage coverage) {
        return coverage.getIdentifier().stream()
                .filter(i -> hasCoding(i.getType(), IDENTIFIER_TYPE_SYSTEM, MEMBER_NUMBER))
                .toList();
    }

    /** The first class of type {@code group}; other classes (plan, rx group...) are not the portal's. */
    static ClassComponent groupClass(Coverage coverage) {
        return coverage.getClass_().stream().filter(c -> hasCoding(c.getType(), CLASS_SYSTEM, GROUP)).findFirst().orElse(null);
    }

    private static boolean hasCoding(CodeableConcept concept, String system, String code) {
        return concept != null && concept.getCoding().stream()
                .anyMatch(c -> system.equals(c.getSystem()) && code.equals(clean(c.getCode())));
    }

    /**
     * The code in {@link InsurancePolicy#RELATIONSHIP_SYSTEM}; a coding without a system counts as in it (the FHIR
     * spec's own Coverage examples write {@code {"code": "self"}}). Codes of other systems are not read.
     */
    private static String relationship(CodeableConcept concept, Problems problems) {
        for (Coding coding : concept.getCoding()) {
            String code = clean(coding.getCode());
            if (code != null && (InsurancePolicy.RELATIONSHIP_SYSTEM.equals(coding.getSystem()) || !coding.hasSystem())) {
                if (InsurancePolicy.RELATIONSHIPS.containsKey(code)) {
                    return code;
                }
                problems.add("Coverage.relationship", "code not in " + InsurancePolicy.RELATIONSHIP_SYSTEM + "; left empty");
                return null;
            }
        }
        problems.add("Coverage.relationship", "no coding in " + InsurancePolicy.RELATIONSHIP_SYSTEM + "; left empty");
        return null;
    }

    /** A day in the facility's zone, or null (with a problem when something unreadable was there). */
    private LocalDate date(BaseDateTimeType value, boolean upperBound, String field, Problems problems) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        // FHIR requires an offset with a time; a time without one is taken as the facility's own, as written
        if (value.getValue() != null && value.getPrecision().ordinal() > TemporalPrecisionEnum.DAY.ordinal()
                && value.getTimeZone() != null) {
            return value.getValue().toInstant().atZone(facilityZone).toLocalDate();
        }
        LocalDate day = FhirDates.dayAsWritten(value, upperBound);
        if (day == null && clean(value.getValueAsString()) != null) {
            problems.add(field, "not a valid date; left empty");
        }
        return day;
    }

    private String beneficiary(String record, Reference beneficiary) {
        String reference = beneficiary == null ? null : clean(beneficiary.getReference());
        if (reference == null) {
            throw new MalformedResourceException(record, "Coverage.beneficiary", "no reference to the patient: required to link the insurance");
        }
        IdType id = new IdType(reference);
        if (!"Patient".equals(id.getResourceType()) || clean(id.getIdPart()) == null || id.isLocal()) {
            throw new MalformedResourceException(record, "Coverage.beneficiary", "not a reference to a Patient");
        }
        if (id.isAbsolute() && (fhirBaseUrl == null || !fhirBaseUrl.equals(stripTrailingSlash(id.getBaseUrl())))) {
            throw new MalformedResourceException(record, "Coverage.beneficiary", "a Patient on another server than this EHR's base URL");
        }
        return id.getIdPart();
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String clean(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        return s.isEmpty() ? null : s;
    }
}
