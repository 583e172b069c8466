package org.portalsync.source.hl7v2;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Composite;
import ca.uhn.hl7v2.model.Group;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.model.Varies;
import ca.uhn.hl7v2.model.v251.message.ACK;
import ca.uhn.hl7v2.parser.DefaultModelClassFactory;
import ca.uhn.hl7v2.parser.ModelClassFactory;

/**
 * Checks a mapping file's paths against the HL7 v2.5.1 segment definitions HAPI ships: a segment that does
 * not exist, a field past its last, a component its datatype does not have. Z-segments are a site's own and
 * have no definition: any path in them is accepted.
 */
final class V251Segments {

    private static final ModelClassFactory FACTORY = new DefaultModelClassFactory();
    private static final Map<String, Segment> DEFINITIONS = new ConcurrentHashMap<>();

    private V251Segments() {
    }

    /** @throws IllegalArgumentException saying what v2.5.1 has instead */
    static void check(SourcePath path) {
        checkSegment(path.segment());
        Segment segment = definition(path.segment());
        if (segment == null) {
            return;
        }
        if (path.field() > segment.numFields()) {
            throw new IllegalArgumentException("'" + path + "': " + path.segment() + " has " + segment.numFields() + " fields in HL7 v2.5.1");
        }
        Type type;
        try {
            type = segment.getField(path.field(), 0);
        } catch (HL7Exception e) {
            throw new IllegalArgumentException("'" + path + "': " + path.fieldName() + " cannot be read in HL7 v2.5.1");
        }
        checkComponent(path, type, path.selectorComponent(), 0);
        checkComponent(path, type, path.component(), path.subcomponent());
    }

    /** @throws IllegalArgumentException for a segment v2.5.1 does not define (Z-segments excepted) */
    static void checkSegment(String name) {
        if (!name.startsWith("Z") && definition(name) == null) {
            throw new IllegalArgumentException("segment " + name + " does not exist in HL7 v2.5.1 (a site's own segments begin with Z)");
        }
    }

    private static void checkComponent(SourcePath path, Type type, int component, int subcomponent) {
        if (component == 0 || type instanceof Varies) {
            return;
        }
        if (!(type instanceof Composite composite)) {
            if (component > 1 || subcomponent > 1) {
                throw new IllegalArgumentException("'" + path + "': " + path.fieldName() + " is a " + type.getName()
                        + ", which has no components in HL7 v2.5.1");
            }
            return;
        }
        Type[] components = composite.getComponents();
        if (component > components.length) {
            throw new IllegalArgumentException("'" + path + "': " + path.fieldName() + " is a " + type.getName() + " with "
                    + components.length + " components in HL7 v2.5.1");
        }
        Type inner = components[component - 1];
        if (subcomponent > 1 && !(inner instanceof Varies)) {
            int count = inner instanceof Composite sub ? sub.getComponents().length : 1;
            if (subcomponent > count) {
                throw new IllegalArgumentException("'" + path + "': component " + component + " of " + path.fieldName() + " is a "
                        + inner.getName() + " with " + count + " subcomponent" + (count == 1 ? "" : "s") + " in HL7 v2.5.1");
            }
        }
    }

    private static Segment definition(String name) {
        return DEFINITIONS.computeIfAbsent(name, V251Segments::instantiate);
    }

    private static Segment instantiate(String name) {
        try {
            Class<? extends Segment> type = FACTORY.getSegmentClass(name, Hl7v2Reader.VERSION);
            if (type == null) {
                return null;
            }
            return type.getConstructor(Group.class, ModelClassFactory.class).newInstance(new ACK(), FACTORY);
        } catch (HL7Exception | ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
