package org.portalsync.api;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.Temporal;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * Reads a request body into a Java type, strictly: what a client sends is taken as written or
 * refused, never guessed at. Refused are an unknown property (a misspelt field would otherwise be
 * dropped without a word), a key given twice (which one counts differs between parsers), anything
 * after the value, a scalar of the wrong JSON type ({@code "5"} for a number, {@code 5} for a string,
 * {@code 1.5} for a whole number, {@code "true"} for a boolean), {@code null} for a primitive, and
 * malformed JSON. The error names the JSON path ({@code $.phones[1].use}) and what was expected,
 * never the value.
 */
public final class StrictJson {

    /** Far deeper than any request of ours; Jackson's own limit is 1000. */
    private static final int MAX_NESTING = 64;
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:field|Object property) '([^']{1,200})'");
    private static final ObjectMapper MAPPER = mapper();

    private StrictJson() {
    }

    /**
     * @throws InvalidJsonException naming the path of the first problem
     */
    public static <T> T read(byte[] json, Class<T> type) {
        if (json == null || json.length == 0) {
            throw new InvalidJsonException("", "the body is empty; a JSON value is expected");
        }
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw describe(e);
        }
    }

    private static ObjectMapper mapper() {
        JsonMapper mapper = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_INVALID_SUBTYPE)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .disable(DeserializationFeature.ACCEPT_EMPTY_STRING_AS_NULL_OBJECT)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .addModule(new JavaTimeModule())
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build());
        // no scalar becomes another kind of scalar, in either direction
        for (LogicalType type : LogicalType.values()) {
            for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean,
                    CoercionInputShape.String, CoercionInputShape.EmptyString)) {
                if (!natural(type, shape)) {
                    mapper.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
                }
            }
        }
        return mapper;
    }

    /** The input shapes a type takes as written: a string for text, dates and enums, a number for numbers. */
    private static boolean natural(LogicalType type, CoercionInputShape shape) {
        return switch (type) {
            case Textual, DateTime, Enum, Binary, OtherScalar -> shape == CoercionInputShape.String;
            case Integer -> shape == CoercionInputShape.Integer;
            case Float -> shape == CoercionInputShape.Integer || shape == CoercionInputShape.Float;
            case Boolean -> shape == CoercionInputShape.Boolean;
            default -> false;
        };
    }

    private static InvalidJsonException describe(IOException failure) {
        if (failure instanceof UnrecognizedPropertyException e) {
            return new InvalidJsonException(path(e), "unknown property");
        }
        if (failure instanceof InvalidNullException e) {
            return new InvalidJsonException(path(e), "must not be null");
        }
        if (failure instanceof InvalidFormatException e) {
            // a string that does not parse as the type (a date, an enum constant), or a scalar of another JSON type
            return new InvalidJsonException(path(e), e.getValue() instanceof String
                    ? "not a valid " + expected(e.getTargetType()).replaceFirst("^(a|an|one of) ", "")
                    : "expected " + expected(e.getTargetType()));
        }
        if (failure instanceof ValueInstantiationException e) {
            // our own types say in their messages what is wrong, without the value
            Throwable cause = e.getCause();
            boolean own = cause != null && cause.getClass().getName().startsWith("org.portalsync.") && cause.getMessage() != null;
            return new InvalidJsonException(path(e), own ? cause.getMessage() : "not a valid " + e.getType().getRawClass().getSimpleName());
        }
        if (failure instanceof MismatchedInputException e) {
            Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
            if (duplicate.find()) {
                return new InvalidJsonException(join(path(e), duplicate.group(1)), "duplicate property");
            }
            if (String.valueOf(e.getOriginalMessage()).startsWith("Cannot map `null`")) {
                // a primitive (int, boolean) given as null or not given at all
                return new InvalidJsonException(path(e), "missing or null");
            }
            if (String.valueOf(e.getOriginalMessage()).startsWith("Trailing token")) {
                return new InvalidJsonException("", "unexpected content after the JSON value" + at(e.getLocation()));
            }
            if (e.getTargetType() == null) {
                return new InvalidJsonException(path(e), "not the expected JSON type");
            }
            return new InvalidJsonException(path(e), "expected " + expected(e.getTargetType()));
        }
        if (failure instanceof JsonMappingException e) {
            // a parse error met while mapping a nested value comes wrapped
            return e.getCause() instanceof JsonProcessingException parse && !(parse instanceof JsonMappingException)
                    ? describe(parse) : new InvalidJsonException(path(e), "not valid here");
        }
        if (failure instanceof JsonProcessingException e) {
            String where = e.getProcessor() instanceof JsonParser parser ? path(parser.getParsingContext()) : "";
            Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
            if (duplicate.find()) {
                // the parser stands at the first occurrence of the name
                String name = duplicate.group(1);
                return new InvalidJsonException(where.endsWith("." + name) ? where : join(where, name), "duplicate property");
            }
            if (e instanceof JsonEOFException) {
                return new InvalidJsonException(where, "the JSON ends too early" + at(e.getLocation()));
            }
            return new InvalidJsonException(where, "malformed JSON" + at(e.getLocation()));
        }
        return new InvalidJsonException("", "unreadable body");
    }

    /** {@code $.phones[1].use} from the mapper's reference chain. */
    private static String path(JsonMappingException failure) {
        StringBuilder path = new StringBuilder("$");
        for (JsonMappingException.Reference reference : failure.getPath()) {
            if (reference.getFieldName() != null) {
                path.append('.').append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The same from the parser's position, for errors found while reading the text; empty at the top level. */
    private static String path(JsonStreamContext context) {
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
            if (at.inArray()) {
                path.insert(0, "[" + Math.max(at.getCurrentIndex(), 0) + "]");
            } else if (at.inObject() && at.getCurrentName() != null) {
                path.insert(0, "." + at.getCurrentName());
            }
        }
        return path.isEmpty() ? "" : "$" + path;
    }

    private static String join(String path, String property) {
        return (path.isEmpty() ? "$" : path) + "." + property;
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String expected(Class<?> type) {
        if (type.isEnum()) {
            return "one of " + Arrays.toString(type.getEnumConstants());
        }
        if (CharSequence.class.isAssignableFrom(type) || type == char.class || type == Character.class) {
            return "a string";
        }
        if (type == int.class || type == long.class || type == short.class || type == byte.class || type == Integer.class
                || type == Long.class || type == Short.class || type == Byte.class || type == BigInteger.class) {
            return "a whole number";
        }
        if (type == double.class || type == float.class || type == Double.class || type == Float.class || type == BigDecimal.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (Temporal.class.isAssignableFrom(type) || java.time.ZoneId.class.isAssignableFrom(type)) {
            return "an ISO-8601 " + type.getSimpleName() + " string";
        }
        if (Map.class.isAssignableFrom(type) || !type.isPrimitive()) {
            return "an object";
        }
        return "a " + type.getSimpleName();
    }
}
