package org.portalsync.source.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class NdjsonFileTest {

    private static InputStream text(String ndjson) {
        return new ByteArrayInputStream(ndjson.getBytes(StandardCharsets.UTF_8));
    }

    private static List<Object> readAll(NdjsonFile file, int batch) {
        List<Object> all = new ArrayList<>();
        while (!file.ended()) {
            all.addAll(file.next(batch));
        }
        return all;
    }

    @Test
    void readsEachLineAsOneResourceWhateverItsLineEndAndSkipsBlankLines() {
        String ndjson = "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\r\n\n"
                + "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"name\":[{\"family\":\"Zoë\"}]}\n"
                + "{\"resourceType\":\"Patient\",\"id\":\"p3\"}";

        List<Object> entries = readAll(new NdjsonFile("Patient", 1, text(ndjson), 1000), 2);

        assertThat(entries).extracting(entry -> ((FhirEntry) entry).id()).containsExactly("p1", "p2", "p3");
        assertThat(((FhirEntry) entries.get(1)).resourceJson()).contains("Zoë");
    }

    @Test
    void aLineLongerThanTheLimitIsSkippedAsUnreadableAndTheLinesAfterItAreRead() {
        String huge = "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"photo\":[{\"data\":\"" + "A".repeat(50_000) + "\"}]}";
        String ndjson = "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n" + huge + "\n{\"resourceType\":\"Patient\",\"id\":\"p3\"}\n";

        List<Object> entries = readAll(new NdjsonFile("Patient", 2, text(ndjson), 20_000), 10);

        assertThat(entries).hasSize(3);
        assertThat(((FhirEntry) entries.get(0)).id()).isEqualTo("p1");
        assertThat(entries.get(1)).isEqualTo(new UnreadableEntry("Patient export file 2 line 2",
                "the NDJSON line is longer than 20000 characters; skipped"));
        assertThat(((FhirEntry) entries.get(2)).id()).isEqualTo("p3");
    }

    @Test
    void aLineWithNoEndIsNotHeldPastTheLimit() {
        // an endless line: the reader must give up on it after the limit, not read until the heap is full
        InputStream endless = new SequenceInputStream(text("{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n{\"a\":\""),
                new InputStream() {
                    private long left = 8L * 1024 * 1024;

                    @Override
                    public int read() {
                        return left-- > 0 ? 'x' : -1;
                    }
                });

        List<Object> entries = readAll(new NdjsonFile("Patient", 1, endless, 1_000_000), 10);

        assertThat(entries).hasSize(2);
        assertThat(entries.get(1)).isInstanceOf(UnreadableEntry.class);
        assertThat(((UnreadableEntry) entries.get(1)).problem()).contains("longer than 1000000 characters");
    }
}
