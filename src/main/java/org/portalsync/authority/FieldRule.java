package org.portalsync.authority;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How one field is decided when the two sides disagree. A {@link Conditional} rule resolves, for one
 * change, to one of the two plain kinds: an {@link Owner} side, or {@link LastWriteWins}.
 */
public sealed interface FieldRule {

    /** @return the plain rule that decides this change */
    FieldRule resolve(Initiator initiator, String value);

    /** @return the rule as {@code config/authority.yaml} writes it, for the matrix */
    String describe();

    /** @return true for a plain {@code ehr} rule: the portal can never decide the field */
    default boolean alwaysEhr() {
        return this instanceof Owner owner && owner.side() == Side.EHR;
    }

    /** The side that always decides the field. */
    record Owner(Side side) implements FieldRule {
        @Override
        public FieldRule resolve(Initiator initiator, String value) {
            return this;
        }

        @Override
        public String describe() {
            return side.configName();
        }
    }

    /** The side that changed the field last decides; equal times go to the configured side. */
    record LastWriteWins() implements FieldRule {
        @Override
        public FieldRule resolve(Initiator initiator, String value) {
            return this;
        }

        @Override
        public String describe() {
            return "last-write-wins";
        }
    }

    /**
     * One branch of a {@link Conditional}: it applies when the change was made by one of {@code initiatedBy}
     * (empty: anyone) and, for a field with a single value, sets one of {@code values} (empty: any value).
     */
    record Branch(Set<Initiator> initiatedBy, Set<String> values, FieldRule rule) {
        boolean matches(Initiator initiator, String value) {
            return (initiatedBy.isEmpty() || initiatedBy.contains(initiator)) && (values.isEmpty() || values.contains(value));
        }

        String describe() {
            StringBuilder text = new StringBuilder(rule.describe()).append(" when");
            if (!initiatedBy.isEmpty()) {
                text.append(" initiated by ").append(initiatedBy.stream().map(Initiator::configName).sorted().collect(Collectors.joining(" or ")));
            }
            if (!values.isEmpty()) {
                text.append(initiatedBy.isEmpty() ? "" : " and").append(" value is ").append(values.stream().sorted().collect(Collectors.joining(" or ")));
            }
            return text.toString();
        }
    }

    /** The first branch that matches decides; else {@code otherwise}. */
    record Conditional(List<Branch> branches, FieldRule otherwise) implements FieldRule {
        public Conditional {
            branches = List.copyOf(branches);
        }

        @Override
        public FieldRule resolve(Initiator initiator, String value) {
            return branches.stream().filter(b -> b.matches(initiator, value)).findFirst().map(Branch::rule).orElse(otherwise);
        }

        @Override
        public String describe() {
            return branches.stream().map(Branch::describe).collect(Collectors.joining("; ")) + "; otherwise " + otherwise.describe();
        }
    }
}
