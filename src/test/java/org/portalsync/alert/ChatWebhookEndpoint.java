package org.portalsync.alert;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

/** A local HTTP endpoint standing in for a chat tool's incoming webhook: keeps each body POSTed to it, answers 200 (or what it is told). */
public final class ChatWebhookEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private volatile int status = 200;

    public ChatWebhookEndpoint() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hooks/portal-sync-T0K3N", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                int answer = status;
                if (answer == 200 && "POST".equals(exchange.getRequestMethod())) {
                    bodies.add(body);
                }
                exchange.sendResponseHeaders(answer, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** The webhook's URL, with its token in the path as chat tools issue them. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/portal-sync-T0K3N";
    }

    /** The bodies taken (answered 200), in order. */
    public List<String> bodies() {
        return List.copyOf(bodies);
    }

    /** Answers every later POST with this status (200 takes them again). */
    public void answer(int status) {
        this.status = status;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
