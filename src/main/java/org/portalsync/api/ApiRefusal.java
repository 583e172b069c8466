package org.portalsync.api;

/**
 * A request the API refuses with a 4xx: the client can fix it. Its {@link #code()} and message go
 * to the client as {@code {"error": code, "message": message}}, so the message names what is wrong
 * (a JSON path, a header, a scope) and never a value the client sent or a secret.
 */
public class ApiRefusal extends RuntimeException {

    private final int status;
    private final String code;

    public ApiRefusal(int status, String code, String message) {
        super(message, null, false, false);
        if (status < 400 || status > 499) {
            throw new IllegalArgumentException("a refusal is a 4xx status, not " + status);
        }
        this.status = status;
        this.code = code;
    }

    /** The same answer for a missing, malformed, unknown, wrong or revoked key: none tells a caller more than another. */
    public static ApiRefusal unauthorized() {
        return new ApiRefusal(401, "unauthorized", "A valid API key is required in the " + ApiHeaders.API_KEY + " header.");
    }

    public static ApiRefusal forbidden(ApiScope scope) {
        return new ApiRefusal(403, "forbidden", "This API key does not have the scope " + scope.scopeName() + ".");
    }

    public static ApiRefusal unsupportedMediaType() {
        return new ApiRefusal(415, "unsupported_media_type", "The request body must be JSON: Content-Type: application/json.");
    }

    public static ApiRefusal payloadTooLarge(int maxBodyBytes) {
        return new ApiRefusal(413, "payload_too_large", "The request body is larger than " + maxBodyBytes + " bytes.");
    }

    public static ApiRefusal badRequest(String message) {
        return new ApiRefusal(400, "bad_request", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
