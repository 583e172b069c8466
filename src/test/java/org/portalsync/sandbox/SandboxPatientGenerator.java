package org.portalsync.sandbox;

import java.time.LocalDate;
import java.util.List;
import java.util.Random;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;

/**
 * Deterministic, realistic R4 Patients of the kind a US practice's EHR returns, messy where real
 * data is messy (mixed-case states, several phone formats, foreign addresses, nicknames,
 * historical addresses) and, in about 3% of patients, defective in a way the sync engine must
 * reject rather than store: see {@link Defect}. The same seed yields the same patients.
 *
 * <p>Phone numbers use real area codes; two thirds are in the fictional 555-01XX range. Every
 * non-defective phone passes libphonenumber's {@code isValidNumber} (checked over 100,000
 * patients). E-mail domains are RFC 2606 example domains. MRNs are unique per seed.
 */
public final class SandboxPatientGenerator {

    /** Identifier system of the sandbox EHR's medical record numbers. */
    public static final String MRN_SYSTEM = "urn:oid:2.16.840.1.113883.3.4424.1";

    /** The one defect, if any, a generated patient carries. */
    public enum Defect {
        NONE,
        /** A phone ContactPoint whose value cannot be a phone number (too few digits, e.g. "123"). */
        INVALID_PHONE,
        /** An email ContactPoint whose value has no {@code @}. */
        INVALID_EMAIL,
        /** A US address whose postal code is not a ZIP (e.g. "ABCDE"). */
        INVALID_ZIP,
        /** {@code Patient.name} is empty. */
        NO_NAME,
        /** No identifier in the MRN system (the patient is kept, with a data-quality row). */
        NO_MRN
    }

    /**
     * How often each defect is drawn (one per patient at most). {@link #SANDBOX}: rare, so that tests and the
     * demo mostly see clean records. {@link #PRACTICE}: what a practice's real data looks like (a third of
     * the phone numbers fail validation, some patients have no MRN or a bad ZIP): the benchmark's default.
     */
    public record DefectRates(double noName, double invalidPhone, double invalidEmail, double invalidZip, double noMrn) {
        public static final DefectRates SANDBOX = new DefectRates(0.010, 0.007, 0.007, 0.006, 0);
        public static final DefectRates PRACTICE = new DefectRates(0.010, 0.330, 0.040, 0.050, 0.030);
    }

    private static final String[] MALE = {"James", "Robert", "John", "Michael", "William", "David", "Richard",
        "Joseph", "Thomas", "Christopher", "Daniel", "Matthew", "Anthony", "José", "Luis", "Minh", "Wei",
        "Mohammed", "Dmitri", "Kwame", "Liam", "Noah", "Jean-Luc", "Seán"};
    private static final String[] FEMALE = {"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara",
        "Susan", "Jessica", "Sarah", "Karen", "Margaret", "María", "Ana", "Thi", "Mei", "Fatima", "Olga",
        "Ama", "Emma", "Olivia", "Zoë", "Siobhán", "Anne-Marie", "Katherine"};
    private static final String[] FAMILY = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
        "Davis", "Rodriguez", "Martinez", "Hernández", "Lopez", "Nguyen", "Tran", "Le", "Chen", "Wang", "Li",
        "Kim", "Park", "O'Brien", "McDonald", "Smith-Jones", "van der Berg", "Müller", "Ivanov", "Okafor",
        "Mensah", "Patel", "Shah", "Cohen", "Murphy", "St. John", "De La Cruz", "Washington", "Taylor"};
    private static final String[][] NICKNAMES = {{"Robert", "Bob"}, {"William", "Bill"}, {"Richard", "Rick"},
        {"Michael", "Mike"}, {"Joseph", "Joe"}, {"Thomas", "Tom"}, {"Christopher", "Chris"}, {"Daniel", "Dan"},
        {"Anthony", "Tony"}, {"Elizabeth", "Liz"}, {"Margaret", "Peggy"}, {"Jennifer", "Jen"},
        {"Patricia", "Trish"}, {"Katherine", "Kate"}, {"Susan", "Sue"}, {"José", "Pepe"}};
    private static final String[] STREETS = {"Main St", "Elm Street", "Oak Ave", "Maple Avenue", "Washington Blvd",
        "Park Pl", "Cedar Ln", "2nd St", "Massachusetts Ave", "Broadway", "Lake Shore Dr", "Mission St"};
    private static final String[] UNITS = {"Apt 4B", "Unit 12", "#305", "Suite 200", "Apt. 1", "Fl 3"};
    /** city, state code, state name, ZIP prefix, area code. */
    private static final String[][] US_PLACES = {
        {"Boston", "MA", "Massachusetts", "021", "617"}, {"Cambridge", "MA", "Massachusetts", "021", "617"},
        {"New York", "NY", "New York", "100", "212"}, {"Brooklyn", "NY", "New York", "112", "718"},
        {"San Francisco", "CA", "California", "941", "415"}, {"Los Angeles", "CA", "California", "900", "213"},
        {"Chicago", "IL", "Illinois", "606", "312"}, {"Houston", "TX", "Texas", "770", "713"},
        {"Seattle", "WA", "Washington", "981", "206"}, {"Miami", "FL", "Florida", "331", "305"},
        {"Atlanta", "GA", "Georgia", "303", "404"}, {"Portland", "OR", "Oregon", "972", "503"},
        {"Denver", "CO", "Colorado", "802", "720"}, {"Philadelphia", "PA", "Pennsylvania", "191", "215"},
        {"San Juan", "PR", "Puerto Rico", "009", "787"}};
    /** city, province code, province name, postal code, area code. */
    private static final String[][] CA_PLACES = {
        {"Toronto", "ON", "Ontario", "M5V 3L9", "416"}, {"Montréal", "QC", "Quebec", "H2X 1Y4", "514"},
        {"Vancouver", "BC", "British Columbia", "V6B 1A1", "604"}};
    /** city, postcode. */
    private static final String[][] GB_PLACES = {{"London", "SW1A 1AA"}, {"Manchester", "M1 1AE"},
        {"Edinburgh", "EH1 1YZ"}};
    /** BCP 47 tag, display. */
    private static final String[][] LANGUAGES = {{"en", "English"}, {"en-US", "English (United States)"},
        {"es", "Spanish"}, {"vi", "Vietnamese"}, {"zh", "Chinese"}, {"ko", "Korean"}, {"ru", "Russian"},
        {"ar", "Arabic"}, {"pt", "Portuguese"}, {"ht", "Haitian Creole"}, {"fr", "French"}};
    /** HL7 table 0131 (contact role) code, display. */
    private static final String[][] CONTACT_ROLES = {{"C", "Emergency Contact"}, {"N", "Next-of-Kin"},
        {"E", "Employer"}, {"C", "Emergency Contact"}, {"N", "Next-of-Kin"}, {"U", "Unknown"}};
    private static final String[] BAD_PHONES = {"123", "555", "00", "x", "N/A", "555-01"};
    private static final String[] BAD_EMAILS = {"jsmith.example.com", "none", "mary at example.org", "n/a"};
    private static final String[] BAD_ZIPS = {"ABCDE", "0213", "9410", "XXXXX", "021390"};

    private final Random random;
    private final long seed;
    private final DefectRates rates;
    private long sequence;

    public SandboxPatientGenerator(long seed) {
        this(seed, DefectRates.SANDBOX);
    }

    public SandboxPatientGenerator(long seed, DefectRates rates) {
        this.seed = seed;
        this.random = new Random(seed);
        this.rates = rates;
    }

    /** The next patient; {@link #defectOf(Patient)} tells which defect, if any, it carries. */
    public Patient next() {
        long number = sequence++;
        Patient p = new Patient();
        p.setActive(true);
        p.addIdentifier()
                .setUse(Identifier.IdentifierUse.USUAL)
                .setType(new CodeableConcept(new Coding(
                        "http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number")))
                .setSystem(MRN_SYSTEM)
                .setValue(mrn(number));

        double r = random.nextDouble();
        double noName = rates.noName();
        double phone = noName + rates.invalidPhone();
        double email = phone + rates.invalidEmail();
        double zip = email + rates.invalidZip();
        double mrn = zip + rates.noMrn();
        Defect defect = r < noName ? Defect.NO_NAME
                : r < phone ? Defect.INVALID_PHONE
                : r < email ? Defect.INVALID_EMAIL
                : r < zip ? Defect.INVALID_ZIP
                : r < mrn ? Defect.NO_MRN
                : Defect.NONE;
        if (defect == Defect.NO_MRN) {
            p.getIdentifier().clear();
        }

        AdministrativeGender gender = gender();
        p.setGender(gender);
        boolean male = gender == AdministrativeGender.MALE || (gender != AdministrativeGender.FEMALE && random.nextBoolean());
        p.setBirthDateElement(new DateType(birthDate().toString()));

        String given = pick(male ? MALE : FEMALE);
        String family = pick(FAMILY);
        if (defect != Defect.NO_NAME) {
            addNames(p, male, given, family);
        }

        int country = random.nextInt(100); // 0-89 US, 90-95 CA, 96-99 GB
        String[] us = US_PLACES[random.nextInt(US_PLACES.length)];
        String[] ca = CA_PLACES[random.nextInt(CA_PLACES.length)];
        String[] gb = GB_PLACES[random.nextInt(GB_PLACES.length)];

        addPhones(p, country < 90 ? us[4] : country < 96 ? ca[4] : null);
        addEmails(p, given, family, defect == Defect.INVALID_EMAIL);
        if (defect == Defect.INVALID_PHONE) {
            p.getTelecom().get(random.nextInt(countPhones(p))).setValue(pick(BAD_PHONES));
        }

        int addresses = 1 + weighted(0.6, 0.3);
        for (int i = 0; i < addresses; i++) {
            Address a;
            if (i == 0 && country >= 90) {
                a = country < 96 ? canadianAddress(ca) : britishAddress(gb);
            } else {
                a = usAddress(i == 0 ? us : US_PLACES[random.nextInt(US_PLACES.length)]);
            }
            a.setUse(i == 0 ? Address.AddressUse.HOME
                    : random.nextBoolean() ? Address.AddressUse.WORK : Address.AddressUse.TEMP);
            if (a.getUse() == Address.AddressUse.TEMP || random.nextInt(4) == 0) {
                LocalDate start = LocalDate.of(2015 + random.nextInt(9), 1 + random.nextInt(12), 1 + random.nextInt(28));
                Period period = new Period().setStartElement(new DateTimeType(start.toString()));
                if (a.getUse() == Address.AddressUse.TEMP && random.nextBoolean()) {
                    period.setEndElement(new DateTimeType(start.plusMonths(1 + random.nextInt(6)).toString()));
                }
                a.setPeriod(period);
            }
            p.addAddress(a);
        }
        if (defect == Defect.INVALID_ZIP) {
            Address a = usAddress(us);
            a.setUse(p.getAddress().isEmpty() ? Address.AddressUse.HOME : Address.AddressUse.WORK);
            a.setPostalCode(pick(BAD_ZIPS));
            p.addAddress(a);
        }

        int contacts = weighted(0.45, 0.2);
        for (int i = 0; i < contacts; i++) {
            String[] role = CONTACT_ROLES[random.nextInt(CONTACT_ROLES.length)];
            Patient.ContactComponent contact = p.addContact();
            contact.addRelationship(new CodeableConcept(
                    new Coding("http://terminology.hl7.org/CodeSystem/v2-0131", role[0], role[1])));
            boolean contactMale = random.nextBoolean();
            contact.setName(new HumanName()
                    .setUse(HumanName.NameUse.OFFICIAL)
                    .setFamily(random.nextInt(3) == 0 ? family : pick(FAMILY))
                    .addGiven(pick(contactMale ? MALE : FEMALE)));
            contact.addTelecom(phone(country < 90 ? us[4] : pick(US_PLACES)[4], ContactPoint.ContactPointUse.MOBILE));
        }

        String[] language = LANGUAGES[random.nextInt(10) < 6 ? random.nextInt(2) : random.nextInt(LANGUAGES.length)];
        p.addCommunication()
                .setLanguage(new CodeableConcept(new Coding("urn:ietf:bcp:47", language[0], language[1]))
                        .setText(language[1]))
                .setPreferred(true);
        if (!language[0].startsWith("en") && random.nextInt(3) == 0) {
            p.addCommunication().setLanguage(new CodeableConcept(new Coding("urn:ietf:bcp:47", "en", "English")));
        }
        return p;
    }

    /**
     * Which {@link Defect} this generator put into {@code patient}, read back from the resource
     * itself, so a test can look at whatever came out of the sync and know what to expect.
     * Relies on this generator's formats: good phones have 10+ digits, good US ZIPs are 5 or 5+4.
     */
    public static Defect defectOf(Patient patient) {
        if (patient.getName().isEmpty()) {
            return Defect.NO_NAME;
        }
        if (patient.getIdentifier().stream().noneMatch(id -> MRN_SYSTEM.equals(id.getSystem()))) {
            return Defect.NO_MRN;
        }
        for (ContactPoint cp : patient.getTelecom()) {
            if (cp.getSystem() == ContactPoint.ContactPointSystem.PHONE
                    && cp.getValue().replaceAll("\\D", "").length() < 10) {
                return Defect.INVALID_PHONE;
            }
            if (cp.getSystem() == ContactPoint.ContactPointSystem.EMAIL && !cp.getValue().contains("@")) {
                return Defect.INVALID_EMAIL;
            }
        }
        for (Address a : patient.getAddress()) {
            boolean us = !a.hasCountry() || List.of("US", "USA", "United States").contains(a.getCountry());
            if (us && !a.getPostalCode().matches("\\d{5}(-\\d{4})?")) {
                return Defect.INVALID_ZIP;
            }
        }
        return Defect.NONE;
    }

    private String mrn(long number) {
        // Unique per generator; the seed's last three digits keep different seeds apart.
        return String.format("%03d%07d", Math.floorMod(seed, 1000L), number);
    }

    private AdministrativeGender gender() {
        int g = random.nextInt(100);
        return g < 49 ? AdministrativeGender.MALE
                : g < 98 ? AdministrativeGender.FEMALE
                : g < 99 ? AdministrativeGender.OTHER
                : AdministrativeGender.UNKNOWN;
    }

    private LocalDate birthDate() {
        return LocalDate.of(1930, 1, 1).plusDays(random.nextInt(365 * 93));
    }

    private void addNames(Patient p, boolean male, String given, String family) {
        HumanName official = p.addName().setUse(HumanName.NameUse.OFFICIAL).setFamily(family).addGiven(given);
        if (random.nextInt(3) == 0) {
            official.addGiven(random.nextBoolean() ? pick(male ? MALE : FEMALE)
                    : String.valueOf((char) ('A' + random.nextInt(26))) + ".");
        }
        int prefix = random.nextInt(20);
        official.addPrefix(prefix == 0 ? "Dr." : male ? "Mr." : random.nextInt(4) == 0 ? "Mrs." : "Ms.");
        int suffix = random.nextInt(25);
        if (male && suffix == 0) {
            official.addSuffix("Jr.");
        } else if (male && suffix == 1) {
            official.addSuffix("III");
        } else if (suffix == 2 || prefix == 0 && random.nextBoolean()) {
            official.addSuffix("MD");
        }
        String nickname = nickname(given);
        if (nickname != null && random.nextInt(3) > 0) {
            p.addName().setUse(HumanName.NameUse.USUAL).setFamily(family).addGiven(nickname);
        } else if (random.nextInt(25) == 0) {
            p.addName().setUse(HumanName.NameUse.NICKNAME).addGiven(pick(new String[] {"Sunny", "Junior", "Lulu", "Buddy"}));
        }
    }

    private static String nickname(String given) {
        for (String[] pair : NICKNAMES) {
            if (pair[0].equals(given)) {
                return pair[1];
            }
        }
        return null;
    }

    private void addPhones(Patient p, String areaCode) {
        int phones = 1 + weighted(0.5, 0.2);
        ContactPoint.ContactPointUse[] uses = {ContactPoint.ContactPointUse.MOBILE,
            ContactPoint.ContactPointUse.HOME, ContactPoint.ContactPointUse.WORK};
        int firstUse = random.nextInt(3);
        boolean ranked = random.nextBoolean();
        for (int i = 0; i < phones; i++) {
            ContactPoint.ContactPointUse use = uses[(firstUse + i) % 3];
            ContactPoint cp = areaCode == null ? britishPhone(use)
                    : phone(i == 0 ? areaCode : pick(US_PLACES)[4], use);
            if (ranked) {
                cp.setRank(i + 1);
            }
            p.addTelecom(cp);
        }
    }

    private static int countPhones(Patient p) {
        int n = 0;
        for (ContactPoint cp : p.getTelecom()) {
            if (cp.getSystem() == ContactPoint.ContactPointSystem.PHONE) {
                n++;
            }
        }
        return n;
    }

    private ContactPoint phone(String areaCode, ContactPoint.ContactPointUse use) {
        String exchange;
        String line;
        if (random.nextInt(3) > 0) {
            exchange = "555";
            line = String.format("01%02d", random.nextInt(100));
        } else {
            int e;
            do {
                e = 200 + random.nextInt(800);
            } while (e % 100 == 11 || e == 555);
            exchange = String.valueOf(e);
            line = String.format("%04d", random.nextInt(10000));
        }
        String value = switch (random.nextInt(6)) {
            case 0, 1 -> "(" + areaCode + ") " + exchange + "-" + line;
            case 2 -> "+1 " + areaCode + " " + exchange + " " + line;
            case 3 -> areaCode + "-" + exchange + "-" + line;
            case 4 -> areaCode + "." + exchange + "." + line;
            default -> "1-" + areaCode + "-" + exchange + "-" + line;
        };
        return new ContactPoint().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue(value).setUse(use);
    }

    private ContactPoint britishPhone(ContactPoint.ContactPointUse use) {
        // Landlines in Ofcom's drama range (020 7946 0xxx). Its mobile drama range (07700 900xxx)
        // is unallocated, so libphonenumber calls it invalid; 07400 123xxx passes as a mobile.
        String value = use == ContactPoint.ContactPointUse.MOBILE
                ? String.format("+44 7400 123%03d", random.nextInt(1000))
                : String.format("+44 20 7946 0%03d", random.nextInt(1000));
        return new ContactPoint().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue(value).setUse(use);
    }

    private void addEmails(Patient p, String given, String family, boolean defective) {
        int emails = weighted(0.55, 0.15);
        if (defective && emails == 0) {
            emails = 1;
        }
        String[] domains = {"example.com", "example.org", "example.net"};
        int bad = defective ? random.nextInt(emails) : -1;
        for (int i = 0; i < emails; i++) {
            String local = (i == 0 ? given + "." + family : given.charAt(0) + family + (random.nextInt(90) + 10))
                    .toLowerCase().replaceAll("[^a-z0-9.]", "");
            String value = i == bad ? pick(BAD_EMAILS) : local + "@" + domains[random.nextInt(domains.length)];
            p.addTelecom(new ContactPoint()
                    .setSystem(ContactPoint.ContactPointSystem.EMAIL)
                    .setValue(random.nextInt(10) == 0 ? value.toUpperCase() : value)
                    .setUse(i == 0 ? ContactPoint.ContactPointUse.HOME : ContactPoint.ContactPointUse.WORK));
        }
    }

    private Address usAddress(String[] place) {
        Address a = new Address().setType(random.nextInt(8) == 0 ? Address.AddressType.POSTAL : Address.AddressType.BOTH);
        a.addLine((1 + random.nextInt(9999)) + " " + pick(STREETS));
        if (random.nextInt(4) == 0) {
            a.addLine(pick(UNITS));
        }
        a.setCity(random.nextInt(15) == 0 ? place[0].toUpperCase() : place[0]);
        a.setState(switch (random.nextInt(6)) {
            case 0 -> place[2];
            case 1 -> place[2].toLowerCase();
            case 2 -> place[1].toLowerCase();
            case 3 -> place[1].charAt(0) + place[1].substring(1).toLowerCase();
            default -> place[1];
        });
        String zip = place[3] + String.format("%02d", random.nextInt(100));
        a.setPostalCode(random.nextInt(4) == 0 ? zip + "-" + String.format("%04d", random.nextInt(10000)) : zip);
        switch (random.nextInt(4)) {
            case 0 -> a.setCountry("USA");
            case 1 -> a.setCountry("US");
            default -> { } // most US EHR addresses leave country empty
        }
        return a;
    }

    private Address canadianAddress(String[] place) {
        return new Address()
                .setType(Address.AddressType.BOTH)
                .addLine((1 + random.nextInt(999)) + " " + (random.nextBoolean() ? "King St W" : "Rue Sainte-Catherine"))
                .setCity(place[0])
                .setState(random.nextBoolean() ? place[1] : place[2])
                .setPostalCode(random.nextBoolean() ? place[3] : place[3].replace(" ", ""))
                .setCountry(random.nextBoolean() ? "CA" : "Canada");
    }

    private Address britishAddress(String[] place) {
        return new Address()
                .setType(Address.AddressType.BOTH)
                .addLine("Flat " + (1 + random.nextInt(30)))
                .addLine((1 + random.nextInt(200)) + " " + (random.nextBoolean() ? "High Street" : "Baker Street"))
                .setCity(place[0])
                .setPostalCode(place[1])
                .setCountry(random.nextBoolean() ? "GB" : "United Kingdom");
    }

    /** 0, 1 or 2 with P(>=1) = atLeastOne and P(2) = two. */
    private int weighted(double atLeastOne, double two) {
        double r = random.nextDouble();
        return r < two ? 2 : r < atLeastOne ? 1 : 0;
    }

    private <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }
}
