package org.portalsync.authority;

/** A portal change to a field the rules give the EHR: refused, with a message saying which system owns it. */
public final class FieldOwnedException extends RuntimeException {

    private final AuthorityField field;

    public FieldOwnedException(AuthorityField field, String message) {
        super(message);
        this.field = field;
    }

    public AuthorityField field() {
        return field;
    }
}
