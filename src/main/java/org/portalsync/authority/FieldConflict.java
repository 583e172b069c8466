package org.portalsync.authority;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Both sides changed a field and the rules kept one side's value: recorded per patient for the front
 * desk, with the value that was not kept (PHI: stored only in the portal database, never in a log or alert).
 *
 * @param reason why the kept side won, e.g. {@code portal owns patient.emails}
 */
public record FieldConflict(AuthorityField field, Side kept, Instant keptSetAt, Side discarded, Instant discardedSetAt,
        JsonNode discardedValue, String ehrVersion, String reason) {
}
