package org.portalsync.writeback;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.api.ApiResponses;
import org.portalsync.authority.AuthorityRules;

/** Answers {@code GET /api/v1/authority}: the authority matrix the engine enforces, as loaded from config/authority.yaml. */
public final class ServeAuthorityMatrix implements Processor {

    private final AuthorityRules rules;

    public ServeAuthorityMatrix(AuthorityRules rules) {
        this.rules = rules;
    }

    @Override
    public void process(Exchange exchange) {
        ApiResponses.json(exchange, 200, rules.matrix().toJson());
    }
}
