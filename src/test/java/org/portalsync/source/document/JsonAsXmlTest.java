package org.portalsync.source.document;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portalsync.source.hl7v2.XmlPaths;
import org.w3c.dom.Document;

/** A JSON document read as XML: keys as elements, array items named by their key, names an XPath can use. */
class JsonAsXmlTest {

    private static Document read(String json) {
        return JsonAsXml.read(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String value(Document document, String path) {
        return XmlPaths.value(document, path, Map.of());
    }

    @Test
    void keysAreElementsAndAnArraysItemsAreElementsNamedByItsKey() {
        Document document = read("""
                {"patients": [{"id": 1, "given": ["Ada", "Augusta"], "deceased": false, "phone": null},
                              {"id": 2, "given": []}],
                 "first name": "x", "2nd": "y", "matrix": [[1, 2], [3]]}""");

        assertThat(XmlPaths.nodes(document, "/document/patients", Map.of())).hasSize(2);
        assertThat(value(document, "/document/patients[1]/id")).isEqualTo("1");
        assertThat(value(document, "/document/patients[1]/given[2]")).isEqualTo("Augusta");
        assertThat(value(document, "/document/patients[1]/deceased")).isEqualTo("false");
        assertThat(XmlPaths.nodes(document, "/document/patients[1]/phone", Map.of())).as("null is absent").isEmpty();
        assertThat(XmlPaths.nodes(document, "/document/patients[2]/given", Map.of())).as("an empty array is absent").isEmpty();
        assertThat(value(document, "/document/first_name")).isEqualTo("x");
        assertThat(value(document, "/document/_2nd")).isEqualTo("y");
        assertThat(value(document, "/document/matrix[1]/item[2]")).isEqualTo("2");
        assertThat(value(document, "count(/document/matrix)")).isEqualTo("2");
    }

    @Test
    void aTopLevelArraysItemsAreItemElements() {
        assertThat(value(read("[{\"id\": \"a\"}, {\"id\": \"b\"}]"), "/document/item[2]/id")).isEqualTo("b");
    }

    @Test
    void brokenJsonAndDuplicateKeysAreRefusedNamingWhereNotWhat() {
        assertThatThrownBy(() -> read("{\"mrn\": \"A-1\",\n \"name\": "))
                .isInstanceOf(DocumentRefusedException.class).hasMessageStartingWith("not well-formed JSON (line 2").hasMessageNotContaining("A-1");
        assertThatThrownBy(() -> read("{\"mrn\": \"A-1\", \"mrn\": \"A-2\"}"))
                .isInstanceOf(DocumentRefusedException.class).hasMessageStartingWith("not well-formed JSON").hasMessageNotContaining("A-2");
        assertThatThrownBy(() -> read("")).isInstanceOf(DocumentRefusedException.class);
    }
}
