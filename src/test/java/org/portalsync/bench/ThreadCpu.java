package org.portalsync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time of this JVM's threads, JIT compiler and GC threads included (which no Java API shows), from Linux's
 * {@code /proc/self/task}: where a phase's CPU went, by thread name with digits folded ({@code GC Thread#N}).
 * Elsewhere it reports nothing.
 */
final class ThreadCpu {

    /** USER_HZ: Linux reports thread times in these ticks, 100 per second on every common platform. */
    private static final long TICKS_PER_SECOND = 100;

    private final Map<String, Long> ticksAtStart;

    private ThreadCpu() {
        this.ticksAtStart = ticksByThread();
    }

    static ThreadCpu start() {
        return new ThreadCpu();
    }

    /** @return {@code name=ms,name=ms,...} of the thread groups that used the most CPU since the start, highest first */
    String stop(int top) {
        return format(usedByGroup(), top);
    }

    /** @return CPU milliseconds used since the start by each thread group (digits folded), all threads together under "" */
    Map<String, Long> usedByGroup() {
        Map<String, Long> ticks = ticksByThread();
        Map<String, Long> byGroup = new HashMap<>();
        ticks.forEach((thread, now) -> {
            long used = (now - ticksAtStart.getOrDefault(thread, 0L)) * 1000 / TICKS_PER_SECOND;
            String group = thread.substring(thread.indexOf(' ') + 1).replaceAll("[0-9]+", "N").replace(',', ' ').replace('=', ' ');
            byGroup.merge(group, used, Long::sum);
            byGroup.merge("", used, Long::sum);
        });
        return byGroup;
    }

    /** JIT compiler threads are named "C1 CompilerThread0", "C2 CompilerThread1" ("CN CompilerThre" once cut and folded). */
    static long compilerMillis(Map<String, Long> byGroup) {
        return byGroup.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre")).mapToLong(Map.Entry::getValue).sum();
    }

    static String format(Map<String, Long> byGroup, int top) {
        return byGroup.entrySet().stream().filter(e -> e.getValue() > 0 && !e.getKey().isEmpty())
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top).map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /** tid + " " + name to user + system ticks. */
    private static Map<String, Long> ticksByThread() {
        Map<String, Long> ticks = new LinkedHashMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return ticks;
        }
        try (Stream<Path> threads = Files.list(tasks)) {
            threads.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(stat.indexOf('(') + 1, close);
                    String[] fields = stat.substring(close + 2).split(" ");
                    // fields[0] is field 3 (state): utime is field 14, stime field 15
                    ticks.put(task.getFileName() + " " + name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
                } catch (IOException | RuntimeException ended) {
                    // the thread ended meanwhile
                }
            });
        } catch (IOException e) {
            return ticks;
        }
        return ticks;
    }
}
