package org.portalsync.source.hl7v2;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Reads the mapping folder again ({@link Hl7v2Mappings#rescan}): the reload route's step. */
public final class RescanHl7v2Mappings implements Processor {

    private final Hl7v2Mappings mappings;

    public RescanHl7v2Mappings(Hl7v2Mappings mappings) {
        this.mappings = mappings;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getMessage().setBody(mappings.rescan());
    }
}
