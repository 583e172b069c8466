package org.portalsync.alert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * POSTs the JSON body to the chat webhook. Its URL carries the chat tool's token, so it is a secret:
 * it is kept here rather than in an endpoint URI (which Camel lists and logs), and no error names it.
 * Only a 2xx answer counts as taken.
 */
public final class PostAlertWebhook implements Processor {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient http;
    private final URI url;

    public PostAlertWebhook(HttpClient http, String url) {
        this.http = http;
        this.url = url.isEmpty() ? null : URI.create(url);
    }

    @Override
    public void process(Exchange exchange) {
        if (url == null) {
            throw new AlertChannelException("chat webhook: no portal-sync.alert.webhook.url is set");
        }
        HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(exchange.getMessage().getBody(String.class))).build();
        HttpResponse<Void> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new AlertChannelException("chat webhook unreachable (" + e.getClass().getSimpleName() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AlertChannelException("interrupted while posting to the chat webhook", e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new AlertChannelException("chat webhook answered HTTP " + response.statusCode());
        }
    }
}
