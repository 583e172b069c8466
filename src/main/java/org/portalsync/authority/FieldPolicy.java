package org.portalsync.authority;

/**
 * The rule of one field and what follows from it.
 *
 * @param writeBack true when a value the portal decides is written to the EHR (If-Match); false keeps it in the portal
 * @param line      the line of {@code config/authority.yaml} that sets it, 0 when the field is not in the file
 */
public record FieldPolicy(AuthorityField field, FieldRule rule, boolean writeBack, int line) {

    /** @return true when the file names the field; else the engine's default applies */
    public boolean declared() {
        return line > 0;
    }
}
