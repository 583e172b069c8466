package org.portalsync.sync;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * What a read-only run would have done: new patients, changed fields (old to new), archived
 * ones, rejected ones with the reason. Written as a text file; it holds patient data, so it stays
 * on the engine's host like the database does.
 */
public final class DryRunReport {

    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final List<String> newRecords = new ArrayList<>();
    private final List<String> changed = new ArrayList<>();
    private final List<String> archived = new ArrayList<>();
    private final List<String> rejected = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();
    private int unchanged;

    public synchronized void newRecord(String record) {
        newRecords.add(record);
    }

    public synchronized void changed(String record, List<String> fieldChanges) {
        changed.add(record + "\n" + fieldChanges.stream().map(change -> "    " + change).reduce((a, b) -> a + "\n" + b).orElse(""));
    }

    public synchronized void archived(String record) {
        archived.add(record);
    }

    public synchronized void rejected(String record, String reason) {
        rejected.add(record + ": " + reason);
    }

    public synchronized void failed(String record, String reason) {
        failed.add(record + ": " + reason);
    }

    public synchronized void unchanged() {
        unchanged++;
    }

    public synchronized Path write(Path folder, Instant at) {
        StringBuilder text = new StringBuilder("portal-sync dry run at ").append(at).append(" (nothing was written to the portal or the EHR)\n\n");
        text.append(String.format(java.util.Locale.ROOT, "new: %d, changed: %d, archived: %d, unchanged: %d, rejected: %d, failed: %d%n",
                newRecords.size(), changed.size(), archived.size(), unchanged, rejected.size(), failed.size()));
        section(text, "New patients", newRecords);
        section(text, "Changed patients (field: portal now -> after sync)", changed);
        section(text, "Archived patients", archived);
        section(text, "Rejected records", rejected);
        section(text, "Failed requests and records", failed);
        try {
            Files.createDirectories(folder);
            Path file = folder.resolve("dry-run-" + FILE_TIME.format(at) + ".txt");
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dry-run report to " + folder, e);
        }
    }

    private static void section(StringBuilder text, String title, List<String> lines) {
        text.append("\n== ").append(title).append(" (").append(lines.size()).append(")\n");
        lines.forEach(line -> text.append("  ").append(line).append('\n'));
    }
}
