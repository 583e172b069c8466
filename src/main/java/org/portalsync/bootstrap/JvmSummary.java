package org.portalsync.bootstrap;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * One line on the JVM the engine runs in, for the start-up log: what an operator checks first when a
 * benchmark or a host behaves unlike another (its version, heap cap and JIT compilers, which
 * {@code config/jvm.options} sets). Names no option values but these, so nothing secret passed as
 * {@code -D} reaches the log.
 */
final class JvmSummary {

    private JvmSummary() {
    }

    static String describe() {
        return "Java " + Runtime.version() + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB, JIT " + compilers();
    }

    /** @return which of HotSpot's compilers run: "C1 only", "C1 and C2", "C2 only", "none (interpreter only)", or "unknown" on another JVM */
    static String compilers() {
        HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (hotSpot == null) {
            return "unknown";
        }
        if (!Boolean.parseBoolean(hotSpot.getVMOption("TieredCompilation").getValue())) {
            return "C2 only";
        }
        int highestTier = Integer.parseInt(hotSpot.getVMOption("TieredStopAtLevel").getValue());
        return highestTier == 0 ? "none (interpreter only)" : highestTier < 4 ? "C1 only" : "C1 and C2";
    }
}
