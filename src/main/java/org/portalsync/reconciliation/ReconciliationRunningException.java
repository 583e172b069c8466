package org.portalsync.reconciliation;

import org.portalsync.api.ApiRefusal;

/** A run was asked for while the previous one still runs: runs never overlap. The API answers it with 409. */
public final class ReconciliationRunningException extends ApiRefusal {

    public ReconciliationRunningException() {
        super(409, "reconciliation_running", "A reconciliation run is in progress; ask again when it has finished.");
    }
}
