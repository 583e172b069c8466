package org.portalsync.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.TestDatabases;
import org.portalsync.webhook.WebhookNotification.ResourceKey;

/**
 * A resource of the webhook inbox is synced by one worker at a time: a claim held is refused to another worker until
 * it is let go or has outlived the claim timeout (its worker died), on either database. A refused claim must leave
 * the claim as it was: on PostgreSQL a failed insert ends its transaction, so the claim is tried in steps.
 */
class WebhookClaimIT {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final ResourceKey PATIENT = new ResourceKey("Patient", "claim-1");

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aClaimHeldIsRefusedUntilLetGoOrStaleAndThenTakenOver(String kind) {
        try (PortalDatabase database = PortalDatabase.open(TestDatabases.jdbcUrl(kind), TestDatabases.user(kind), "", 2)) {
            WebhookInbox inbox = new WebhookInbox(database, TIMEOUT);
            Instant now = Instant.parse("2026-11-27T10:00:00Z");

            assertThat(inbox.claim("ehr", PATIENT, "worker-a", now)).as("free").isTrue();
            assertThat(inbox.claim("ehr", PATIENT, "worker-b", now.plusSeconds(60))).as("held by a, fresh").isFalse();
            assertThat(holders(database)).containsExactly(Map.entry("worker-a", now));

            inbox.release("ehr", PATIENT, "worker-a");
            assertThat(inbox.claim("ehr", PATIENT, "worker-b", now.plusSeconds(61))).as("let go").isTrue();

            Instant later = now.plusSeconds(61).plus(TIMEOUT).plusSeconds(1);
            assertThat(inbox.claim("ehr", PATIENT, "worker-c", later.minusSeconds(2))).as("held by b, not yet stale").isFalse();
            assertThat(inbox.claim("ehr", PATIENT, "worker-c", later)).as("held by b, stale: its worker died").isTrue();
            assertThat(holders(database)).containsExactly(Map.entry("worker-c", later));
        }
    }

    private static List<Map.Entry<String, Instant>> holders(PortalDatabase database) {
        return database.inTransaction(connection -> {
            try (var select = connection.prepareStatement("SELECT claimed_by, claimed_at FROM webhook_claim"); var rows = select.executeQuery()) {
                List<Map.Entry<String, Instant>> holders = new java.util.ArrayList<>();
                while (rows.next()) {
                    holders.add(Map.entry(rows.getString(1), PortalDatabase.instant(rows.getObject(2, java.time.OffsetDateTime.class))));
                }
                return holders;
            }
        });
    }
}
