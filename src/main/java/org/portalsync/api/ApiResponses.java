package org.portalsync.api;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.apache.camel.Exchange;

/** How the API answers: JSON bodies, and errors as {@code {"error": "<code>", "message": "<text>"}}. */
public final class ApiResponses {

    public static final String JSON = "application/json";
    /** What a 500 says: the details are in the engine's log, never in the answer. */
    public static final String INTERNAL_ERROR = "The request could not be completed; the engine's log says why.";
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private ApiResponses() {
    }

    /** Sets the response: status, {@code Content-Type: application/json} and the value as JSON. */
    public static void json(Exchange exchange, int status, Object value) {
        exchange.getMessage().setBody(bytes(value));
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, JSON);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
    }

    public static void error(Exchange exchange, int status, String code, String message) {
        json(exchange, status, errorBody(code, message));
    }

    public static Map<String, String> errorBody(String code, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        return body;
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the response as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
