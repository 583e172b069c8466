package org.portalsync.alert;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A channel refused a notice: said once per try, with a text that quotes no address ({@link SafeFailureText}); it is tried again. */
public final class LogAlertChannelFailure implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.alert");

    @Override
    public void process(Exchange exchange) {
        AlertNotice notice = exchange.getProperty(PrepareAlertMessage.NOTICE, AlertNotice.class);
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.warn("The {} channel did not take the {} notice of {} {} ({}); tried again next run", notice.channel(), notice.notice(),
                notice.kind(), notice.alertId() == null ? "(held in memory)" : "alert #" + notice.alertId(), SafeFailureText.of(failure));
    }
}
