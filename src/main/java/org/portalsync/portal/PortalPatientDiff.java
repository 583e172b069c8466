package org.portalsync.portal;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The fields in which two versions of a portal patient differ, ignoring the source's bookkeeping. */
public final class PortalPatientDiff {

    private static final Set<String> BOOKKEEPING = Set.of("source", "sourceId", "sourceVersion", "sourceLastUpdated");
    /** The compared components, read once: {@link Class#getRecordComponents()} builds them anew on every call. */
    private static final List<RecordComponent> CONTENT = Arrays.stream(PortalPatient.class.getRecordComponents())
            .filter(component -> !BOOKKEEPING.contains(component.getName())).toList();

    private PortalPatientDiff() {
    }

    /** @return one {@code field: old -> new} line per changed field; empty when the content is the same */
    public static List<String> changes(PortalPatient before, PortalPatient after) {
        List<String> changes = new ArrayList<>();
        for (RecordComponent component : CONTENT) {
            Object old = value(component, before);
            Object now = value(component, after);
            if (!Objects.equals(old, now)) {
                changes.add(component.getName() + ": " + old + " -> " + now);
            }
        }
        return changes;
    }

    /** @return true when the two have the same content: {@link #changes} would be empty, without writing it */
    public static boolean same(PortalPatient before, PortalPatient after) {
        for (RecordComponent component : CONTENT) {
            if (!Objects.equals(value(component, before), value(component, after))) {
                return false;
            }
        }
        return true;
    }

    private static Object value(RecordComponent component, PortalPatient patient) {
        try {
            return component.getAccessor().invoke(patient);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + component.getName(), e);
        }
    }
}
