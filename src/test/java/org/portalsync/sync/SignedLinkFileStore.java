package org.portalsync.sync;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.hl7.fhir.r4.model.Binary;
import org.portalsync.sandbox.SandboxEhr;

/**
 * A file store on its own origin that serves Bulk Data export files by signed link, without an access token (as
 * the object stores many EHRs export to do). {@link #takeFilesOf} moves a manifest's files from the sandbox into
 * the store and rewrites the manifest to point at them with {@code requiresAccessToken: false}. Records every
 * {@code Authorization} header it is sent.
 */
final class SignedLinkFileStore implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final List<String> authorizationHeaders = new CopyOnWriteArrayList<>();
    private final AtomicInteger served = new AtomicInteger();

    SignedLinkFileStore() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/signed/", exchange -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null) {
                authorizationHeaders.add(authorization);
            }
            byte[] file = files.get(exchange.getRequestURI().getPath());
            if (file == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                served.incrementAndGet();
                exchange.getResponseHeaders().add("Content-Type", "application/fhir+ndjson");
                exchange.sendResponseHeaders(200, file.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(file);
                }
            }
            exchange.close();
        });
        server.start();
    }

    /** The manifest with every file moved here: links to this store, {@code requiresAccessToken: false}. */
    String takeFilesOf(String manifestJson) {
        try {
            ObjectNode manifest = (ObjectNode) JSON.readTree(manifestJson);
            for (JsonNode output : manifest.path("output")) {
                String url = output.path("url").asText();
                String binaryId = url.substring(url.indexOf("/Binary/") + "/Binary/".length());
                Binary binary = SandboxEhr.shared().adminClient().read().resource(Binary.class).withId(binaryId).execute();
                String path = "/signed/" + UUID.randomUUID();
                files.put(path, binary.getContent());
                ((ObjectNode) output).put("url", "http://127.0.0.1:" + server.getAddress().getPort() + path + "?signature=" + UUID.randomUUID());
            }
            manifest.put("requiresAccessToken", false);
            return JSON.writeValueAsString(manifest);
        } catch (IOException e) {
            throw new IllegalStateException("not a manifest", e);
        }
    }

    int served() {
        return served.get();
    }

    List<String> authorizationHeaders() {
        return List.copyOf(authorizationHeaders);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
