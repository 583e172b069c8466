package org.portalsync.source.soap;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.portalsync.source.document.ReadLegacyDocument;
import org.portalsync.source.hl7v2.Hl7v2MessageException;
import org.portalsync.source.hl7v2.MapHl7v2Command;
import org.portalsync.source.hl7v2.MappedMessage;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.source.hl7v2.XmlPaths;
import org.w3c.dom.Document;
import org.w3c.dom.Node;

/**
 * The analysts' command ({@link MapHl7v2Command}) for a SOAP or document mapping: maps every record of a sample answer
 * of the service, or of a sample document file, as the engine would (the XML parsed as safely, JSON read as XML, an
 * appointment's patient from the record it sits in) and prints
 * the resources as one FHIR Bundle, each record and the codes its tables lack beside it.
 */
public final class MapSoapSample {

    private MapSoapSample() {
    }

    /**
     * @param patientMapping the mapping the file's {@code patient} key names (appointments inside patient records), or null
     * @return 0 mapped, 1 refused (the reason on {@code err})
     */
    public static int run(MappingFile mapping, MappingFile patientMapping, Path sample, FhirContext fhir, PrintStream out, PrintStream err)
            throws IOException {
        byte[] bytes = Files.readAllBytes(sample);
        Document document = mapping.document() != null ? ReadLegacyDocument.parse(mapping.document().format(), bytes)
                : SafeXml.parse(bytes, sample.toString());
        MapSoapRecord mapper = new MapSoapRecord(fhir);
        Map<Node, IBaseResource> patients = new IdentityHashMap<>();
        if (patientMapping != null) {
            for (Node record : XmlPaths.nodes(document, patientMapping.recordPath(), patientMapping.xmlNamespaces())) {
                patients.put(record, mapper.map(patientMapping, record));
            }
        }
        List<Node> records = XmlPaths.nodes(document, mapping.recordPath(), mapping.xmlNamespaces());
        if (records.isEmpty()) {
            err.println(sample + ": no record at " + mapping.recordPath() + " (" + mapping.file() + ")");
            return 1;
        }
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
        for (int i = 0; i < records.size(); i++) {
            String patientReference = null;
            if (patientMapping != null) {
                IBaseResource patient = ReadSoapPage.enclosing(records.get(i), patients);
                if (patient == null) {
                    err.println(sample + ": record " + (i + 1) + " is not inside a record of " + patientMapping.name() + " ("
                            + patientMapping.recordPath() + "), so it has no patient");
                    return 1;
                }
                patientReference = patient.fhirType() + "/" + patient.getIdElement().getIdPart();
            }
            List<MappedMessage.UnmappedCode> codes = new ArrayList<>();
            IBaseResource resource;
            try {
                resource = mapper.map(mapping, records.get(i), patientReference, codes);
            } catch (Hl7v2MessageException e) {
                err.println(sample + ": record " + (i + 1) + " refused: " + e.location() + ": " + e.problem());
                return 1;
            }
            bundle.addEntry().setResource((Resource) resource);
            err.println((mapping.soap() != null ? mapping.soap().operation() : "document") + " record " + (i + 1) + " -> " + resource.fhirType() + "/" + resource.getIdElement().getIdPart()
                    + (patientReference == null ? "" : " of " + patientReference));
            codes.forEach(code -> err.println("Not mapped: " + code.withValue()));
        }
        out.println(fhir.newJsonParser().setPrettyPrint(true).encodeResourceToString(bundle));
        return 0;
    }
}
