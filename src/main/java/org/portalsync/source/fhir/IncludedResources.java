package org.portalsync.source.fhir;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.Exchange;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Reference;

/**
 * The resources a search page included ({@code _include}) that one of its records refers to, parsed: a page
 * of appointments includes the practitioners and locations of all of them, and each record needs only its own.
 */
public final class IncludedResources {

    private IncludedResources() {
    }

    /**
     * @param references the record's references, e.g. a Coverage's payors or an Appointment's participants' actors
     * @return the included resources among them, by relative versionless id ({@code Organization/1}); empty outside a feed
     */
    public static Map<String, IBaseResource> referredTo(Exchange exchange, FhirContext fhir, Stream<Reference> references) {
        @SuppressWarnings("unchecked")
        Map<String, String> page = exchange.getProperty(FhirFeed.INCLUDED, Map.class);
        Map<String, IBaseResource> included = new HashMap<>();
        if (page == null || page.isEmpty()) {
            return included;
        }
        references.forEach(reference -> {
            String id = reference.getReferenceElement().toUnqualifiedVersionless().getValue();
            if (id != null && page.containsKey(id) && !included.containsKey(id)) {
                included.put(id, fhir.newJsonParser().parseResource(page.get(id)));
            }
        });
        return included;
    }

    /**
     * Sets the resources that come with the record outside a search (read one by one), as a page's {@code _include} would.
     *
     * @param resources by relative versionless id ({@code Practitioner/12}) to JSON
     */
    public static void set(Exchange exchange, Map<String, String> resources) {
        exchange.setProperty(FhirFeed.INCLUDED, resources);
    }
}
