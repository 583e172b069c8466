package org.portalsync.authority;

/** A portal change to a field the rules give the EHR: refused, with a message saying which system owns it. */
public final class FieldOwnedException extends RuntimeException {

    public FieldOwnedException(String message) {
        super(message);
    }
}
