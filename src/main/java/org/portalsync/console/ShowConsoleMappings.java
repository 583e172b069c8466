package org.portalsync.console;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.AlertKind;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.source.hl7v2.Hl7v2Mappings;
import org.portalsync.source.hl7v2.MappingFile;

/**
 * {@code GET /console/mappings}: the HL7 v2 mapping files that serve now (file, name, source, zone, the messages
 * each takes), whether the MLLP listener is on, and the latest rejected versions (their alerts name the file,
 * line and rule; the previous version keeps serving).
 */
public final class ShowConsoleMappings implements Processor {

    private final Hl7v2Mappings mappings;
    private final boolean listening;
    private final PortalDatabase database;
    private final ZoneId zone;

    public ShowConsoleMappings(Hl7v2Mappings mappings, boolean listening, PortalDatabase database, ZoneId zone) {
        this.mappings = mappings;
        this.listening = listening;
        this.database = database;
        this.zone = zone;
    }

    @Override
    public void process(Exchange exchange) {
        List<List<String>> serving = new ArrayList<>();
        for (MappingFile mapping : mappings.serving()) {
            serving.add(List.of("<code>" + Html.escape(mapping.file()) + "</code>", Html.escape(mapping.name()), Html.escape(mapping.source()),
                    Html.escape(mapping.zone()), Html.escape(mapping.accepts().stream().map(accepts -> accepts.type() + "^"
                            + String.join(",", accepts.events())).collect(Collectors.joining("; "))), Html.escape(mapping.resourceType()),
                    Html.badge("ok", "serving")));
        }
        List<List<String>> rejected = database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT raised_at, message FROM alert WHERE kind IN ("
                    + AlertKind.sqlList(List.of(AlertKind.HL7V2_MAPPING_REJECTED, AlertKind.SOAP_MAPPING_REJECTED)) + ") ORDER BY id DESC")) {
                select.setMaxRows(20);
                List<List<String>> rows = new ArrayList<>();
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        rows.add(List.of(Html.time(row.getObject(1, java.time.OffsetDateTime.class).toInstant(), zone), Html.badge("bad", "rejected"),
                                Html.escape(row.getString(2))));
                    }
                }
                return rows;
            }
        });
        String body = "<p>HL7 v2 listener (MLLP): " + (listening ? Html.badge("ok", "on") : Html.badge("muted", "off"))
                + ". Mapping files are read from the mappings folder; a changed file serves once it is valid.</p>"
                + Html.table("mappings", List.of("file", "name", "source", "zone", "messages", "FHIR resource", "status"), serving,
                        "No mapping file serves" + (listening ? "." : " (the listener is off, so none are read)."))
                + "<h2>Rejected versions</h2>" + Html.table("rejected", List.of("when", "status", "problem"), rejected, "None.");
        ConsoleHttp.page(exchange, 200, ConsolePage.render("Loaded mappings", ConsoleHttp.session(exchange), body));
    }
}
