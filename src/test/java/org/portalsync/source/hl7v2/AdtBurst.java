package org.portalsync.source.hl7v2;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;

/**
 * A burst of ADT messages as a legacy EHR sends them: {@code patients} patients, each with an A04 and then
 * {@code versions - 1} A08s, sent from {@code clients} concurrent HAPI v2 MLLP clients, each on its own
 * connection. A patient's messages all go over one connection, in order, each after the previous one's ACK;
 * a connection takes its patients round by round, so one patient's messages are spread over the whole burst.
 * Version {@code v} carries the given name {@link #givenName(int)}: after the burst every patient must carry
 * the last version's name, or a message was lost or applied out of order.
 *
 * <p>With appointments, every odd version is an SIU instead of an A08: an S12 books the patient's appointment, a
 * later one (S13) moves it to that version's day. Its PID carries the version's name too, so a patient's ADT and
 * SIU messages must be applied in the order sent; each patient then has one appointment, at
 * {@link #finalAppointmentStart()}. {@code versions} should be odd, so that the last message is an A08.
 */
public final class AdtBurst {

    public static final String SENDING_APPLICATION = "LEGACY";
    public static final String SENDING_FACILITY = "BURST";
    public static final String CLIENT_THREAD = "mllp-client-";
    private static final java.util.concurrent.atomic.AtomicInteger CLIENT_THREADS = new java.util.concurrent.atomic.AtomicInteger();

    /** One message's answer: its control id, the ACK code (MSA-1) with its MSA-2, and the time to the ACK. */
    public record Sent(String controlId, String ackCode, String ackedControlId, long nanos) {
    }

    private final int patients;
    private final int versions;
    private final int clients;
    private final long seed;
    private final boolean appointments;

    public AdtBurst(int patients, int versions, int clients, long seed) {
        this(patients, versions, clients, seed, false);
    }

    public AdtBurst(int patients, int versions, int clients, long seed, boolean appointments) {
        this.patients = patients;
        this.versions = versions;
        this.clients = clients;
        this.seed = seed;
        this.appointments = appointments;
    }

    /** How many of its messages are SIU. */
    public int appointmentMessages() {
        return appointments ? patients * (versions / 2) : 0;
    }

    /** The start every patient's appointment has once the burst is applied in order: the last SIU's day, 09:00 in New York. */
    public java.time.Instant finalAppointmentStart() {
        return appointmentStart(versions % 2 == 0 ? versions - 1 : versions - 2);
    }

    /** The burst's patients whose one appointment is booked at {@link #finalAppointmentStart()}: all, if applied in order. */
    public long patientsWithTheirLastAppointment(org.portalsync.sync.TestEngine engine) throws java.sql.SQLException {
        return engine.count("SELECT COUNT(*) FROM portal_appointment a JOIN portal_patient p ON p.id = a.patient_id"
                + " WHERE p.mrn LIKE ? AND a.status = 'booked' AND a.start_at = ?", "B" + seed + "-%",
                java.time.OffsetDateTime.ofInstant(finalAppointmentStart(), java.time.ZoneOffset.UTC));
    }

    private static java.time.Instant appointmentStart(int version) {
        return appointmentLocalStart(version).atZone(java.time.ZoneId.of("America/New_York")).toInstant();
    }

    /** In January, away from a clock change: the shipped SIU mapping reads local times in America/New_York. */
    private static java.time.LocalDateTime appointmentLocalStart(int version) {
        return java.time.LocalDateTime.of(2027, 1, 10 + version, 9, 0);
    }

    public int messages() {
        return patients * versions;
    }

    public int patients() {
        return patients;
    }

    public int clients() {
        return clients;
    }

    public long seed() {
        return seed;
    }

    public static String givenName(int version) {
        return "Ver" + (char) ('A' + version);
    }

    /** The given name every patient has once the whole burst is applied in order. */
    public String finalGivenName() {
        return givenName(versions - 1);
    }

    public String mrn(int patient) {
        return "B" + seed + "-" + patient;
    }

    public String controlId(int patient, int version) {
        return "C" + seed + "-" + patient + "-" + version;
    }

    public String message(int patient, int version) {
        String at = String.format("202403011%05d", version);
        if (appointments && version % 2 == 1) {
            java.time.format.DateTimeFormatter ts = java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss");
            String local = appointmentLocalStart(version).format(ts);
            String end = appointmentLocalStart(version).plusMinutes(30).format(ts);
            return "MSH|^~\\&|" + SENDING_APPLICATION + "|" + SENDING_FACILITY + "|PORTAL|PS|" + at + "||SIU^" + (version == 1 ? "S12" : "S13")
                    + "^SIU_S12|" + controlId(patient, version) + "|P|2.5.1\r"
                    + "SCH||F" + seed + "-" + patient + "^LEGACY|||||FOLLOWUP^Follow-up visit\r"
                    + "TQ1|||||||" + local + "|" + end + "\r"
                    + "PID|1||" + mrn(patient) + "^^^CLINIC-B^MR||Burst^" + givenName(version) + "||19800101|F\r"
                    + "RGS|1\rAIL|1||^Room 4^^Main Clinic\rAIP|1||D-1^Babbage^Charles^^^Dr";
        }
        String event = version == 0 ? "A04" : "A08";
        return "MSH|^~\\&|" + SENDING_APPLICATION + "|" + SENDING_FACILITY + "|PORTAL|PS|" + at + "||ADT^" + event + "^ADT_A01|"
                + controlId(patient, version) + "|P|2.5.1\r"
                + "EVN|" + event + "|" + at + "\r"
                + "PID|1||" + mrn(patient) + "^^^CLINIC-B^MR||Burst^" + givenName(version) + "||19800101|F\r"
                // a visit, as most ADT messages carry: no rule reads it, so each message is also counted in the digest
                + "PV1|1|O";
    }

    /** Sends the whole burst to the listener on {@code port}; returns every answer, in no particular order. */
    public List<Sent> send(int port) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients, AdtBurst::clientThread);
        try {
            List<Future<List<Sent>>> results = new ArrayList<>();
            for (int client = 0; client < clients; client++) {
                int first = client;
                results.add(pool.submit(() -> sendFrom(first, port)));
            }
            List<Sent> all = new ArrayList<>(messages());
            for (Future<List<Sent>> result : results) {
                all.addAll(result.get());
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The clients' threads are named {@value #CLIENT_THREAD}N, so that their CPU can be told from the engine's. */
    private static Thread clientThread(Runnable task) {
        Thread thread = new Thread(task, CLIENT_THREAD + CLIENT_THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }

    /**
     * One client: its own HAPI context, as HAPI shares one connection per host and port within a context, and its
     * own threads, as closing a context stops the threads it uses (by default one pool for the whole JVM).
     */
    private List<Sent> sendFrom(int client, int port) throws Exception {
        List<Sent> sent = new ArrayList<>();
        try (HapiContext hapi = new DefaultHapiContext(Executors.newCachedThreadPool(AdtBurst::clientThread))) {
            hapi.setModelClassFactory(new CanonicalModelClassFactory("2.5.1"));
            hapi.setValidationContext(ValidationContextFactory.noValidation());
            Connection connection = hapi.newClient("127.0.0.1", port, false);
            connection.getInitiator().setTimeout(120, TimeUnit.SECONDS);
            try {
                for (int version = 0; version < versions; version++) {
                    for (int patient = client; patient < patients; patient += clients) {
                        Message outgoing = hapi.getPipeParser().parse(message(patient, version));
                        long start = System.nanoTime();
                        Message ack = connection.getInitiator().sendAndReceive(outgoing);
                        long nanos = System.nanoTime() - start;
                        Terser terser = new Terser(ack);
                        sent.add(new Sent(controlId(patient, version), terser.get("/MSA-1"), terser.get("/MSA-2"), nanos));
                    }
                }
            } finally {
                connection.close();
            }
        }
        return sent;
    }
}
