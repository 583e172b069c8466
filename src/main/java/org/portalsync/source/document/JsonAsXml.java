package org.portalsync.source.document;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A JSON document read as XML, so that a document mapping's paths are XPath whatever the file's format: the document is
 * the element {@code document}; each key of an object becomes an element of that name holding its value; each item of
 * an array an element named by the array's key ({@code {"patients": [a, b]}} gives two {@code patients} elements,
 * {@code /document/patients} selects both); a scalar its text; a null nothing. A key that is not an XML name has each
 * character that cannot be in one replaced by {@code _} (and {@code _} put before a leading digit), e.g.
 * {@code "first name"} as {@code first_name}. Duplicate keys are refused, as a JSON reader should.
 */
public final class JsonAsXml {

    /** The root element; the items of a top-level array are its {@code item} elements. */
    public static final String ROOT = "document";
    private static final Pattern NOT_IN_A_NAME = Pattern.compile("[^A-Za-z0-9._-]");
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private JsonAsXml() {
    }

    /** @throws DocumentRefusedException naming the problem (never the document's text) */
    public static Document read(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new DocumentRefusedException("not well-formed JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new DocumentRefusedException("cannot be read as JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || root.isMissingNode()) {
            throw new DocumentRefusedException("holds no JSON value");
        }
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            Document document = factory.newDocumentBuilder().newDocument();
            Element element = document.createElement(ROOT);
            document.appendChild(element);
            if (root.isArray()) {
                root.forEach(item -> append(document, element, "item", item));
            } else {
                fill(document, element, root);
            }
            return document;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fill(Document document, Element element, JsonNode value) {
        if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                String name = elementName(field.getKey());
                if (field.getValue().isArray()) {
                    field.getValue().forEach(item -> append(document, element, name, item));
                } else {
                    append(document, element, name, field.getValue());
                }
            }
        } else if (value.isArray()) {
            value.forEach(item -> append(document, element, "item", item));
        } else if (!value.isNull()) {
            element.setTextContent(value.asText());
        }
    }

    private static void append(Document document, Element parent, String name, JsonNode value) {
        if (value.isNull()) {
            return;
        }
        Element child = document.createElement(name);
        parent.appendChild(child);
        fill(document, child, value);
    }

    static String elementName(String key) {
        String name = NOT_IN_A_NAME.matcher(key).replaceAll("_");
        if (name.isEmpty() || !Character.isLetter(name.charAt(0)) && name.charAt(0) != '_') {
            name = "_" + name;
        }
        return name;
    }
}
