package org.portalsync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the whole machine's CPU went during a phase, beside {@link ThreadCpu}'s view of this JVM: all cores' busy time
 * from Linux's {@code /proc/stat}, and the CPU of the processes of one name (e.g. {@code postgres}: the embedded
 * database's server processes, which no Java API shows) from {@code /proc/<pid>/stat}. A process that ended during the
 * phase is not counted. Elsewhere than Linux it reports nothing (-1).
 */
final class MachineCpu {

    /** USER_HZ, as in {@link ThreadCpu}. */
    private static final long TICKS_PER_SECOND = 100;

    private final String processName;
    private final long[] machineAtStart;
    private final long processAtStart;

    private MachineCpu(String processName) {
        this.processName = processName;
        this.machineAtStart = machineTicks();
        this.processAtStart = processTicks(processName);
    }

    /** @param processName the command name ({@code comm}) of the processes to count apart, e.g. {@code postgres} */
    static MachineCpu start(String processName) {
        return new MachineCpu(processName);
    }

    /** @return busy CPU milliseconds of all cores since the start (user, nice, system, irq, softirq, steal), or -1 */
    long busyMillis() {
        long[] now = machineTicks();
        return now == null || machineAtStart == null ? -1 : (now[0] - machineAtStart[0]) * 1000 / TICKS_PER_SECOND;
    }

    /** @return busy share of all cores since the start, 0 to 1, or -1 */
    double busyShare() {
        long[] now = machineTicks();
        if (now == null || machineAtStart == null || now[1] == machineAtStart[1]) {
            return -1;
        }
        return (double) (now[0] - machineAtStart[0]) / (now[1] - machineAtStart[1]);
    }

    /** @return CPU milliseconds the named processes used since the start, or -1 */
    long processMillis() {
        long now = processTicks(processName);
        return now < 0 || processAtStart < 0 ? -1 : (now - processAtStart) * 1000 / TICKS_PER_SECOND;
    }

    /** {busy, total} ticks of the "cpu" line, or null. */
    private static long[] machineTicks() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            long total = 0;
            // user nice system idle iowait irq softirq steal (guest time is inside user already)
            for (int i = 1; i <= 8 && i < cpu.length; i++) {
                long ticks = Long.parseLong(cpu[i]);
                total += ticks;
                if (i != 4 && i != 5) {
                    busy += ticks;
                }
            }
            return new long[] {busy, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long processTicks(String name) {
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc)) {
            return -1;
        }
        long ticks = 0;
        try (Stream<Path> entries = Files.list(proc)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                if (entry.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    ticks += ticksIfNamed(entry.resolve("stat"), name);
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks;
    }

    /** utime + stime of one process whose comm (in parentheses, may hold spaces) is the name; 0 otherwise or if it ended. */
    private static long ticksIfNamed(Path stat, String name) {
        try {
            String line = Files.readString(stat);
            int open = line.indexOf('(');
            int close = line.lastIndexOf(')');
            if (open < 0 || close < open || !line.substring(open + 1, close).equals(name)) {
                return 0;
            }
            // after the comm: state is field 3; utime and stime are fields 14 and 15
            String[] fields = line.substring(close + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
