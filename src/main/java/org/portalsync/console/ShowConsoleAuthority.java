package org.portalsync.console;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.authority.AuthorityMatrix;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.FieldPolicy;

/** {@code GET /console/authority}: the authority matrix in force, as the engine loaded it from config/authority.yaml. */
public final class ShowConsoleAuthority implements Processor {

    private final AuthorityRules rules;

    public ShowConsoleAuthority(AuthorityRules rules) {
        this.rules = rules;
    }

    @Override
    public void process(Exchange exchange) {
        AuthorityMatrix matrix = rules.matrix();
        List<List<String>> rows = new ArrayList<>();
        for (FieldPolicy policy : matrix.policies().values()) {
            rows.add(List.of("<code>" + Html.escape(policy.field().qualifiedName()) + "</code>", Html.escape(policy.field().fhirElements()),
                    Html.escape(policy.rule().describe()) + (policy.declared() ? " <span class=\"line\">(line " + policy.line() + ")</span>" : " (default)"),
                    policy.writeBack() ? "yes" : "no", policy.field().synced() ? "yes" : "no"));
        }
        String body = "<p>From <code>" + Html.escape(matrix.file()) + "</code>; on equal times the " + Html.escape(matrix.tie().configName())
                + " side wins.</p>" + Html.table("authority", List.of("field", "FHIR R4", "rule", "written back to the EHR", "synced"), rows,
                        "No fields.");
        ConsoleHttp.page(exchange, 200, ConsolePage.render("Authority matrix", ConsoleHttp.session(exchange), body));
    }
}
