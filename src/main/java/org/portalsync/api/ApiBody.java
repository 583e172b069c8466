package org.portalsync.api;

import java.util.Locale;

import org.apache.camel.Exchange;

/**
 * Reads a request's JSON body into the type the route names, strictly ({@link StrictJson}):
 *
 * <pre>
 * - bean:
 *     ref: apiBody
 *     method: "json('org.portalsync.outbound.PatientChangeRequest')"
 * </pre>
 *
 * A body that is not {@code application/json} is refused with 415, one that is not the type's JSON
 * with 400 naming the JSON path; the parsed value becomes the message body. Its size was checked
 * before it was read (413).
 */
public final class ApiBody {

    private final int maxBodyBytes;

    public ApiBody(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * @param type the fully qualified class the body maps to
     * @throws ApiRefusal 415 for another content type
     * @throws InvalidJsonException 400, naming the path of the first problem
     */
    public void json(String type, Exchange exchange) throws ClassNotFoundException {
        Class<?> target = exchange.getContext().getClassResolver().resolveMandatoryClass(type);
        if (!isJson(exchange.getIn().getHeader(Exchange.CONTENT_TYPE, String.class))) {
            throw ApiRefusal.unsupportedMediaType();
        }
        byte[] body = exchange.getIn().getBody(byte[].class);
        // the server stopped reading at the limit; this guards any other way a body could arrive
        if (body != null && body.length > maxBodyBytes) {
            throw ApiRefusal.payloadTooLarge(maxBodyBytes);
        }
        exchange.getMessage().setBody(StrictJson.read(body, target));
    }

    /** {@code application/json}, with no parameter other than {@code charset=utf-8} (RFC 8259 JSON is UTF-8). */
    static boolean isJson(String contentType) {
        return isJson(contentType, java.util.Set.of(ApiResponses.JSON));
    }

    /** One of the media types (lower case), with no parameter other than {@code charset=utf-8}. */
    public static boolean isJson(String contentType, java.util.Set<String> mediaTypes) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
        if (!mediaTypes.contains(parts[0].strip())) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip().replace("\"", "");
            if (!parameter.isEmpty() && !parameter.equals("charset=utf-8")) {
                return false;
            }
        }
        return true;
    }
}
