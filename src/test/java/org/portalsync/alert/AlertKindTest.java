package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.api.Test;
import org.portalsync.auth.AuthenticationFailedException;
import org.portalsync.portal.PortalDatabaseException;
import org.portalsync.source.fhir.EhrRequestRejectedException;
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
