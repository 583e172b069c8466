package org.portalsync.sync;

/**
 * A resource that cannot be parsed or is not what the feed promised. Not retried: it becomes a
 * data-quality row naming the record and field, and the rest of the page goes on.
 */
public class MalformedResourceException extends RuntimeException {

    private final String record;
    private final String field;
    private final String problem;

    public MalformedResourceException(String record, String field, String problem) {
        super(record + " " + field + ": " + problem);
        this.record = record;
        this.field = field;
        this.problem = problem;
    }

    public String record() {
        return record;
    }

    public String field() {
        return field;
    }

    /** The problem alone, without record and field. */
    public String problem() {
        return problem;
    }
}
