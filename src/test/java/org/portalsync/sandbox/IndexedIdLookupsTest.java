package org.portalsync.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

class IndexedIdLookupsTest {

    private static final String HAPI_LOOKUP = "select rt1_0.RES_ID,rt1_0.RES_TYPE,rt1_0.FHIR_ID from HFJ_RESOURCE rt1_0 where "
            + "(rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=? or rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=? or rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=?)";

    private final IndexedIdLookups inspector = new IndexedIdLookups();

    @Test
    void severalIdsBecomeARowValueListWithTheSameParametersInTheSameOrder() {
        String rewritten = inspector.inspect(HAPI_LOOKUP);

        assertThat(rewritten).isEqualTo("select rt1_0.RES_ID,rt1_0.RES_TYPE,rt1_0.FHIR_ID from HFJ_RESOURCE rt1_0 where "
                + "((rt1_0.RES_TYPE,rt1_0.FHIR_ID) in ((?,?),(?,?),(?,?)))");
        assertThat(rewritten.chars().filter(c -> c == '?').count()).isEqualTo(HAPI_LOOKUP.chars().filter(c -> c == '?').count());
    }

    @Test
    void oneIdAndOtherStatementsAreLeftAsHapiWroteThem() {
        String one = "select rt1_0.RES_ID from HFJ_RESOURCE rt1_0 where (rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=?)";
        String other = "select t0.RES_ID from HFJ_RESOURCE t0 where t0.RES_TYPE=? and t0.FHIR_ID=? or t0.RES_ID=?";

        assertThat(inspector.inspect(one)).isSameAs(one);
        assertThat(inspector.inspect(other)).isEqualTo(other);
    }

    /** Why it exists: H2 reads HAPI's form through the whole index, and looks the rewritten one up by its keys. */
    @Test
    void h2LooksTheRewrittenFormUpByTypeAndIdWhereHapisFormReadsTheWholeIndex() throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:h2:mem:indexed-id-lookups", "sa", "");
                Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE HFJ_RESOURCE (RES_ID BIGINT PRIMARY KEY, RES_TYPE VARCHAR(40), FHIR_ID VARCHAR(64))");
            ddl.execute("CREATE UNIQUE INDEX IDX_RES_TYPE_FHIR_ID ON HFJ_RESOURCE (RES_TYPE, FHIR_ID)");

            assertThat(plan(connection, HAPI_LOOKUP)).as("an index scan with no condition").contains("IDX_RES_TYPE_FHIR_ID */");
            assertThat(plan(connection, inspector.inspect(HAPI_LOOKUP))).contains("IDX_RES_TYPE_FHIR_ID:  IN(ROW (");
        }
    }

    private static String plan(Connection connection, String sql) throws Exception {
        try (PreparedStatement explain = connection.prepareStatement("EXPLAIN " + sql)) {
            for (int i = 1; i <= 6; i += 2) {
                explain.setString(i, "Patient");
                explain.setString(i + 1, "p" + i);
            }
            try (ResultSet plan = explain.executeQuery()) {
                plan.next();
                return plan.getString(1);
            }
        }
    }
}
