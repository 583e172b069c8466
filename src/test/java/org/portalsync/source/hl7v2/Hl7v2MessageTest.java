package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Type;

/**
 * The unmapped-fields report reads the message text; HAPI's model, walked field by field, is the oracle it must
 * agree with, on every message of the shared corpus and on senders' odd habits.
 */
class Hl7v2MessageTest {

    private static final Hl7v2Reader READER = new Hl7v2Reader();

    static Stream<String> corpusFiles() throws IOException {
        Optional<Path> dir = ShippedAdtMappingCorpusTest.corpus();
        if (dir.isEmpty()) {
            return Stream.of("<corpus folder missing>");
        }
        try (Stream<Path> files = Files.list(dir.get())) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".hl7")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("corpusFiles")
    void theFieldsReadFromTheTextAreTheFieldsHapisModelHolds(String name) throws IOException {
        Optional<Path> dir = ShippedAdtMappingCorpusTest.corpus();
        assumeTrue(dir.isPresent(), "the shared corpus is beside the project");
        List<String> messages = Hl7v2Batch.messages(Files.readString(dir.get().resolve(name)));
        assertThat(messages).isNotEmpty();
        for (String text : messages) {
            Hl7v2Message message = READER.read(text);
            assertThat(message.presentFields()).as(name).isNotEmpty().isEqualTo(walkedInHapisModel(message));
        }
    }

    @Test
    void oddSeparatorsEmptyRepetitionsAndBlankFieldsAgreeWithHapi() {
        List<String> messages = List.of(
                // a sender's own separators: fields #, components !, repetitions *, subcomponents $
                "MSH#!*\\$#EPIC#CLINIC#PORTAL#PRACTICE#20260101120000##ADT!A04#CTRL-1#P#2.5.1\r"
                        + "PID#1##12345!!!CLINIC!MR*!!!SSA!SS##Doe!Jane##19800101#F#######!!!!!####***",
                // only separators, only blanks, an explicit null, escape sequences, Z-segment, extra fields past the standard's
                "MSH|^~\\&|EHR|CLINIC|PORTAL|PRACTICE|20260101120000||ADT^A08|CTRL-2|P|2.5.1\r"
                        + "EVN|A08|20260101120000\r"
                        + "PID|1||A-1^^^CLINIC^MR||O\\T\\Brien^Sean^^^^^L||19700101|M|||^^^^^^|~~~|   |\"\"|&&^&\r"
                        + "PV1|1|O|||||||||||||||||||||||||||||||||||||||||||||||||||||||||x|y\r"
                        + "ZPI|1|custom^value|\r"
                        + "ZPI|2||\r"
                        + "NK1|1|Doe^John|SPO\r"
                        + "NK1|2|^|");
        for (String text : messages) {
            Hl7v2Message message = READER.read(text);
            assertThat(message.presentFields()).as(text).isEqualTo(walkedInHapisModel(message));
        }
        assertThat(READER.read(messages.get(1)).presentFields()).containsExactly("EVN", "EVN-1", "EVN-2", "PID", "PID-1", "PID-3", "PID-5",
                "PID-7", "PID-8", "PID-14", "PV1", "PV1-1", "PV1-2", "PV1-59", "PV1-60", "ZPI", "ZPI-1", "ZPI-2", "NK1", "NK1-1",
                "NK1-2", "NK1-3");
    }

    /** What the report listed when it walked HAPI's model: each segment's fields whose encoding holds more than blanks. */
    private static Set<String> walkedInHapisModel(Hl7v2Message message) {
        Set<String> present = new LinkedHashSet<>();
        for (Segment segment : message.segments()) {
            if (segment.getName().equals("MSH")) {
                continue;
            }
            for (int field = 1; field <= segment.numFields(); field++) {
                if (hasValue(segment, field)) {
                    present.add(segment.getName());
                    present.add(segment.getName() + "-" + field);
                }
            }
        }
        return present;
    }

    private static boolean hasValue(Segment segment, int field) {
        try {
            List<String> encoded = new ArrayList<>();
            for (Type type : segment.getField(field)) {
                if (!type.isEmpty()) {
                    encoded.add(type.encode());
                }
            }
            return encoded.stream().anyMatch(value -> !value.isBlank());
        } catch (HL7Exception e) {
            return false;
        }
    }
}
