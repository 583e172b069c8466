package org.portalsync.source.hl7v2;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

/**
 * What an inbox row holds ({@code legacy_inbox.resource}): the resource a mapping made, or, when its {@code patient}
 * mapping made the message's Patient as well, a {@code collection} Bundle of that Patient and then the resource, so
 * that the two are stored, and applied, together. (A mapping with {@code each} makes a {@code collection} Bundle of its
 * own resources; that is the row's record.)
 */
final class Hl7v2InboxResources {

    /** A row's resources: the Patient that comes along (null when none) and the row's own record. */
    record Unpacked(IBaseResource patient, IBaseResource record) {
    }

    private Hl7v2InboxResources() {
    }

    static IBaseResource of(MappedMessage mapped) {
        if (mapped.patient() == null) {
            return mapped.resource();
        }
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
        bundle.addEntry().setResource((Resource) mapped.patient());
        bundle.addEntry().setResource((Resource) mapped.resource());
        return bundle;
    }

    static Unpacked unpack(IBaseResource stored) {
        // a mapping with each stores a Bundle of its own resources, all of its one type: never a Patient and then another type
        if (stored instanceof Bundle bundle && bundle.getEntry().size() == 2 && bundle.getEntry().get(0).getResource() instanceof Patient
                && !(bundle.getEntry().get(1).getResource() instanceof Patient)) {
            return new Unpacked(bundle.getEntry().get(0).getResource(), bundle.getEntry().get(1).getResource());
        }
        return new Unpacked(null, stored);
    }
}
