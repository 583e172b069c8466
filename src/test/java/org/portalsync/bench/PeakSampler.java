package org.portalsync.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** The largest value a reading took during a benchmark phase, read at a fixed period in a background thread. */
final class PeakSampler {

    private final LongSupplier reading;
    private final AtomicLong peak;
    private final Thread sampler;
    private volatile boolean running = true;

    private PeakSampler(String name, long periodMillis, LongSupplier reading) {
        this.reading = reading;
        this.peak = new AtomicLong(reading.getAsLong());
        sampler = new Thread(() -> {
            while (running) {
                peak.accumulateAndGet(reading.getAsLong(), Math::max);
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, name);
        sampler.setDaemon(true);
        sampler.start();
    }

    static PeakSampler start(String name, long periodMillis, LongSupplier reading) {
        return new PeakSampler(name, periodMillis, reading);
    }

    /** Stops sampling; the peak, a last reading included. */
    long stop() {
        running = false;
        sampler.interrupt();
        try {
            sampler.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return peak.accumulateAndGet(reading.getAsLong(), Math::max);
    }
}
