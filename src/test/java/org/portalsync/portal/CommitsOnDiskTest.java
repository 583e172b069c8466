package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

class CommitsOnDiskTest {

    /**
     * Callers that commit one by one, as webhooks arrive, share checkpoints: no two start closer than the interval,
     * and each caller still returns once a checkpoint that began after its commit is done.
     */
    @Test
    void callersArrivingOneByOneShareCheckpointsNoCloserThanTheInterval() throws Exception {
        JdbcDataSource dataSource = h2File();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE acknowledged (id INT)");
        }
        Duration interval = Duration.ofMillis(50);
        CommitsOnDisk commitsOnDisk = new CommitsOnDisk(dataSource, true, interval);
        int callers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        long started = System.nanoTime();
        long until = started + Duration.ofMillis(600).toNanos();
        List<Future<Integer>> awaited = new ArrayList<>();
        for (int caller = 0; caller < callers; caller++) {
            awaited.add(pool.submit(() -> {
                int count = 0;
                try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                    while (System.nanoTime() < until) {
                        statement.execute("INSERT INTO acknowledged VALUES (" + count + ")");
                        commitsOnDisk.await();
                        count++;
                    }
                }
                return count;
            }));
        }
        int returned = 0;
        for (Future<Integer> each : awaited) {
            returned += each.get();
        }
        long elapsed = System.nanoTime() - started;
        pool.shutdown();

        assertThat(commitsOnDisk.checkpoints()).as("checkpoints in %d ms", elapsed / 1_000_000)
                .isPositive().isLessThanOrEqualTo(elapsed / interval.toNanos() + 1);
        assertThat(returned).as("commits acknowledged, each after a checkpoint").isGreaterThan((int) commitsOnDisk.checkpoints());
    }

    /** A caller that gathered its acknowledgements itself (the MLLP writer's batch) gets its checkpoint at once. */
    @Test
    void aBatchsCheckpointDoesNotWaitOutTheInterval() throws Exception {
        JdbcDataSource dataSource = h2File();
        CommitsOnDisk commitsOnDisk = new CommitsOnDisk(dataSource, true, Duration.ofSeconds(20));
        long started = System.nanoTime();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE acknowledged (id INT)");
            for (int batch = 0; batch < 3; batch++) {
                statement.execute("INSERT INTO acknowledged VALUES (" + batch + ")");
                commitsOnDisk.awaitBatch();
            }
        }
        assertThat(commitsOnDisk.checkpoints()).isEqualTo(3);
        // waiting out the 20 s interval would show: two of those waits
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    private static JdbcDataSource h2File() throws java.io.IOException {
        Path dir = Files.createDirectories(Path.of("target/commits-on-disk-" + System.nanoTime()).toAbsolutePath());
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:file:" + dir.resolve("db"));
        dataSource.setUser("sa");
        return dataSource;
    }

    @Test
    void aDatabaseThatNeedsNoCheckpointIsNeverAsked() {
        CommitsOnDisk commitsOnDisk = new CommitsOnDisk(null, false, Duration.ofMillis(50));
        commitsOnDisk.await();
        assertThat(commitsOnDisk.checkpoints()).isZero();
    }
}
