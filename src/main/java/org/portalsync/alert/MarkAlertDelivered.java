package org.portalsync.alert;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.metrics.SyncMetrics;

/** Records that the channel took the notice: only now, after the channel accepted it, does it count as sent. */
public final class MarkAlertDelivered implements Processor {

    private final AlertDeliveries deliveries;
    private final DatabaseOutage outage;
    private final Clock clock;
    private final SyncMetrics metrics;

    public MarkAlertDelivered(AlertDeliveries deliveries, DatabaseOutage outage, Clock clock, SyncMetrics metrics) {
        this.deliveries = deliveries;
        this.outage = outage;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public void process(Exchange exchange) {
        AlertNotice notice = exchange.getProperty(PrepareAlertMessage.NOTICE, AlertNotice.class);
        if (notice.alertId() == null) {
            outage.delivered(notice);
        } else {
            deliveries.delivered(notice, clock.instant());
        }
        metrics.alertSent(notice.kind().name(), notice.channel(), notice.notice().name());
    }
}
