package org.portalsync.api;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.VertxInternal;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The Vert.x that the engine's HTTP servers (API, console, webhooks, management) run on, bound in Camel's registry where
 * Camel's platform-http server looks for one. Its HTTP servers do not take the HTTP/2 upgrade of a plain-HTTP
 * connection (h2c), which Camel's server leaves on with no option: a client asking for it (the JDK's HttpClient does
 * by default) got a garbled answer about once in 600 requests and once none at all. Refused, the client goes on in
 * HTTP/1.1; over TLS, HTTP/2 is negotiated by ALPN as before.
 */
public final class Http1OnlyVertx extends ServiceSupport {

    private final Vertx vertx = Vertx.vertx();
    private final Vertx withoutUpgrade = (Vertx) Proxy.newProxyInstance(Http1OnlyVertx.class.getClassLoader(),
            new Class<?>[] {VertxInternal.class}, (proxy, method, args) -> {
                if (method.getName().equals("createHttpServer") && args != null && args.length == 1
                        && args[0] instanceof HttpServerOptions options) {
                    options.setHttp2ClearTextEnabled(false);
                }
                try {
                    return method.invoke(vertx, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });

    /** Binds it before the servers are made; Camel closes it after them (a service added now stops after the servers). */
    public static void bind(CamelContext camel) throws Exception {
        Http1OnlyVertx service = new Http1OnlyVertx();
        camel.getRegistry().bind("vertx", Vertx.class, service.withoutUpgrade);
        camel.addService(service, true, true);
    }

    @Override
    protected void doStop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
