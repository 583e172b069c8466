package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PortalDatabaseUrlTest {

    @Test
    void postgresqlBatchesOfInsertsAreRewrittenIntoMultiRowInsertsUnlessTheUrlSaysOtherwise() {
        assertThat(PortalDatabase.withBatchedInserts("jdbc:postgresql://db:5432/portal"))
                .isEqualTo("jdbc:postgresql://db:5432/portal?reWriteBatchedInserts=true");
        assertThat(PortalDatabase.withBatchedInserts("jdbc:postgresql://db:5432/portal?sslmode=verify-full"))
                .isEqualTo("jdbc:postgresql://db:5432/portal?sslmode=verify-full&reWriteBatchedInserts=true");
        assertThat(PortalDatabase.withBatchedInserts("jdbc:postgresql://db/portal?reWriteBatchedInserts=false"))
                .isEqualTo("jdbc:postgresql://db/portal?reWriteBatchedInserts=false");
        assertThat(PortalDatabase.withBatchedInserts("jdbc:h2:mem:portal")).isEqualTo("jdbc:h2:mem:portal");
    }
}
