package org.portalsync.source.document;

/** A document file the engine cannot take, and why (a field and a problem, never a value of the file). */
public class DocumentRefusedException extends RuntimeException {

    public DocumentRefusedException(String message) {
        super(message, null, false, false);
    }
}
