package org.portalsync.api;

/**
 * A request body that is not the JSON its endpoint takes. The message names where (a JSON path such
 * as {@code $.phones[1].use}) and what was expected, never the value found: the value may be a
 * patient's data or a secret.
 */
public final class InvalidJsonException extends RuntimeException {

    private final String path;

    public InvalidJsonException(String path, String problem) {
        super(path.isEmpty() ? problem : path + ": " + problem, null, false, false);
        this.path = path;
    }

    /** Where in the document, e.g. {@code $.phones[1].use}; empty when the document as a whole is wrong. */
    public String path() {
        return path;
    }
}
