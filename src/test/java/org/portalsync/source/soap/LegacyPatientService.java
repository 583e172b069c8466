package org.portalsync.source.soap;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP endpoint (the JDK's server) serving docs/samples/legacy-patient-service.wsdl's GetPatients from test
 * data: pages by the request's Page and PageSize, answers only what changed since the request's ChangedSince, checks the WS-Security UsernameToken, and can answer with a SOAP
 * Fault or with hostile XML instead.
 */
final class LegacyPatientService implements AutoCloseable {

    enum Mode { NORMAL, FAULT, BILLION_LAUGHS, XXE }

    /** One patient record of the service. */
    record Record(String id, String lastModified, String mrn, String family, String given, String birthDate, String sex) {
    }

    /** One appointment inside a patient's record; lastModified null: the service keeps none for it. */
    record Appointment(String id, String lastModified, String start, String end, String status) {
    }

    private static final Pattern PAGE = Pattern.compile("<op:Page>(\\d+)</op:Page><op:PageSize>(\\d+)</op:PageSize>");
    private static final Pattern CHANGED_SINCE = Pattern.compile("<op:ChangedSince>([^<]+)</op:ChangedSince>");
    /** The zone of the service's local times (LastModified), as the shipped mappings declare it. */
    private static final java.time.ZoneId ZONE = java.time.ZoneId.of("America/New_York");
    private static final String NS = "http://legacy.example.org/patient-service";

    final List<Record> records = new CopyOnWriteArrayList<>();
    /** The appointments inside a patient's record, by the patient's Id. */
    final Map<String, List<Appointment>> appointments = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile Mode mode = Mode.NORMAL;
    private final HttpServer server;
    private final String username;
    private final String password;

    LegacyPatientService(String username, String password) throws IOException {
        this.username = username;
        this.password = password;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/services/patients", exchange -> {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(request);
            int status = 200;
            String answer;
            Matcher page = PAGE.matcher(request);
            if (!request.contains("<wsse:Username>" + username + "</wsse:Username>") || !request.contains(">" + password + "</wsse:Password>")) {
                status = 500;
                answer = fault("wsse:FailedAuthentication", "The security token could not be authenticated");
            } else if (mode == Mode.FAULT) {
                status = 500;
                answer = fault("soap:Server", "Patient index is being rebuilt; try again later");
            } else if (mode == Mode.BILLION_LAUGHS) {
                answer = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                        + "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
                        + "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
                        + "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><lp:GetPatientsResponse xmlns:lp=\""
                        + NS + "\"><lp:MorePages>false</lp:MorePages><lp:Patient><lp:Id>&lol3;</lp:Id></lp:Patient></lp:GetPatientsResponse>"
                        + "</soap:Body></soap:Envelope>";
            } else if (mode == Mode.XXE) {
                answer = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/hostname\">]>"
                        + "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><lp:GetPatientsResponse xmlns:lp=\""
                        + NS + "\"><lp:MorePages>false</lp:MorePages><lp:Patient><lp:Id>X-1</lp:Id><lp:LastModified>2024-03-01T12:00:00"
                        + "</lp:LastModified><lp:Mrn>X-1</lp:Mrn><lp:FamilyName>&xxe;</lp:FamilyName></lp:Patient></lp:GetPatientsResponse>"
                        + "</soap:Body></soap:Envelope>";
            } else if (!page.find()) {
                status = 500;
                answer = fault("soap:Client", "Page and PageSize are required");
            } else {
                Matcher since = CHANGED_SINCE.matcher(request);
                answer = page(Integer.parseInt(page.group(1)), Integer.parseInt(page.group(2)),
                        since.find() ? java.time.OffsetDateTime.parse(since.group(1)).toInstant() : null);
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/xml; charset=UTF-8");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/services/patients";
    }

    /** @param changedSince null: every record; else those whose record or one of whose appointments changed at or after it */
    private String page(int page, int size, java.time.Instant changedSince) {
        List<Record> all = new ArrayList<>(records);
        if (changedSince != null) {
            all.removeIf(r -> !changedSince(r.lastModified(), changedSince) && appointments.getOrDefault(r.id(), List.of()).stream()
                    .noneMatch(a -> a.lastModified() != null && changedSince(a.lastModified(), changedSince)));
        }
        int from = Math.min((page - 1) * size, all.size());
        int to = Math.min(from + size, all.size());
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/"
                + "envelope/\"><soap:Body><lp:GetPatientsResponse xmlns:lp=\"" + NS + "\"><lp:Page>" + page + "</lp:Page><lp:MorePages>"
                + (to < all.size()) + "</lp:MorePages>");
        for (Record r : all.subList(from, to)) {
            xml.append("<lp:Patient><lp:Id>").append(r.id()).append("</lp:Id><lp:LastModified>").append(r.lastModified())
                    .append("</lp:LastModified><lp:Mrn>").append(r.mrn()).append("</lp:Mrn><lp:MrnAuthority>CLINIC-S</lp:MrnAuthority>")
                    .append("<lp:FamilyName>").append(r.family()).append("</lp:FamilyName><lp:GivenName>").append(r.given())
                    .append("</lp:GivenName><lp:BirthDate>").append(r.birthDate()).append("</lp:BirthDate><lp:Sex>").append(r.sex())
                    .append("</lp:Sex><lp:Phone use=\"home\">+1 555 0").append(r.mrn().replaceAll("\\D", "")).append("</lp:Phone>");
            for (Appointment a : appointments.getOrDefault(r.id(), List.of())) {
                xml.append("<lp:Appointment><lp:Id>").append(a.id()).append("</lp:Id>")
                        .append(a.lastModified() == null ? "" : "<lp:LastModified>" + a.lastModified() + "</lp:LastModified>")
                        .append("<lp:Start>").append(a.start()).append("</lp:Start>")
                        .append(a.end() == null ? "" : "<lp:End>" + a.end() + "</lp:End>")
                        .append("<lp:Status>").append(a.status()).append("</lp:Status></lp:Appointment>");
            }
            xml.append("</lp:Patient>");
        }
        return xml.append("</lp:GetPatientsResponse></soap:Body></soap:Envelope>").toString();
    }

    private static boolean changedSince(String localTime, java.time.Instant since) {
        return !java.time.LocalDateTime.parse(localTime).atZone(ZONE).toInstant().isBefore(since);
    }

    private static String fault(String code, String text) {
        return "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><soap:Fault>"
                + "<faultcode>" + code + "</faultcode><faultstring>" + text + "</faultstring></soap:Fault></soap:Body></soap:Envelope>";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
