package org.portalsync.alert;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves dead letters kept in the local journal (written while the portal database was down) into
 * the dead-letter table, where alerts, the digest and the re-sync pick them up. While the database
 * is still down it leaves them in place and says so once, not at every run.
 */
public final class ImportDeadLetterJournal implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ImportDeadLetterJournal.class);

    private final DeadLetterJournal journal;
    private final DeadLetterStore deadLetters;
    private volatile boolean waitingLogged;

    public ImportDeadLetterJournal(DeadLetterJournal journal, DeadLetterStore deadLetters) {
        this.journal = journal;
        this.deadLetters = deadLetters;
    }

    @Override
    public void process(Exchange exchange) {
        if (!journal.hasEntries()) {
            return;
        }
        try {
            int imported = journal.importInto(deadLetters);
            waitingLogged = false;
            LOG.info("Imported {} dead letters from the local journal into the portal database", imported);
            exchange.getMessage().setBody(imported);
        } catch (RuntimeException stillDown) {
            if (!waitingLogged) {
                waitingLogged = true;
                LOG.warn("Dead letters wait in the local journal until the portal database can be written ({})",
                        stillDown.getClass().getSimpleName());
            }
        }
    }
}
