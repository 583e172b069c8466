package org.portalsync.mapping;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem;
import org.hl7.fhir.r4.model.ContactPoint.ContactPointUse;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.HumanName.NameUse;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Patient.ContactComponent;
import org.hl7.fhir.r4.model.Patient.PatientCommunicationComponent;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.portalsync.portal.ContactPoint;
import org.portalsync.portal.EmergencyContact;
import org.portalsync.portal.PersonName;
import org.portalsync.portal.PortalPatient;
import org.portalsync.portal.PostalAddress;
import org.portalsync.validate.AddressStandardizer;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.EmailAddressValidator;
import org.portalsync.validate.PhoneNumberNormalizer;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Maps a FHIR R4 {@code Patient} to the portal's {@link PortalPatient}, standardising as it goes
 * and reporting every field it leaves out as a {@link DataQualityIssue} (never with the value: that
 * is PHI). Only a record without an id or without any legal name is rejected; anything else
 * wrong costs only the field. A legal name given only as text (a CJK name, which is not split into
 * parts) is kept as the display name. Elements not in {@link #MAPPED_ELEMENTS} (extensions, links, photo...) are ignored.
 *
 * <p>"Current" below means: the element's {@code period.end} is absent or not yet past; an end
 * given as a date counts until the end of that day (of that month or year for a partial date), in
 * the clock's zone. Stateless and thread-safe.
 */
public final class MapFhirPatient {

    /**
     * The Patient elements this mapper reads, comma-separated: the value of the {@code _elements} search
     * parameter a poll should send (the server returns id and meta anyway). Keep it in step with what
     * {@link #map} reads, and {@code link}, which the merge step after delivery reads ({@code MergeReplacedPatients}).
     */
    public static final String MAPPED_ELEMENTS = "identifier,active,name,telecom,gender,birthDate,address,contact,communication,deceased,link";

    private static final String BCP_47 = "urn:ietf:bcp:47";
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    /** Names that may be the legal one, after an official name: usual, temp, or without use. */
    private static final Predicate<HumanName> LEGAL_FALLBACK =
            n -> n.getUse() == null || n.getUse() == NameUse.USUAL || n.getUse() == NameUse.TEMP;

    /** Preferred code systems for {@code contact.relationship}, as {@link EmergencyContact} documents it. */
    private static final List<String> RELATIONSHIP_SYSTEMS = List.of(
            "http://terminology.hl7.org/CodeSystem/v2-0131",
            "http://terminology.hl7.org/CodeSystem/v3-RoleCode");

    /** Code systems whose codes may name a {@link EmergencyContact#GUARDIAN_RELATIONSHIPS guardian}. */
    private static final Set<String> GUARDIAN_SYSTEMS = Set.of(
            "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
            "http://terminology.hl7.org/CodeSystem/v2-0063");

    /** Tie-break after {@code ContactPoint.rank}: where a patient is most likely to answer first; absent use last. */
    private static final List<ContactPointUse> USE_ORDER = List.of(
            ContactPointUse.MOBILE, ContactPointUse.HOME, ContactPointUse.WORK, ContactPointUse.TEMP, ContactPointUse.OLD);

    private static final Comparator<TelecomCandidate> PRIORITY = Comparator
            .comparingInt((TelecomCandidate c) -> c.rank() == null ? Integer.MAX_VALUE : c.rank())
            .thenComparingInt(c -> {
                int i = c.use() == null ? -1 : USE_ORDER.indexOf(c.use());
                return i < 0 ? USE_ORDER.size() : i;
            });

    private final PatientMappingSettings settings;
    private final Clock clock;
    private final PhoneNumberNormalizer phoneNumbers = new PhoneNumberNormalizer();
    private final EmailAddressValidator emailAddresses = new EmailAddressValidator();
    private final AddressStandardizer addressStandardizer = new AddressStandardizer();

    public MapFhirPatient(PatientMappingSettings settings) {
        this(settings, Clock.systemUTC());
    }

    /** @param clock decides which periods have ended */
    public MapFhirPatient(PatientMappingSettings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param source the configured source name, stored with the record
     * @return the portal record and its issues; no patient when an issue rejects the record
     */
    public MappedPatient map(String source, Patient patient) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(patient, "patient");
        LocalDate today = LocalDate.now(clock);
        String id = clean(patient.getIdElement().getIdPart());
        Issues issues = new Issues("Patient/" + (id == null ? "(no id)" : id));
        if (id == null) {
            issues.reject("Patient.id", "no logical id: required to key the portal record");
        }

        String version = patient.hasMeta() ? clean(patient.getMeta().getVersionId()) : null;
        if (version == null) {
            version = clean(patient.getIdElement().getVersionIdPart());
        }
        Instant lastUpdated = patient.hasMeta() && patient.getMeta().getLastUpdated() != null
                ? patient.getMeta().getLastUpdated().toInstant() : null;

        String mrn = mrn(patient, issues);
        List<HumanName> names = patient.getName().stream().filter(n -> !n.hasPeriod() || !ended(n.getPeriod())).toList();
        PersonName legalName = legalName(names);
        String displayName = displayName(names);
        if (legalName == null && displayName == null) {
            issues.reject("Patient.name", "no legal name (official, or usual without period end): required");
        }
        PersonName preferredName = preferredName(names, legalName);
        LocalDate birthDate = patient.hasBirthDateElement() ? birthDate(patient.getBirthDateElement(), issues) : null;
        String gender = patient.hasGenderElement() ? clean(patient.getGenderElement().getValueAsString()) : null;
        boolean archived = patient.hasActiveElement() && Boolean.FALSE.equals(patient.getActiveElement().getValue());
        // any deceasedDateTime means deceased, even one whose value did not parse
        boolean deceased = patient.hasDeceasedDateTimeType()
                || patient.hasDeceasedBooleanType() && Boolean.TRUE.equals(patient.getDeceasedBooleanType().getValue());
        Instant deceasedAt = patient.hasDeceasedDateTimeType() ? instant(patient.getDeceasedDateTimeType()) : null;

        List<PostalAddress> addresses = addresses(patient.getAddress(), issues);
        String phoneRegion = addresses.stream()
                .filter(a -> "home".equals(a.use()) && a.country() != null)
                .filter(a -> a.periodEnd() == null || !a.periodEnd().isBefore(today))
                .map(PostalAddress::country)
                .filter(phoneNumbers::isSupportedRegion)
                .findFirst().orElse(settings.defaultCountry());
        Telecoms telecoms = telecoms(patient.getTelecom(), "Patient.telecom", phoneRegion, issues);
        List<EmergencyContact> contacts = contacts(patient.getContact(), phoneRegion, issues);

        if (issues.rejected()) {
            return new MappedPatient(null, issues.list);
        }
        return new MappedPatient(new PortalPatient(source, id, version, lastUpdated, mrn, legalName, preferredName,
                birthDate, gender == null ? null : gender.toLowerCase(Locale.ROOT), preferredLanguage(patient), archived,
                deceased, deceasedAt, telecoms.phones(), telecoms.emails(), addresses, contacts, displayName), issues.list);
    }

    private String mrn(Patient patient, Issues issues) {
        String system = settings.mrnIdentifierSystem();
        for (Identifier identifier : patient.getIdentifier()) {
            String value = clean(identifier.getValue());
            // an old MRN (use=old, or a period that ended) is not the one to show
            if (system.equals(identifier.getSystem()) && value != null
                    && identifier.getUse() != Identifier.IdentifierUse.OLD
                    && !(identifier.hasPeriod() && ended(identifier.getPeriod()))) {
                return value;
            }
        }
        issues.warn("Patient.identifier", "no identifier with system " + system + " (MRN)");
        return null;
    }

    /** Official first; else the first usual, temp or use-less name. Names without family or given do not count. */
    private static PersonName legalName(List<HumanName> current) {
        return firstName(current, n -> n.getUse() == NameUse.OFFICIAL).or(() -> firstName(current, LEGAL_FALLBACK)).orElse(null);
    }

    /**
     * The text of a legal name in the same order, the name as the source writes it in full. Free text is not split
     * into parts: "张无忌" has no space, and "Mary Ann Smith" could be split two ways.
     */
    private static String displayName(List<HumanName> current) {
        Optional<String> official = current.stream().filter(n -> n.getUse() == NameUse.OFFICIAL)
                .map(n -> clean(n.getText())).filter(Objects::nonNull).findFirst();
        return official.or(() -> current.stream().filter(LEGAL_FALLBACK).map(n -> clean(n.getText())).filter(Objects::nonNull).findFirst())
                .orElse(null);
    }

    /** A usual name, else a nickname, that differs from the legal name. */
    private PersonName preferredName(List<HumanName> current, PersonName legal) {
        Predicate<HumanName> differs = n -> !Objects.equals(personName(n), legal);
        return firstName(current, n -> n.getUse() == NameUse.USUAL && differs.test(n))
                .or(() -> firstName(current, n -> n.getUse() == NameUse.NICKNAME && differs.test(n)))
                .orElse(null);
    }

    private static Optional<PersonName> firstName(List<HumanName> names, Predicate<HumanName> filter) {
        return names.stream().filter(filter).map(MapFhirPatient::personName).filter(Objects::nonNull).findFirst();
    }

    /** @return null when the name has neither family nor given */
    private static PersonName personName(HumanName name) {
        String given = join(name.getGiven());
        String family = clean(name.getFamily());
        if (given == null && family == null) {
            return null;
        }
        return new PersonName(join(name.getPrefix()), given, family, join(name.getSuffix()));
    }

    private static LocalDate birthDate(DateType birthDate, Issues issues) {
        if (birthDate.getValue() == null) {
            if (clean(birthDate.getValueAsString()) != null) {
                issues.warn("Patient.birthDate", "not a valid date; birth date left empty");
            }
            return null;
        }
        switch (birthDate.getPrecision()) {
            case YEAR:
                issues.warn("Patient.birthDate", "birth date has only year precision (YYYY); left empty");
                return null;
            case MONTH:
                issues.warn("Patient.birthDate", "birth date has only month precision (YYYY-MM); left empty");
                return null;
            default:
                return date(birthDate, false);
        }
    }

    /** The communication marked preferred, else the first; its BCP-47 code, else any code, else its text. */
    private static String preferredLanguage(Patient patient) {
        List<PatientCommunicationComponent> ordered = new ArrayList<>();
        patient.getCommunication().stream().filter(c -> c.getPreferred()).forEach(ordered::add);
        patient.getCommunication().stream().filter(c -> !c.getPreferred()).forEach(ordered::add);
        for (PatientCommunicationComponent communication : ordered) {
            if (!communication.hasLanguage()) {
                continue;
            }
            String language = code(communication.getLanguage(), List.of(BCP_47));
            if (language == null) {
                language = clean(communication.getLanguage().getText());
            }
            if (language != null) {
                return language;
            }
        }
        return null;
    }

    private List<PostalAddress> addresses(List<Address> fhirAddresses, Issues issues) {
        List<PostalAddress> out = new ArrayList<>();
        for (int i = 0; i < fhirAddresses.size(); i++) {
            Address address = fhirAddresses.get(i);
            AddressStandardizer.Result result = addressStandardizer.standardize(new AddressStandardizer.Input(
                    address.getLine().stream().map(PrimitiveType::getValue).toList(),
                    address.getCity(), address.getState(), address.getPostalCode(), address.getCountry(),
                    address.getText()), settings.defaultCountry());
            for (AddressStandardizer.Problem problem : result.problems()) {
                issues.warn("Patient.address[" + i + "]" + (problem.component() == null ? "" : "." + problem.component()),
                        problem.problem());
            }
            if (result.delivered()) {
                AddressStandardizer.Standardized a = result.address();
                out.add(new PostalAddress(address.getUse() == null ? null : address.getUse().toCode(), a.lines(),
                        a.city(), a.state(), a.postalCode(), a.country(),
                        address.hasPeriod() ? date(address.getPeriod().getStartElement(), false) : null,
                        address.hasPeriod() ? date(address.getPeriod().getEndElement(), true) : null));
            }
        }
        return out;
    }

    private record TelecomCandidate(String value, ContactPointUse use, Integer rank) {
    }

    private record Telecoms(List<ContactPoint> phones, List<ContactPoint> emails) {
    }

    /**
     * Current phones (system phone or sms) and emails, each list by rank then {@link #USE_ORDER}, first
     * occurrence of a value kept. use=old is skipped like an ended period; fax, pager, url, other are not mapped.
     */
    private Telecoms telecoms(List<org.hl7.fhir.r4.model.ContactPoint> telecom, String field, String region, Issues issues) {
        List<TelecomCandidate> phones = new ArrayList<>();
        List<TelecomCandidate> emails = new ArrayList<>();
        for (int i = 0; i < telecom.size(); i++) {
            org.hl7.fhir.r4.model.ContactPoint point = telecom.get(i);
            String value = clean(point.getValue());
            ContactPointSystem system = point.getSystem();
            if (system == null || system == ContactPointSystem.NULL || value == null) {
                issues.warn(field + "[" + i + "]", "telecom without system/value; left out");
                continue;
            }
            if (point.getUse() == ContactPointUse.OLD || point.hasPeriod() && ended(point.getPeriod())) {
                continue;
            }
            Integer rank = point.hasRank() ? point.getRank() : null;
            String valueField = field + "[" + i + "].value";
            if (system == ContactPointSystem.PHONE || system == ContactPointSystem.SMS) {
                phoneNumbers.toE164(value, region).ifPresentOrElse(
                        e164 -> phones.add(new TelecomCandidate(e164, point.getUse(), rank)),
                        () -> issues.warn(valueField, "not a valid phone number for region " + region + "; left out"));
            } else if (system == ContactPointSystem.EMAIL) {
                emailAddresses.normalize(value).ifPresentOrElse(
                        email -> emails.add(new TelecomCandidate(email, point.getUse(), rank)),
                        () -> issues.warn(valueField, "not a valid email address; left out"));
            }
        }
        return new Telecoms(ordered(phones), ordered(emails));
    }

    private static List<ContactPoint> ordered(List<TelecomCandidate> candidates) {
        Set<String> seen = new LinkedHashSet<>();
        return candidates.stream()
                .sorted(PRIORITY) // stable: equal priority keeps the source's order
                .filter(c -> seen.add(c.value()))
                .map(c -> new ContactPoint(c.value(), c.use() == null ? null : c.use().toCode(), c.rank()))
                .collect(Collectors.toList());
    }

    private List<EmergencyContact> contacts(List<ContactComponent> fhirContacts, String patientRegion, Issues issues) {
        List<EmergencyContact> out = new ArrayList<>();
        for (int i = 0; i < fhirContacts.size(); i++) {
            ContactComponent contact = fhirContacts.get(i);
            if (contact.hasPeriod() && ended(contact.getPeriod())) {
                continue;
            }
            String field = "Patient.contact[" + i + "]";
            PersonName name = null;
            if (contact.hasName()) {
                name = personName(contact.getName());
                if (name == null) {
                    issues.warn(field + ".name",
                            "contact name has neither family nor given (free text is not split); name left empty");
                }
            }
            // a contact abroad writes national numbers of their own country
            String region = Optional.ofNullable(contact.hasAddress() ? contact.getAddress().getCountry() : null)
                    .flatMap(addressStandardizer::countryCode)
                    .filter(phoneNumbers::isSupportedRegion)
                    .orElse(patientRegion);
            Telecoms telecoms = telecoms(contact.getTelecom(), field + ".telecom", region, issues);
            String phone = telecoms.phones().isEmpty() ? null : telecoms.phones().get(0).value();
            String email = telecoms.emails().isEmpty() ? null : telecoms.emails().get(0).value();
            if (name == null && phone == null && email == null && !contact.hasOrganization()) {
                issues.warn(field, "contact without name, valid phone or email, or organization; left out");
                continue;
            }
            // a guardian code wins over the contact role (e.g. MTH over N): it is what the portal acts on
            String relationship = guardianCode(contact.getRelationship())
                    .orElse(contact.getRelationship().isEmpty() ? null : code(contact.getRelationship().get(0), RELATIONSHIP_SYSTEMS));
            out.add(new EmergencyContact(relationship, name, phone, email));
        }
        return out;
    }

    private static Optional<String> guardianCode(List<CodeableConcept> relationships) {
        return relationships.stream().flatMap(concept -> concept.getCoding().stream())
                .filter(coding -> GUARDIAN_SYSTEMS.contains(coding.getSystem()))
                .map(coding -> clean(coding.getCode()))
                .filter(code -> code != null && EmergencyContact.GUARDIAN_RELATIONSHIPS.contains(code))
                .findFirst();
    }

    /** The code of the first coding in a preferred system, else of the first coding with a code. */
    private static String code(CodeableConcept concept, List<String> preferredSystems) {
        for (String system : preferredSystems) {
            for (Coding coding : concept.getCoding()) {
                if (system.equals(coding.getSystem()) && clean(coding.getCode()) != null) {
                    return clean(coding.getCode());
                }
            }
        }
        return concept.getCoding().stream().map(c -> clean(c.getCode())).filter(Objects::nonNull).findFirst().orElse(null);
    }

    private boolean ended(Period period) {
        if (period == null || !period.hasEndElement() || period.getEndElement().getValue() == null) {
            return false;
        }
        BaseDateTimeType end = period.getEndElement();
        if (end.getPrecision().ordinal() > TemporalPrecisionEnum.DAY.ordinal()) {
            return end.getValue().toInstant().isBefore(clock.instant());
        }
        LocalDate lastDay = date(end, true);
        return lastDay != null && lastDay.isBefore(LocalDate.now(clock));
    }

    /** A date-time with a time as given; a date alone (or a year or month) from the start of its first day in the clock's zone. */
    private Instant instant(BaseDateTimeType value) {
        if (value.getValue() == null) {
            return null;
        }
        if (value.getPrecision().ordinal() > TemporalPrecisionEnum.DAY.ordinal()) {
            return value.getValue().toInstant();
        }
        LocalDate day = date(value, false);
        return day == null ? null : day.atStartOfDay(clock.getZone()).toInstant();
    }

    /** The date as written: see {@link FhirDates#dayAsWritten}. */
    private static LocalDate date(BaseDateTimeType value, boolean upperBound) {
        return FhirDates.dayAsWritten(value, upperBound);
    }

    private static String join(List<? extends PrimitiveType<String>> parts) {
        String joined = parts.stream().map(p -> clean(p.getValue())).filter(Objects::nonNull).collect(Collectors.joining(" "));
        return joined.isEmpty() ? null : joined;
    }

    private static String clean(String text) {
        if (text == null) {
            return null;
        }
        String s = WHITESPACE.matcher(text.strip()).replaceAll(" ");
        return s.isEmpty() ? null : s;
    }

    /** The issues of one record, in the order found. */
    private static final class Issues {
        private final String record;
        private final List<DataQualityIssue> list = new ArrayList<>();

        Issues(String record) {
            this.record = record;
        }

        void warn(String field, String problem) {
            list.add(new DataQualityIssue(record, field, problem, false));
        }

        void reject(String field, String problem) {
            list.add(new DataQualityIssue(record, field, problem, true));
        }

        boolean rejected() {
            return list.stream().anyMatch(DataQualityIssue::rejectsRecord);
        }
    }
}
