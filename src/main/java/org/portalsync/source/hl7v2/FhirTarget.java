package org.portalsync.source.hl7v2;

import java.util.ArrayList;
import java.util.List;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition.ChildTypeEnum;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CodeType;
import org.portalsync.mapping.FhirDates;

/**
 * A FHIR element a rule writes to, as a dot path relative to the element its group builds
 * ({@code name.family}, {@code telecom}, {@code deceasedDateTime}), checked against HAPI's R4 model when
 * the mapping is loaded and written with HAPI's own accessors and mutators (no JSON text is assembled).
 * A repeating last element gets one more value per write; a single one may be written once.
 */
public final class FhirTarget {

    private record Step(String name, BaseRuntimeChildDefinition child, BaseRuntimeElementDefinition<?> element) {
        boolean repeating() {
            return child.getMax() != 1;
        }
    }

    private final String path;
    private final List<Step> steps;

    private FhirTarget(String path, List<Step> steps) {
        this.path = path;
        this.steps = steps;
    }

    /** @throws IllegalArgumentException naming the element the model does not have */
    public static FhirTarget resolve(BaseRuntimeElementCompositeDefinition<?> from, String path) {
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("no target: name the FHIR element the value goes to, e.g. name.family");
        }
        List<Step> steps = new ArrayList<>();
        BaseRuntimeElementDefinition<?> current = from;
        for (String name : path.strip().split("\\.", -1)) {
            if (!(current instanceof BaseRuntimeElementCompositeDefinition<?> composite)) {
                throw new IllegalArgumentException("'" + path + "': " + steps.get(steps.size() - 1).name() + " is a primitive and has no element '"
                        + name + "'");
            }
            BaseRuntimeChildDefinition child = name.isEmpty() ? null : composite.getChildByName(name);
            if (child == null || name.equals("extension") || name.equals("modifierExtension")) {
                throw new IllegalArgumentException("'" + path + "': " + composite.getName() + " has no element '" + name + "' in FHIR R4");
            }
            BaseRuntimeElementDefinition<?> element = child.getChildByName(name);
            if (element == null) {
                throw new IllegalArgumentException("'" + path + "': name the type of the choice element '" + name
                        + "' (e.g. deceasedBoolean, deceasedDateTime)");
            }
            steps.add(new Step(name, child, element));
            current = element;
        }
        return new FhirTarget(path.strip(), List.copyOf(steps));
    }

    public String path() {
        return path;
    }

    /** Whether the element holds a value (a string, code, date...), as a value rule needs. */
    public boolean isPrimitive() {
        ChildTypeEnum type = last().element().getChildType();
        return type == ChildTypeEnum.PRIMITIVE_DATATYPE || type == ChildTypeEnum.ID_DATATYPE;
    }

    /** Whether the last element repeats (a group may build one per repetition; a split value writes several). */
    public boolean isRepeating() {
        return last().repeating();
    }

    /** The element a group builds, for its rules' targets. */
    public BaseRuntimeElementCompositeDefinition<?> composite() {
        if (!(last().element() instanceof BaseRuntimeElementCompositeDefinition<?> composite)) {
            throw new IllegalArgumentException("'" + path + "' is a primitive: a group (each) needs an element with elements, e.g. identifier");
        }
        return composite;
    }

    /** Writes a value; false when a single element already holds one (two rules for one element). */
    public boolean write(IBase base, String value) {
        return write(base, value, null);
    }

    /**
     * As {@link #write(IBase, String)}; a date-time read in a zone carries that zone as FHIR's {@code tz-code} extension
     * (an IANA id), so that the portal shows it in the sender's zone.
     *
     * @param zone the IANA zone, or null
     */
    public boolean write(IBase base, String value, String zone) {
        Step last = last();
        IBase parent = parent(base);
        IBase element = last.element().newInstance(last.child().getInstanceConstructorArguments());
        ((IPrimitiveType<?>) element).setValueAsString(value);
        if (zone != null && element instanceof BaseDateTimeType dateTime && dateTime.getPrecision().ordinal() > TemporalPrecisionEnum.DAY.ordinal()) {
            dateTime.addExtension(FhirDates.TZ_CODE, new CodeType(zone));
        }
        if (!last.repeating() && last.child().getAccessor().getValues(parent).stream().anyMatch(existing -> !existing.isEmpty())) {
            return false;
        }
        if (last.repeating()) {
            last.child().getMutator().addValue(parent, element);
        } else {
            last.child().getMutator().setValue(parent, element);
        }
        return true;
    }

    /** A new, empty element of the group's type, not yet attached: see {@link #attach}. */
    public IBase newElement() {
        Step last = last();
        return last.element().newInstance(last.child().getInstanceConstructorArguments());
    }

    /** Adds an element a group filled; an empty one (no rule found a value) is left out. */
    public void attach(IBase base, IBase element) {
        if (element.isEmpty()) {
            return;
        }
        Step last = last();
        IBase parent = parent(base);
        if (last.repeating()) {
            last.child().getMutator().addValue(parent, element);
        } else {
            last.child().getMutator().setValue(parent, element);
        }
    }

    /** The element holding the last step: existing intermediate elements are reused (the last one), missing ones created. */
    private IBase parent(IBase base) {
        IBase current = base;
        for (Step step : steps.subList(0, steps.size() - 1)) {
            List<IBase> values = step.child().getAccessor().getValues(current);
            if (!values.isEmpty()) {
                current = values.get(values.size() - 1);
                continue;
            }
            IBase created = step.element().newInstance(step.child().getInstanceConstructorArguments());
            if (step.repeating()) {
                step.child().getMutator().addValue(current, created);
            } else {
                step.child().getMutator().setValue(current, created);
            }
            current = created;
        }
        return current;
    }

    private Step last() {
        return steps.get(steps.size() - 1);
    }

    @Override
    public String toString() {
        return path;
    }
}
