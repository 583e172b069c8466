package org.portalsync.portal;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The fields in which two versions of a portal patient differ, ignoring the source's bookkeeping. */
public final class PortalPatientDiff {

    private static final Set<String> BOOKKEEPING = Set.of("source", "sourceId", "sourceVersion", "sourceLastUpdated");

    private PortalPatientDiff() {
    }

    /** @return one {@code field: old -> new} line per changed field; empty when the content is the same */
    public static List<String> changes(PortalPatient before, PortalPatient after) {
        List<String> changes = new ArrayList<>();
        for (RecordComponent component : PortalPatient.class.getRecordComponents()) {
            if (BOOKKEEPING.contains(component.getName())) {
                continue;
            }
            Object old = value(component, before);
            Object now = value(component, after);
            if (!Objects.equals(old, now)) {
                changes.add(component.getName() + ": " + old + " -> " + now);
            }
        }
        return changes;
    }

    private static Object value(RecordComponent component, PortalPatient patient) {
        try {
            return component.getAccessor().invoke(patient);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + component.getName(), e);
        }
    }
}
