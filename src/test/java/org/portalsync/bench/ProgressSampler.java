package org.portalsync.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

import javax.sql.DataSource;

/**
 * Counts the portal's patient rows every 100 ms while a sync runs, so that the benchmark can give
 * the rate per tenth of the run: a sync that slows down as it goes (a scan that grows with the
 * table) shows as a falling rate, which one total time hides. Its own connection and one cheap
 * query per sample: the highest id, read from the primary key's index. A {@code COUNT(*)} scans the table,
 * and ten of them a second took 9 s of the engine's CPU at 100,000 patients. On the benchmark's fresh
 * database the ids are the rows in the order they were written.
 */
final class ProgressSampler {

    private record Sample(long nanos, long rows) {
    }

    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private final long started;
    private volatile boolean running = true;

    private ProgressSampler(DataSource database) {
        started = System.nanoTime();
        thread = new Thread(() -> {
            try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
                while (running) {
                    try (ResultSet count = statement.executeQuery("SELECT COALESCE(MAX(id), 0) FROM portal_patient")) {
                        count.next();
                        synchronized (samples) {
                            samples.add(new Sample(System.nanoTime() - started, count.getLong(1)));
                        }
                    }
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                System.err.println("progress sampling stopped: " + e);
            }
        }, "bench-progress");
        thread.setDaemon(true);
    }

    static ProgressSampler start(DataSource database) {
        ProgressSampler sampler = new ProgressSampler(database);
        sampler.thread.start();
        return sampler;
    }

    /**
     * @param rows  the rows at the end
     * @param nanos the run's whole time
     * @return records per second in each tenth of {@code rows}, comma-separated, for the RESULT line
     */
    String stop(long rows, long nanos) throws InterruptedException {
        running = false;
        thread.join();
        List<Sample> all;
        synchronized (samples) {
            all = new ArrayList<>(samples);
        }
        all.add(new Sample(nanos, rows));
        StringJoiner rates = new StringJoiner(",");
        double previous = 0;
        for (int tenth = 1; tenth <= 10; tenth++) {
            double reachedAt = timeOf(all, rows * tenth / 10.0);
            double seconds = (reachedAt - previous) / 1e9;
            rates.add(String.format(Locale.ROOT, "%.0f", seconds <= 0 ? 0 : rows / 10.0 / seconds));
            previous = reachedAt;
        }
        return rates.toString();
    }

    /** When the count first reached {@code target}, interpolated between the two samples around it. */
    private static double timeOf(List<Sample> samples, double target) {
        Sample before = new Sample(0, 0);
        for (Sample sample : samples) {
            if (sample.rows() >= target) {
                if (sample.rows() == before.rows()) {
                    return sample.nanos();
                }
                return before.nanos() + (sample.nanos() - before.nanos()) * (target - before.rows()) / (sample.rows() - before.rows());
            }
            before = sample;
        }
        return before.nanos();
    }
}
