package org.portalsync.webhook;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;

/**
 * Holds a webhook's answer until the notification's commit is on disk (on an H2 file database, the checkpoint it
 * shares with every answer waiting beside it; PostgreSQL's commit is on disk already). The route hands the
 * notification's resources over before this step, so that syncing them does not wait for the disk: only the 202 does,
 * which the EHR takes as "stored" (routes/webhooks.yaml).
 */
public final class AwaitCommitsOnDisk implements Processor {

    private final PortalDatabase database;

    public AwaitCommitsOnDisk(PortalDatabase database) {
        this.database = database;
    }

    @Override
    public void process(Exchange exchange) {
        database.awaitCommitsOnDisk();
    }
}
