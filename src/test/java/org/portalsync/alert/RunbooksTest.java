package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** Every alert an operator can get has its runbook, and every alert message links it. */
class RunbooksTest {

    private static final Path RUNBOOKS = Path.of("docs", "runbooks.md");

    @Test
    void everyAlertKindHasARunbookSectionUnderItsAnchor() throws Exception {
        String runbooks = Files.readString(RUNBOOKS);
        for (AlertKind kind : AlertKind.values()) {
            assertThat(runbooks).as("docs/runbooks.md must explain %s: add a section for it", kind)
                    .contains("<a id=\"" + kind.runbookAnchor() + "\"></a>\n## " + kind.name() + "\n");
            String section = runbooks.substring(runbooks.indexOf("## " + kind.name() + "\n"));
            section = section.substring(0, section.indexOf("\n## ", 1) < 0 ? section.length() : section.indexOf("\n## ", 1));
            assertThat(section).as("%s: what it means, how to confirm it, what to do", kind)
                    .contains("**Means**").contains("**Confirm**").contains("**Do**");
        }
        assertThat(runbooks).contains("<a id=\"replaying-after-an-outage\"></a>");
    }

    @Test
    void theMailAndTheChatMessageLinkTheKindsRunbookSection() throws Exception {
        PrepareAlertMessage prepare = new PrepareAlertMessage(AlertRouting.defaults(List.of()), List.of("it@practice.example"), "portal-sync@practice.example",
                "https://git.practice.example/portal-sync/docs/runbooks.md");
        AlertNotice notice = new AlertNotice(7L, AlertNotice.Notice.ALERT, AlertNotice.MAIL, AlertKind.AUTH_FAILURE, "ehr",
                "token endpoint refused client 'portal'", 3, Instant.parse("2026-03-02T08:00:00Z"), Instant.parse("2026-03-02T08:05:00Z"), null);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            Exchange mail = new DefaultExchange(camel);
            mail.getMessage().setBody(notice);
            prepare.process(mail);
            Exchange chat = new DefaultExchange(camel);
            chat.getMessage().setBody(notice.toChannel(AlertNotice.WEBHOOK));
            prepare.process(chat);

            String link = "https://git.practice.example/portal-sync/docs/runbooks.md#auth-failure";
            assertThat(mail.getMessage().getBody(String.class)).endsWith("What to do: " + link);
            assertThat(chat.getMessage().getBody(String.class)).contains("\"runbook\":\"" + link + "\"").contains("What to do: " + link);
        }
    }
}
