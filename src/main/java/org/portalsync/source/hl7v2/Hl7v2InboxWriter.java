package org.portalsync.source.hl7v2;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.Service;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalDatabaseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for the MLLP listener: each connection's thread hands its read and mapped message to this one writer
 * and waits; the writer stores whatever is waiting (up to {@link #MAX_BATCH} messages) in one transaction, JDBC
 * batches and one commit for all, and only then releases each connection to send its ACK. A lone sender waits for
 * nothing but its own commit; under load, a commit serves every connection that sent meanwhile, which is what lets
 * the listener keep up with many connections on few cores (README "HL7 v2 over MLLP").
 *
 * <p>Every guarantee of one transaction per message stays: nothing is answered before its commit; each message's
 * audit row and its count in the digest commit with it; a control id sent twice, even twice in one batch, is stored
 * once. When a batch fails for something one message holds (a constraint, a value the database refuses), the batch is
 * rolled back and its messages are stored again one transaction each, so that only that message is refused. When
 * the database cannot be reached, every waiting message is refused: none was stored.
 */
public final class Hl7v2InboxWriter implements Service {

    /** Most messages in one transaction: bounds a batch's locks and the work repeated if it has to be split. */
    static final int MAX_BATCH = 100;
    /** Longest a connection waits for its commit (the database's connection timeout is far shorter). */
    private static final long MAX_WAIT_SECONDS = 120;

    private static final Logger LOG = LoggerFactory.getLogger(Hl7v2InboxWriter.class);

    private record Waiting(Hl7v2Intake.Arrival arrival, CompletableFuture<Optional<Long>> stored) {
    }

    /** Put in the queue to stop the writer once it has written what came before. */
    private static final Waiting STOP = new Waiting(null, null);

    private final Hl7v2Intake intake;
    private final PortalDatabase database;
    private final BlockingQueue<Waiting> queue = new LinkedBlockingQueue<>();
    private volatile Thread thread;

    public Hl7v2InboxWriter(Hl7v2Intake intake, PortalDatabase database) {
        this.intake = intake;
        this.database = database;
    }

    /**
     * Stores a message with those that wait beside it and returns once it is committed.
     *
     * @return its inbox id, or empty when its sender's control id is stored already
     * @throws RuntimeException the database's failure: the message is not stored
     */
    public Optional<Long> store(Hl7v2Intake.Arrival arrival) {
        Waiting waiting = new Waiting(arrival, new CompletableFuture<>());
        startIfStopped();
        queue.add(waiting);
        try {
            return waiting.stored().get(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the message was being stored", e);
        } catch (TimeoutException e) {
            // the batch may still commit: the sender's retry of it is then answered as a duplicate, AA
            throw new IllegalStateException("the message was not stored within " + MAX_WAIT_SECONDS + " s", e);
        }
    }

    /** Messages handed over and not yet taken into a batch. */
    public int waiting() {
        return queue.size();
    }

    @Override
    public synchronized void start() {
        if (thread == null) {
            Thread writer = new Thread(this::run, "hl7v2-inbox-writer");
            writer.setDaemon(true);
            thread = writer;
            writer.start();
        }
    }

    private void startIfStopped() {
        if (thread == null) {
            start();
        }
    }

    /**
     * Lets the writer finish the batch it writes, then stop. Not by an interrupt: H2 closes its file when a thread
     * writing it is interrupted.
     */
    @Override
    public synchronized void stop() {
        if (thread != null) {
            thread = null;
            queue.add(STOP);
        }
    }

    private void run() {
        List<Waiting> batch = new ArrayList<>(MAX_BATCH);
        boolean stopping = false;
        while (!stopping) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            // whatever else is waiting: no added delay for a lone sender
            queue.drainTo(batch, MAX_BATCH - 1);
            stopping = batch.remove(STOP);
            if (batch.isEmpty()) {
                continue;
            }
            try {
                write(batch);
            } catch (RuntimeException | Error e) {
                LOG.error("HL7 v2 inbox writer failed ({}); {} messages refused", e.getClass().getSimpleName(), batch.size());
                batch.forEach(w -> w.stored().completeExceptionally(e));
            }
            batch.clear();
        }
        // stopped: whoever still waits is refused, never left hanging
        List<Waiting> left = new ArrayList<>();
        queue.drainTo(left);
        left.remove(STOP);
        IllegalStateException stopped = new IllegalStateException("the HL7 v2 listener is stopping");
        left.forEach(w -> w.stored().completeExceptionally(stopped));
    }

    private void write(List<Waiting> batch) {
        List<Optional<Long>> ids;
        try {
            ids = database.inDurableBatch(connection -> intake.storeAll(connection, batch.stream().map(Waiting::arrival).toList()));
        } catch (RuntimeException e) {
            if (batch.size() == 1 || PortalDatabaseException.unreachable(e)) {
                batch.forEach(w -> w.stored().completeExceptionally(e));
            } else {
                LOG.info("HL7 v2 batch of {} messages not stored ({}); storing them one by one", batch.size(), e.getClass().getSimpleName());
                batch.forEach(this::writeAlone);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).stored().complete(ids.get(i));
        }
    }

    private void writeAlone(Waiting waiting) {
        try {
            waiting.stored().complete(database.inDurableBatch(connection -> intake.storeAll(connection, List.of(waiting.arrival())).get(0)));
        } catch (RuntimeException e) {
            waiting.stored().completeExceptionally(e);
        }
    }
}
