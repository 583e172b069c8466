package org.portalsync.source.hl7v2;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import ca.uhn.fhir.context.FhirContext;
import org.portalsync.bootstrap.CommandSettings;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.source.document.DocumentRefusedException;
import org.portalsync.source.soap.MapSoapSample;
import org.portalsync.source.soap.SoapResponseException;

/**
 * The analysts' command: runs a mapping file over a sample message and prints the FHIR resource it makes (JSON)
 * and what it leaves unread, without an engine, a database or a listener. A SOAP mapping runs over a sample answer of
 * its service instead ({@link MapSoapSample}): every record of it, as one Bundle.
 *
 * <pre>
 * ./mvnw -q -Pmap-hl7v2 -Dexec.args="config/mappings/hl7v2-adt-patient.yaml samples/a04.hl7"
 * java -cp portal-sync.jar org.portalsync.source.hl7v2.MapHl7v2Command &lt;mapping file&gt; &lt;message file&gt;
 * </pre>
 *
 * The mapping's {@code {{portal-sync.*}}} values come from the home's {@code config/application.properties}, as in
 * the engine. The JSON goes to standard output, the report to standard error.
 */
public final class MapHl7v2Command {

    private MapHl7v2Command() {
    }

    public static void main(String[] args) {
        int status = run(List.of(args), Map.of(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** What an empty setting a mapping uses reads as here, followed by its key. */
    static final String UNSET_SETTING = "urn:portal-sync:unset:";

    /** @return 0 mapped, 1 the mapping or the message is refused (the reason on {@code err}), 2 wrong arguments */
    public static int run(List<String> args, Map<String, String> overrides, PrintStream out, PrintStream err) {
        if (args.size() != 2) {
            err.println("usage: map-hl7v2 <mapping file> <message file>   e.g. config/mappings/hl7v2-adt-patient.yaml sample.hl7, or a SOAP "
                    + "mapping and a sample answer: config/mappings/soap-legacy-patient.yaml docs/samples/legacy-patient-service-response.xml");
            return 2;
        }
        Path mappingFile = Path.of(args.get(0));
        Path messageFile = Path.of(args.get(1));
        try {
            PortalSyncSettings settings = CommandSettings.load(overrides);
            FhirContext fhir = FhirContext.forR4Cached();
            MappingFileReader reader = new MappingFileReader(fhir, key -> setting(settings, key, err));
            MappingFile mapping = reader.read(mappingFile.toString(), Files.readString(mappingFile, StandardCharsets.UTF_8));
            MappingFile patientMapping = patientMapping(mapping, mappingFile, reader);
            if (mapping.recordPath() != null) {
                return MapSoapSample.run(mapping, patientMapping, messageFile, fhir, out, err);
            }
            Hl7v2Message message = new Hl7v2Reader().read(Files.readString(messageFile, StandardCharsets.UTF_8));
            if (!mapping.accepts(message.type(), message.event())) {
                err.println(messageFile + ": " + message.type() + "^" + message.event() + " is not a message " + mapping.file()
                        + " takes (messages: " + mapping.accepts() + ")");
                return 1;
            }
            if (mapping.serves(message.header(3, 1), message.header(4, 1)) < 0) {
                err.println(messageFile + ": its sender " + message.sender() + " (MSH-3^MSH-4) is not one " + mapping.file()
                        + " serves (senders: " + String.join(", ", mapping.senders().stream().map(Object::toString).toList()) + ")");
                return 1;
            }
            MappedMessage mapped = new MapHl7v2Message(fhir).map(mapping, patientMapping, message);
            out.println(fhir.newJsonParser().setPrettyPrint(true).encodeResourceToString(Hl7v2InboxResources.of(mapped)));
            err.println(message.type() + "^" + message.event() + " " + message.controlId() + " -> " + (mapped.patient() == null ? ""
                    : mapped.patient().fhirType() + "/" + mapped.patient().getIdElement().getIdPart() + " (" + patientMapping.file() + "), ")
                    + String.join(", ", mapped.resources().stream().map(r -> r.fhirType() + "/" + r.getIdElement().getIdPart()).toList()));
            err.println("Unmapped (no rule reads them): " + (mapped.unmapped().isEmpty() ? "none" : String.join(", ", mapped.unmapped())));
            mapped.codes().forEach(code -> err.println("Not mapped: " + code.withValue()));
            return 0;
        } catch (Hl7v2MessageException e) {
            err.println(messageFile + ": refused (" + e.code().getCode() + " " + e.code().getMessage() + "): " + e.getMessage());
            return 1;
        } catch (ConfigurationException | SoapResponseException | DocumentRefusedException e) {
            err.println(e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("cannot read " + e.getMessage());
            return 1;
        }
    }

    /** The mapping its {@code patient} key names, from the mapping files beside it (as the engine finds it in its folder). */
    private static MappingFile patientMapping(MappingFile mapping, Path mappingFile, MappingFileReader reader) throws IOException {
        if (mapping.patient() == null) {
            return null;
        }
        Path folder = mappingFile.toAbsolutePath().getParent();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList()) {
                if (file.toAbsolutePath().equals(mappingFile.toAbsolutePath())) {
                    continue;
                }
                MappingFile other = reader.read(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
                if (other.name().equals(mapping.patient())) {
                    return other;
                }
            }
        }
        throw new ConfigurationException(mapping.file() + ": patient: no mapping named '" + mapping.patient() + "' beside it in " + folder);
    }

    /**
     * An analyst tries a mapping before the engine is set up: a setting still empty (the MRN system has no
     * default) shows as a stand-in with a note, where the engine refuses to load the mapping.
     */
    private static Optional<String> setting(PortalSyncSettings settings, String key, PrintStream err) {
        try {
            String value = settings.raw(key);
            if (value.isBlank()) {
                String standIn = UNSET_SETTING + key;
                err.println("Note: " + key + " is not set, so the engine would refuse this mapping; shown here as " + standIn);
                return Optional.of(standIn);
            }
            return Optional.of(value);
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
    }
}
