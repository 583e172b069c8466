package org.portalsync.insurance;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.LenientErrorHandler;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coverage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The hand-written Coverages under {@code src/test/resources/coverage/}, parsed as the engine's FHIR client would. */
final class CoverageFiles {

    /** The EHR base URL the test Coverages' absolute references are under. */
    static final String BASE_URL = "http://ehr.example.org/fhir";

    /** The Coverages that map (with or without problems); the others throw. */
    static final List<String> MAPPABLE = List.of("coverage-full.json", "coverage-payor-organization.json",
            "coverage-member-identifier.json", "coverage-datetime-period.json", "coverage-unknown-relationship.json",
            "coverage-invalid-date.json");

    /**
     * The mappable Coverages that are valid FHIR: what a write-back can hold, since reading the full resource from
     * the EHR refuses an invalid date (and HAPI cannot even copy one).
     */
    static final List<String> VALID = MAPPABLE.stream().filter(name -> !name.equals("coverage-invalid-date.json")).toList();

    private CoverageFiles() {
    }

    /** Lenient about values, so the mapper sees an invalid date as it would if one got past the parse step. */
    static IParser parser() {
        return FhirContext.forR4Cached().newJsonParser()
                .setParserErrorHandler(new LenientErrorHandler(false).setErrorOnInvalidValue(false));
    }

    static String json(String name) {
        try (InputStream in = CoverageFiles.class.getResourceAsStream("/coverage/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Coverage coverage(String name) {
        return read(Coverage.class, name);
    }

    static <T extends IBaseResource> T read(Class<T> type, String name) {
        try (InputStream in = CoverageFiles.class.getResourceAsStream("/coverage/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource coverage/" + name);
            }
            return parser().parseResource(type, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
