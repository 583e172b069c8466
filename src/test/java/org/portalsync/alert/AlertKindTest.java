package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.api.Test;
import org.portalsync.auth.AuthenticationFailedException;
import org.portalsync.portal.PortalDataRejectedException;
import org.portalsync.portal.PortalDatabaseException;
import org.portalsync.source.fhir.EhrRateLimitedException;
import org.portalsync.source.fhir.EhrRequestRejectedException;
import org.portalsync.source.fhir.EhrServerErrorException;
import org.portalsync.source.fhir.EhrUnavailableException;
import org.portalsync.source.fhir.UnsafeLinkException;

class AlertKindTest {

    @Test
    void namesWhatITMustFixFromTheCauseChain() {
        assertThat(AlertKind.of(new EhrUnavailableException("down"))).isEqualTo(AlertKind.EHR_DOWN);
        assertThat(AlertKind.of(new AuthenticationFailedException("refused"))).isEqualTo(AlertKind.AUTH_FAILURE);
        assertThat(AlertKind.of(new EhrRequestRejectedException("400", 400))).isEqualTo(AlertKind.EHR_REJECTED_REQUEST);
        assertThat(AlertKind.of(new UnsafeLinkException("other origin"))).isEqualTo(AlertKind.UNSAFE_LINK);
        assertThat(AlertKind.of(new RuntimeException("wrapped", new EhrUnavailableException("down")))).isEqualTo(AlertKind.EHR_DOWN);
        assertThat(AlertKind.of(new EhrServerErrorException("500", 500))).isEqualTo(AlertKind.EHR_SERVER_ERROR);
        assertThat(AlertKind.of(new EhrRateLimitedException("429"))).isEqualTo(AlertKind.EHR_RATE_LIMITED);
        assertThat(AlertKind.of(new PortalDataRejectedException("too long", new SQLException("too long", "22001"))))
                .isEqualTo(AlertKind.MAPPING_FAILURE);
    }

    @Test
    void onlyAuthenticationEhrDownAndDatabaseDownAreCritical() {
        assertThat(java.util.Arrays.stream(AlertKind.values()).filter(AlertKind::critical))
                .containsExactlyInAnyOrder(AlertKind.AUTH_FAILURE, AlertKind.EHR_DOWN, AlertKind.PORTAL_DB_DOWN);
        assertThat(AlertKind.EHR_DOWN.severity()).isEqualTo("CRITICAL");
        assertThat(AlertKind.MAPPING_FAILURE.severity()).isEqualTo("WARNING");
    }

    @Test
    void onlyAConnectionFailureMeansThePortalDatabaseIsDown() {
        assertThat(AlertKind.of(new PortalDatabaseException("pool", new SQLTransientConnectionException("timeout"))))
                .isEqualTo(AlertKind.PORTAL_DB_DOWN);
        assertThat(AlertKind.of(new PortalDatabaseException("gone", new SQLException("refused", "08001"))))
                .isEqualTo(AlertKind.PORTAL_DB_DOWN);
        assertThat(AlertKind.of(new PortalDatabaseException("constraint", new SQLException("duplicate", "23505"))))
                .isEqualTo(AlertKind.DELIVERY_FAILURE);
        assertThat(AlertKind.of(null)).isEqualTo(AlertKind.DELIVERY_FAILURE);
    }
}
