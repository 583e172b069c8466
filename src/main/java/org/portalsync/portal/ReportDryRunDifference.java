package org.portalsync.portal;

import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.PatientProvenance;
import org.portalsync.mapping.MappedPatient;
import org.portalsync.portal.PortalPatientStore.StoredPatient;
import org.portalsync.sync.DryRunReport;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;

/**
 * The read-only twin of {@link DeliverPortalPatient}: merges the same way, then compares with the
 * portal's record and writes what would change into the run's report instead of the database.
 */
public final class ReportDryRunDifference implements Processor {

    private final PortalDatabase database;
    private final PortalPatientStore patients;
    private final AuthorityRules authority;

    public ReportDryRunDifference(PortalDatabase database, PortalPatientStore patients, AuthorityRules authority) {
        this.database = database;
        this.patients = patients;
        this.authority = authority;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        MappedPatient mapped = exchange.getMessage().getMandatoryBody(MappedPatient.class);
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        String record = exchange.getMessage().getHeader(SyncHeaders.RECORD, String.class);
        DryRunReport report = exchange.getProperty(SyncHeaders.DRY_RUN_REPORT, DryRunReport.class);
        exchange.getMessage().setHeader(SyncHeaders.OUTCOME, compare(report, source, record, mapped));
    }

    private SyncOutcome compare(DryRunReport report, String source, String record, MappedPatient mapped) {
        if (mapped.rejected()) {
            report.rejected(record, DeliverPortalPatient.describe(mapped));
            return SyncOutcome.REJECTED;
        }
        String sourceId = record.substring(record.indexOf('/') + 1);
        Optional<StoredPatient> stored = database.inTransaction(connection -> patients.find(connection, source, sourceId));
        Optional<PortalPatient> current = stored.map(StoredPatient::patient);
        PortalPatient incoming = mapped.patient();
        if (incoming.deletedAtSource()) {
            if (current.isEmpty() || current.get().archived()) {
                report.unchanged();
                return SyncOutcome.UNCHANGED;
            }
            report.archived(record);
            return SyncOutcome.ARCHIVED;
        }
        PortalPatient merged = authority.inbound(current, stored.map(StoredPatient::provenance).orElse(PatientProvenance.empty()), incoming)
                .patient();
        if (current.isEmpty()) {
            report.newRecord(record);
            return SyncOutcome.CREATED;
        }
        List<String> changes = PortalPatientDiff.changes(current.get(), merged);
        if (changes.isEmpty()) {
            report.unchanged();
            return SyncOutcome.UNCHANGED;
        }
        if (merged.archived() && !current.get().archived()) {
            report.archived(record);
            return SyncOutcome.ARCHIVED;
        }
        report.changed(record, changes);
        return SyncOutcome.UPDATED;
    }
}
