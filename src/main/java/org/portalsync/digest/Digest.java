package org.portalsync.digest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one digest reports: the entries not reported before, grouped by rule, source and field, and the warnings not yet sent. */
public record Digest(Instant compiledAt, List<DigestEntry> entries, List<Warning> warnings) {

    /** A non-critical alert: it waits for the digest rather than going out at once. */
    public record Warning(long id, String kind, String source, String message, int occurrences, Instant firstAt, Instant lastAt) {
    }

    /** The entries of one rule at one source in one field. */
    public record Group(String rule, String source, String field, List<DigestEntry> entries) {

        /** How many times its problems were found: its entries, each counted as often as it was found. */
        public int occurrences() {
            return entries.stream().mapToInt(DigestEntry::occurrences).sum();
        }
    }

    public boolean allClear() {
        return entries.isEmpty() && warnings.isEmpty();
    }

    /** Largest groups first, then by rule, source and field. */
    public List<Group> groups() {
        Map<List<String>, List<DigestEntry>> byKey = new LinkedHashMap<>();
        for (DigestEntry entry : entries) {
            byKey.computeIfAbsent(List.of(entry.rule(), entry.source(), entry.fieldGroup()), key -> new ArrayList<>()).add(entry);
        }
        List<Group> groups = new ArrayList<>();
        byKey.forEach((key, grouped) -> groups.add(new Group(key.get(0), key.get(1), key.get(2), grouped)));
        groups.sort(Comparator.comparingInt((Group g) -> -g.entries().size()).thenComparing(Group::rule).thenComparing(Group::source)
                .thenComparing(Group::field));
        return groups;
    }
}
