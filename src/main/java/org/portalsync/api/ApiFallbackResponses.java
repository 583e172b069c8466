package org.portalsync.api;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.portalsync.alert.SafeFailureText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers the HTTP server gives before a route is involved, in the API's JSON form and each with
 * its audit row: 404 for a path no route serves, 405 (with {@code Allow}) for a method the path's
 * routes do not take, 413 for a body over {@code portal-sync.api.max-body-bytes} (the server counts
 * the bytes as they arrive, whatever Content-Length says, and stops reading), and any other failure
 * of the server itself. Installed on the platform-http router as its last route, so every API route
 * is tried first. And, before any route, 503 with {@code Retry-After} while the engine starts or
 * stops: its routes join and leave the server one by one then (a path not yet served was answered
 * 404, which an EHR's webhook takes for a wrong URL, and a route being shut down answers 503 with
 * neither body nor Retry-After), so that the client sends it again instead of dropping it.
 */
final class ApiFallbackResponses {

    private static final Logger LOG = LoggerFactory.getLogger(ApiFallbackResponses.class);
    private static final Pattern PATH_PARAMETER = Pattern.compile(":[A-Za-z0-9_]+");

    /** Seconds a client is asked to wait while the engine starts or stops: its routes take well under one. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final Router router;
    private final ApiAudit audit;
    private final int maxBodyBytes;
    private final BooleanSupplier engineStarted;
    private Route fallback;

    ApiFallbackResponses(Router router, ApiAudit audit, int maxBodyBytes, BooleanSupplier engineStarted) {
        this.router = router;
        this.audit = audit;
        this.maxBodyBytes = maxBodyBytes;
        this.engineStarted = engineStarted;
    }

    void install() {
        router.route().order(Integer.MIN_VALUE).handler(this::unlessStarted);
        fallback = router.route().last().handler(this::noRoute).failureHandler(this::failed);
    }

    private void unlessStarted(RoutingContext context) {
        if (engineStarted.getAsBoolean()) {
            context.next();
            return;
        }
        // the body is not read: the connection cannot carry another request
        context.response().putHeader("Retry-After", RETRY_AFTER_SECONDS).putHeader("Connection", "close");
        answer(context, 503, "unavailable", "The engine is starting or stopping; try again in a moment.", null);
    }

    private void noRoute(RoutingContext context) {
        Set<String> allowed = allowedMethods(context.normalizedPath());
        if (allowed.isEmpty()) {
            answer(context, new ApiRefusal(404, "not_found", "No API endpoint has this path."));
        } else {
            String allow = String.join(", ", allowed);
            context.response().putHeader("Allow", allow);
            answer(context, new ApiRefusal(405, "method_not_allowed", "This endpoint takes " + allow + "."));
        }
    }

    private void failed(RoutingContext context) {
        int status = context.statusCode() < 400 ? 500 : context.statusCode();
        if (context.response().headWritten()) {
            // a route's answer was being written when the connection failed: it was audited by the route
            LOG.warn("API answer to {} {} was cut short: {}", context.request().method(), context.normalizedPath(),
                    SafeFailureText.of(context.failure()));
            if (!context.response().ended()) {
                context.response().reset();
            }
            return;
        }
        switch (status) {
            case 413 -> {
                // the rest of the body is not read: the connection cannot carry another request
                context.response().putHeader("Connection", "close");
                answer(context, ApiRefusal.payloadTooLarge(maxBodyBytes));
            }
            case 400 -> answer(context, ApiRefusal.badRequest("The request is not valid HTTP."));
            case 415 -> answer(context, ApiRefusal.unsupportedMediaType());
            default -> {
                if (status >= 500) {
                    answer(context, status, "internal_error", ApiResponses.INTERNAL_ERROR, SafeFailureText.of(context.failure()));
                } else {
                    answer(context, new ApiRefusal(status, "bad_request", "The request was refused."));
                }
            }
        }
    }

    private void answer(RoutingContext context, ApiRefusal refusal) {
        answer(context, refusal.status(), refusal.code(), refusal.getMessage(), null);
    }

    /** Writes the audit row (off the event loop: it is a database write), then the answer. */
    private void answer(RoutingContext context, int status, String code, String message, String logged) {
        String method = context.request().method().name();
        String path = context.normalizedPath();
        String peer = context.request().remoteAddress() == null ? null : context.request().remoteAddress().hostAddress();
        if (logged != null) {
            LOG.error("API request {} {} failed in the HTTP server: {}", method, path, logged);
        }
        context.vertx().executeBlocking(() -> {
            audit.record(ApiHeaders.ANONYMOUS, method, path, peer, status);
            return null;
        }, false).onComplete(done -> {
            if (!context.response().ended()) {
                context.response().setStatusCode(status).putHeader("Content-Type", ApiResponses.JSON)
                        .end(Buffer.buffer(ApiResponses.bytes(ApiResponses.errorBody(code, message))));
            }
        });
    }

    /** The methods the routes on this path take; empty when no route serves the path. */
    private Set<String> allowedMethods(String path) {
        Set<String> names = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            if (route != fallback && route.getPath() != null && route.methods() != null && matches(route, path)) {
                route.methods().forEach(method -> names.add(method.name()));
            }
        }
        return names;
    }

    /** Vert.x path syntax: {@code /a/:id/b}, exact unless it ended with '*' (kept as prefix). */
    static boolean matches(Route route, String path) {
        String template = route.getPath();
        StringBuilder regex = new StringBuilder();
        Matcher parameter = PATH_PARAMETER.matcher(template);
        int at = 0;
        while (parameter.find()) {
            regex.append(Pattern.quote(template.substring(at, parameter.start()))).append("[^/]+");
            at = parameter.end();
        }
        regex.append(Pattern.quote(template.substring(at)));
        String pattern = regex + (route.isExactPath() ? "/?" : ".*");
        return path.matches(pattern);
    }
}
