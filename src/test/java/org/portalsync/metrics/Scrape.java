package org.portalsync.metrics;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.Callable;

import org.portalsync.testing.TestHttp;

/** One scrape of the engine's {@code /observe/metrics}, as Prometheus reads it. */
public record Scrape(String text) {

    public static Scrape of(String managementBaseUrl) throws Exception {
        HttpResponse<String> response = TestHttp.client().send(HttpRequest.newBuilder(URI.create(managementBaseUrl + "/observe/metrics"))
                .timeout(TestHttp.REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("/observe/metrics answered " + response.statusCode());
        }
        return new Scrape(response.body());
    }

    /** The sample of this series, e.g. {@code portal_sync_records_synced_total} with {@code outcome=created}; 0 when absent. */
    public double value(String name, Map<String, String> labels) {
        double found = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name + "{")) {
                continue;
            }
            String labelPart = line.substring(name.length() + 1, line.lastIndexOf('}'));
            if (labels.entrySet().stream().allMatch(label -> labelPart.contains(label.getKey() + "=\"" + label.getValue() + "\""))) {
                found += Double.parseDouble(line.substring(line.lastIndexOf('}') + 1).trim().split(" ")[0]);
            }
        }
        return found;
    }

    public static void await(Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!answered(condition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 60 s");
            }
            Thread.sleep(100);
        }
    }

    /** A scrape that timed out is asked again, as Prometheus does at its next interval. */
    private static boolean answered(Callable<Boolean> condition) throws Exception {
        try {
            return condition.call();
        } catch (java.net.http.HttpTimeoutException e) {
            return false;
        }
    }
}
