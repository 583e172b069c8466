package org.portalsync.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Tests share one sandbox EHR and keep apart by seed tag: a poll sees only its own seed's patients.
 * Two test classes with the same seed would see each other's patients and pass or fail by the order
 * they run in, so a seed number belongs to one test class.
 */
class SeedTagsTest {

    private static final Pattern SEED = Pattern.compile(
            "long seed = (\\d+)|seedAndStart\\((\\d+)|(?:seedPatients(?:OneByOne)?|seedCoverages|seedAppointments)\\([^,]+, (\\d+)L?\\)");

    @Test
    void eachSeedNumberBelongsToOneTestClass() throws IOException {
        Map<String, TreeSet<String>> classesBySeed = new HashMap<>();
        try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
            for (Path file : files.filter(path -> path.toString().endsWith("IT.java")).toList()) {
                Matcher seed = SEED.matcher(Files.readString(file));
                while (seed.find()) {
                    String number = seed.group(1) != null ? seed.group(1) : seed.group(2) != null ? seed.group(2) : seed.group(3);
                    classesBySeed.computeIfAbsent(number, n -> new TreeSet<>()).add(file.getFileName().toString());
                }
            }
        }
        List<String> shared = new ArrayList<>();
        classesBySeed.forEach((seed, classes) -> {
            if (classes.size() > 1) {
                shared.add(seed + " in " + classes);
            }
        });
        assertThat(classesBySeed).as("the pattern finds the seeds").hasSizeGreaterThan(20);
        assertThat(shared).as("seed numbers used by more than one test class").isEmpty();
    }
}
