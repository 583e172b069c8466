package org.portalsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;

/**
 * The console's protections over plain HTTP, against the real engine: sign-in required, the session cookie's
 * attributes and a new id at each sign-in, no caching, CSRF token and origin checks on forms, roles, sign-in
 * throttling, and an audit row for every request. Sessions and the throttle on H2 and PostgreSQL.
 */
class ConsoleSecurityIT {

    private static TestEngine start(Map<String, String> extra) throws Exception {
        return start("h2", extra);
    }

    private static TestEngine start(String database, Map<String, String> extra) throws Exception {
        Map<String, String> settings = ConsoleTestUsers.enable(TestEngine.settingsWithoutEhr(database));
        settings.putAll(extra);
        return TestEngine.start(settings);
    }

    @Test
    void everyPageNeedsASignInAndASignInGivesAStrictHttpOnlyCookieWithANewSessionId() throws Exception {
        try (TestEngine engine = start(Map.of())) {
            ConsoleClient console = new ConsoleClient(engine.apiBaseUrl());
            for (String page : new String[] {"/console", "/console/patients", "/console/dead-letters", "/console/authority", "/console/mappings",
                    "/console/alerts", "/console/reconciliation", "/console/patients/1"}) {
                HttpResponse<String> refused = console.get(page);
                assertThat(refused.statusCode()).as(page).isEqualTo(303);
                assertThat(refused.headers().firstValue("Location")).as(page).contains("/console/login?reason=required");
            }

            HttpResponse<String> first = console.signIn(ConsoleTestUsers.OPERATOR, ConsoleTestUsers.OPERATOR_PASSWORD);
            String firstCookie = console.cookie;
            HttpResponse<String> second = console.signIn(ConsoleTestUsers.OPERATOR, ConsoleTestUsers.OPERATOR_PASSWORD);

            assertThat(first.statusCode()).isEqualTo(303);
            assertThat(first.headers().firstValue("Location")).contains("/console");
            assertThat(first.headers().firstValue("Set-Cookie")).hasValueSatisfying(cookie -> assertThat(cookie)
                    .startsWith(ConsoleHttp.COOKIE + "=").containsIgnoringCase("HttpOnly").contains("SameSite=Strict").contains("Path=/console")
                    .doesNotContain("Max-Age").as("Secure only over TLS (ApiServerStartupIT)").doesNotContainIgnoringCase("Secure"));
            assertThat(first.headers().firstValue("Strict-Transport-Security")).as("HSTS only over TLS").isEmpty();
            assertThat(console.cookie).as("a new session id at each sign-in").isNotEqualTo(firstCookie);
            assertThat(engine.count("SELECT COUNT(*) FROM console_session")).as("the earlier session ended at the new sign-in").isEqualTo(1);
            assertThat(engine.rows("SELECT id_hash FROM console_session").get(0).get("id_hash"))
                    .as("only the id's hash is stored").isNotEqualTo(console.cookie.substring(console.cookie.indexOf('=') + 1));
            HttpResponse<String> overview = console.get("/console");
            assertThat(overview.statusCode()).isEqualTo(200);
            assertThat(overview.headers().firstValue("Cache-Control")).contains("no-store");
            assertThat(overview.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                    .contains("default-src 'none'").contains("frame-ancestors 'none'"));
            assertThat(second.statusCode()).isEqualTo(303);
            for (String[] page : new String[][] {{"/console/patients", "<h1>Patients</h1>"}, {"/console/dead-letters", "No dead letters."},
                    {"/console/authority", "<code>patient.legal-name</code>"}, {"/console/mappings", "HL7 v2 listener (MLLP)"},
                    {"/console/alerts", "No alerts."}, {"/console/reconciliation", "No reconciliation has run yet."}}) {
                HttpResponse<String> shown = console.get(page[0]);
                assertThat(shown.statusCode()).as(page[0]).isEqualTo(200);
                assertThat(shown.body()).as(page[0]).contains(page[1]);
            }
            assertThat(console.get("/console/patients/999999").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aFormWithoutItsCsrfTokenOrFromAnotherOriginIsRefusedAndAViewersActionIs403AndAudited() throws Exception {
        try (TestEngine engine = start(Map.of())) {
            ConsoleClient operator = new ConsoleClient(engine.apiBaseUrl());
            operator.signIn(ConsoleTestUsers.OPERATOR, ConsoleTestUsers.OPERATOR_PASSWORD);
            String token = operator.csrf();
            ConsoleClient viewer = new ConsoleClient(engine.apiBaseUrl());
            viewer.signIn(ConsoleTestUsers.VIEWER, ConsoleTestUsers.VIEWER_PASSWORD);

            HttpResponse<String> noToken = operator.post("/console/dead-letters/discard", operator.base(), "id", "1", "reason", "test");
            HttpResponse<String> otherOrigin = operator.post("/console/dead-letters/discard", "http://evil.example", "csrf", token, "id", "1",
                    "reason", "test");
            HttpResponse<String> noOrigin = operator.post("/console/dead-letters/discard", null, "csrf", token, "id", "1", "reason", "test");
            HttpResponse<String> noReason = operator.post("/console/dead-letters/discard", operator.base(), "csrf", token, "id", "1", "reason", " ");
            HttpResponse<String> byViewer = viewer.post("/console/dead-letters/replay", viewer.base(), "csrf", viewer.csrf(), "one", "1");
            HttpResponse<String> accepted = operator.post("/console/dead-letters/discard", operator.base(), "csrf", token, "id", "1", "reason",
                    "test");

            assertThat(noToken.statusCode()).isEqualTo(403);
            assertThat(noToken.body()).contains("CSRF");
            assertThat(otherOrigin.statusCode()).isEqualTo(403);
            assertThat(noOrigin.statusCode()).isEqualTo(403);
            assertThat(noReason.statusCode()).isEqualTo(400);
            assertThat(byViewer.statusCode()).isEqualTo(403);
            assertThat(byViewer.body()).contains("Only an operator");
            assertThat(accepted.statusCode()).isEqualTo(303);
            assertThat(accepted.headers().firstValue("Location")).contains("/console/dead-letters?discarded=0");
            assertThat(engine.rows("SELECT actor, result FROM audit_event WHERE action = 'CONSOLE POST /console/dead-letters/replay'"))
                    .singleElement().satisfies(row -> assertThat(row).containsEntry("actor", ConsoleTestUsers.VIEWER).containsEntry("result", "403"));
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action LIKE 'CONSOLE %'")).as("every request audited")
                    .isGreaterThanOrEqualTo(8);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aNameIsLockedOutAfterRepeatedFailedSignInsEvenWithTheRightPassword(String database) throws Exception {
        try (TestEngine engine = start(database, Map.of(PortalSyncSettings.CONSOLE_LOGIN_MAX_FAILURES, "3"))) {
            ConsoleClient console = new ConsoleClient(engine.apiBaseUrl());
            for (int i = 0; i < 3; i++) {
                assertThat(console.signIn(ConsoleTestUsers.OPERATOR, "wrong-password-" + i).statusCode()).isEqualTo(401);
            }
            HttpResponse<String> locked = console.signIn(ConsoleTestUsers.OPERATOR, ConsoleTestUsers.OPERATOR_PASSWORD);
            HttpResponse<String> otherUser = console.signIn(ConsoleTestUsers.VIEWER, ConsoleTestUsers.VIEWER_PASSWORD);

            assertThat(locked.statusCode()).isEqualTo(429);
            assertThat(locked.headers().firstValue("Set-Cookie")).isEmpty();
            assertThat(otherUser.statusCode()).isEqualTo(303);
            assertThat(engine.rows("SELECT result FROM audit_event WHERE action = 'Console sign-in' AND actor = ? ORDER BY id",
                    ConsoleTestUsers.OPERATOR).stream().map(row -> row.get("result")).toList())
                    .containsExactly("failed", "failed", "failed", "locked out");
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE resource LIKE '%password%' OR result LIKE '%password%'")).isZero();
        }
    }
}
