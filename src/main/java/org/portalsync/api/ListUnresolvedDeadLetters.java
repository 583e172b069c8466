package org.portalsync.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.DeadLetterStore;

/**
 * Answers {@code GET /api/v1/dead-letters}: the dead letters that are open or wait for an operator,
 * oldest first, at most {@code limit} (default 100, up to 1000), with how many there are in all.
 * Each names its route, record and cause; its payload (the record itself, PHI) stays in the table.
 */
public final class ListUnresolvedDeadLetters implements Processor {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final DeadLetterStore deadLetters;

    public ListUnresolvedDeadLetters(DeadLetterStore deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public void process(Exchange exchange) {
        int limit = ApiQuery.of(exchange, Set.of("limit")).integer("limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
        long total = deadLetters.countUnresolved();
        List<Map<String, Object>> letters = deadLetters.unresolved(limit).stream().map(ListUnresolvedDeadLetters::json).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", total);
        body.put("dead_letters", letters);
        ApiResponses.json(exchange, 200, body);
    }

    private static Map<String, Object> json(DeadLetterStore.Unresolved letter) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", letter.id());
        json.put("route", letter.routeId());
        json.put("source", letter.source());
        json.put("record", letter.record());
        json.put("cause_type", letter.causeType());
        json.put("cause_message", letter.cause());
        json.put("status", letter.status());
        json.put("failed_at", letter.failedAt() == null ? null : letter.failedAt().toString());
        return json;
    }
}
