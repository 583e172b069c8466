package org.portalsync.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * Heap use of this JVM during one benchmark phase: a {@link System#gc()} and a baseline before it,
 * then used heap sampled every 50 ms in a background thread, plus the heap pools' own peak
 * counters (reset at the start), which also catch what falls between two samples. Also the CPU time the
 * whole JVM spent in the phase (every thread, GC and JIT included): unlike wall time, it hardly grows when
 * other work shares the machine, so it compares two builds on a noisy machine.
 */
final class HeapSampler {

    private static final long MIB = 1024 * 1024;

    private final long baseline;
    private final long cpuAtStart;
    private final PeakSampler sampledPeak;

    private HeapSampler() {
        System.gc();
        this.baseline = used();
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
        cpuAtStart = processCpuNanos();
        sampledPeak = PeakSampler.start("bench-heap-sampler", 50, HeapSampler::used);
    }

    static HeapSampler start() {
        return new HeapSampler();
    }

    /** Ends the phase. */
    Result stop() {
        long cpu = processCpuNanos() - cpuAtStart;
        long peak = Math.max(baseline, sampledPeak.stop());
        long poolPeaks = heapPools().stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
        return new Result(baseline / MIB, peak / MIB, poolPeaks / MIB, Runtime.getRuntime().maxMemory() / MIB, cpu / 1_000_000);
    }

    /** CPU time of this JVM so far, every thread; -1 where the platform does not say. */
    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    private static long used() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(pool -> pool.getType() == MemoryType.HEAP).toList();
    }

    /**
     * All in MiB.
     *
     * @param baseline  used heap after the GC before the phase
     * @param sampled   highest used heap seen by the 50 ms sampler
     * @param poolPeaks sum of the heap pools' peak counters over the phase (an upper bound: pools peak at different moments)
     * @param max       the JVM's maximum heap
     * @param cpuMillis CPU time of the whole JVM during the phase, in milliseconds
     */
    record Result(long baseline, long sampled, long poolPeaks, long max, long cpuMillis) {

        long peak() {
            return Math.max(sampled, poolPeaks);
        }

        String toLine() {
            return "baselineMiB=" + baseline + " sampledPeakMiB=" + sampled + " poolPeaksMiB=" + poolPeaks + " maxHeapMiB=" + max + " cpuMillis=" + cpuMillis;
        }
    }
}
