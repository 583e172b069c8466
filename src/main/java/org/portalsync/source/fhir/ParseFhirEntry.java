package org.portalsync.source.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IJsonLikeParser;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.LenientErrorHandler;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ScalarType;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ValueType;
import ca.uhn.fhir.parser.json.jackson.JacksonStructure;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.portalsync.sync.DeletedResource;
import org.portalsync.sync.MalformedResourceException;
import org.portalsync.sync.SyncHeaders;

/**
 * Turns one page entry (or NDJSON line: {@link UnreadableEntry} when it holds no resource) into a HAPI R4 resource (or a {@link DeletedResource}) for the shared sync
 * route. Elements the model does not know are ignored (an EHR may send newer elements); a value
 * that does not fit its datatype makes the resource malformed. The error names the element only:
 * HAPI's own message would quote the value, which may be PHI.
 */
public final class ParseFhirEntry implements Processor {

    /** Exchange property: the resource type an entry must have when this parser names none (a feed's, or a webhook batch's). */
    public static final String RESOURCE_TYPE = FhirFeed.RESOURCE_TYPE;

    private final FhirContext fhir;
    private final String expectedType;

    /** @param expectedType the resource type every entry must have; null: the feed's ({@link FhirFeed#RESOURCE_TYPE}) */
    public ParseFhirEntry(FhirContext fhir, String expectedType) {
        this.fhir = fhir;
        this.expectedType = expectedType;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        if (exchange.getMessage().getBody() instanceof UnreadableEntry unreadable) {
            exchange.getMessage().setHeader(SyncHeaders.RECORD, unreadable.record());
            throw new MalformedResourceException(unreadable.record(), "resource", unreadable.problem());
        }
        FhirEntry entry = exchange.getMessage().getMandatoryBody(FhirEntry.class);
        String expectedType = this.expectedType != null ? this.expectedType : FhirFeed.resourceType(exchange);
        String record = entry.reference();
        exchange.getMessage().setHeader(SyncHeaders.RECORD, record);
        if (!expectedType.equals(entry.resourceType()) || entry.id().isBlank()) {
            throw new MalformedResourceException(record, "resourceType", "expected a " + expectedType + " with an id");
        }
        if (entry.deleted()) {
            exchange.getMessage().setBody(new DeletedResource(entry.resourceType(), entry.id(), entry.versionId(), entry.lastUpdated()));
            return;
        }
        if (!entry.hasResource()) {
            throw new MalformedResourceException(record, "resource", "the Bundle entry holds no resource");
        }
        IParser parser = fhir.newJsonParser().setParserErrorHandler(new RejectInvalidValues(record));
        IBaseResource resource;
        try {
            resource = entry.resourceTree() != null && parser instanceof IJsonLikeParser treeParser
                    ? treeParser.parseResource(tree(entry.resourceTree()))
                    : parser.parseResource(entry.resourceJson());
        } catch (DataFormatException e) {
            throw new MalformedResourceException(record, expectedType, "not a valid FHIR R4 " + expectedType + " resource");
        }
        exchange.getMessage().setBody(resource);
    }

    /** The tree the page was read into, handed to HAPI's parser as if it had read it itself: the text is read once. */
    private static JacksonStructure tree(ObjectNode resource) {
        JacksonStructure structure = new JacksonStructure();
        structure.setNativeObject(resource);
        return structure;
    }

    /** Lenient about unknown elements, strict about values that do not fit their datatype. */
    private static final class RejectInvalidValues extends LenientErrorHandler {

        private final String record;

        RejectInvalidValues(String record) {
            super(false);
            this.record = record;
        }

        @Override
        public void invalidValue(IParseLocation location, String value, String error) {
            throw new MalformedResourceException(record, path(location), "value does not fit the FHIR datatype of this element");
        }

        @Override
        public void incorrectJsonType(IParseLocation location, String elementName, ValueType expected, ScalarType expectedScalar,
                ValueType found, ScalarType foundScalar) {
            throw new MalformedResourceException(record, path(location), "expected JSON " + expected + " but found " + found);
        }

        private String path(IParseLocation location) {
            String where = location == null ? null : location.toString();
            return where == null || where.isBlank() ? "resource" : where;
        }
    }
}
