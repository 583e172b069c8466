package org.portalsync.console;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;

/**
 * {@code GET /console/patients} shows the search form; {@code POST /console/patients/search} searches the portal's
 * patients by MRN (exact) or by name (every word found in a legal or preferred name, or the name's full text).
 * The search is a form post, so the term is never in an address, a browser history or an access log; the audit
 * row says how many were found and how, not what was searched for. Results link to each patient's page by its
 * opaque portal id.
 */
public final class SearchConsolePatients implements Processor {

    private static final int LIMIT = 50;
    private static final String NAME_COLUMNS = "legal_given, legal_family, preferred_given, preferred_family, display_name";

    private final PortalDatabase database;
    private final ConsoleAudit audit;
    private final ZoneId zone;

    public SearchConsolePatients(PortalDatabase database, ConsoleAudit audit, ZoneId zone) {
        this.database = database;
        this.audit = audit;
        this.zone = zone;
    }

    private record Found(long id, String name, String mrn, String birthDate, String source, Boolean pending, OffsetDateTime lastSuccess) {
    }

    @Override
    public void process(Exchange exchange) {
        ConsoleSession session = ConsoleHttp.session(exchange);
        if (!"POST".equals(exchange.getIn().getHeader(Exchange.HTTP_METHOD, String.class))) {
            ConsoleHttp.page(exchange, 200, ConsolePage.render("Patients", session, form(session, "mrn")));
            return;
        }
        String by = ConsoleHttp.field(exchange, "by");
        String term = ConsoleHttp.field(exchange, "q");
        if (!by.equals("mrn") && !by.equals("name") || term.isEmpty() || term.length() > 200) {
            throw ConsoleRefusal.badRequest("Search by MRN or by name, with a term of up to 200 characters.");
        }
        List<Found> found = by.equals("mrn") ? search("p.mrn = ?", List.of(term)) : searchByName(term);
        audit.record(exchange, "Console search patients", "portal_patient by " + by, found.size() + " found");
        List<List<String>> rows = new ArrayList<>();
        for (Found patient : found) {
            rows.add(List.of("<a href=\"" + PatientLinks.page(patient.id()) + "\">" + Html.escape(patient.name()) + "</a>", Html.escape(patient.mrn()),
                    Html.escape(patient.birthDate()), Html.escape(patient.source()), ShowConsolePatient.statusBadge(patient.pending()),
                    Html.time(patient.lastSuccess() == null ? null : patient.lastSuccess().toInstant(), zone)));
        }
        String body = form(session, by) + "<h2>" + found.size() + (found.size() == LIMIT ? "+" : "") + " found</h2>"
                + Html.table("patients", List.of("name", "MRN", "born", "source", "sync", "last successful sync"), rows, "No patient matches.");
        ConsoleHttp.page(exchange, 200, ConsolePage.render("Patients", session, body));
    }

    private List<Found> searchByName(String term) {
        List<String> words = List.of(term.toLowerCase(Locale.ROOT).split("\\s+"));
        List<String> conditions = new ArrayList<>();
        List<String> parameters = new ArrayList<>();
        for (String word : words.subList(0, Math.min(words.size(), 5))) {
            List<String> columns = new ArrayList<>();
            for (String column : NAME_COLUMNS.split(", ")) {
                columns.add("LOWER(p." + column + ") LIKE ? ESCAPE '\\'");
                parameters.add("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
            }
            conditions.add("(" + String.join(" OR ", columns) + ")");
        }
        return search(String.join(" AND ", conditions), parameters);
    }

    private List<Found> search(String condition, List<String> parameters) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT p.id, p.display_name, p.legal_given, p.legal_family, p.mrn,"
                    + " p.birth_date, p.source, s.pending_changes, s.last_success_at FROM portal_patient p LEFT JOIN patient_sync_status s"
                    + " ON s.source = p.source AND s.source_id = p.source_id WHERE " + condition + " ORDER BY p.legal_family, p.legal_given, p.id")) {
                for (int i = 0; i < parameters.size(); i++) {
                    select.setString(i + 1, parameters.get(i));
                }
                select.setMaxRows(LIMIT);
                List<Found> found = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        found.add(new Found(rows.getLong(1), name(rows.getString(2), rows.getString(3), rows.getString(4)), rows.getString(5),
                                rows.getString(6), rows.getString(7), (Boolean) rows.getObject(8), rows.getObject(9, OffsetDateTime.class)));
                    }
                }
                return found;
            }
        });
    }

    /** The legal name as the portal shows it: its full text when the EHR gave one, else given and family. */
    static String name(String displayName, String given, String family) {
        if (displayName != null && !displayName.isBlank()) {
            return displayName;
        }
        String name = ((given == null ? "" : given) + " " + (family == null ? "" : family)).strip();
        return name.isEmpty() ? "(no name)" : name;
    }

    private static String form(ConsoleSession session, String by) {
        return "<form class=\"search\" method=\"post\" action=\"/console/patients/search\">" + Html.csrfField(session)
                + "<label>Search by <select name=\"by\"><option value=\"mrn\"" + (by.equals("mrn") ? " selected" : "") + ">MRN</option>"
                + "<option value=\"name\"" + (by.equals("name") ? " selected" : "") + ">name</option></select></label>"
                + "<label><input name=\"q\" required maxlength=\"200\" autocomplete=\"off\" aria-label=\"MRN or name\"></label>"
                + "<button type=\"submit\">Search</button></form>";
    }
}
