package dev.aio4j.samples.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 and an ephemeral port (the JDK's
 * {@code com.sun.net.httpserver.HttpServer}) that the samples talk to instead of the internet.
 * Each route computes a {@link Response} and sends it after the response's delay, which stands
 * for a slow remote server. It also counts how many requests it is answering at once, so that a
 * sample can show that its requests really overlapped.
 *
 * <p>Requests are answered on the server's own pool of platform threads, one per request in
 * flight, never on a loop's thread. {@link #close()} stops the server, interrupts the requests
 * still waiting out their delay, and waits for its threads to end. Safe to use from any thread.
 */
public final class LocalHttpServer implements AutoCloseable {

    /**
     * What a route answers.
     *
     * @param status the HTTP status
     * @param contentType the {@code Content-Type} header
     * @param body the body
     * @param delay how long the server waits before it answers
     */
    public record Response(int status, String contentType, byte[] body, Duration delay) {
        /**
         * Checks the fields.
         *
         * @throws NullPointerException if a field is null
         * @throws IllegalArgumentException if {@code delay} is negative
         */
        public Response {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative: " + delay);
            }
        }

        /**
         * {@return a 200 response of UTF-8 text, sent at once}
         *
         * @param text the body
         */
        public static Response text(String text) {
            return new Response(200, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Duration.ZERO);
        }

        /**
         * {@return a 200 response of bytes, sent at once}
         *
         * @param body the body
         * @param contentType its type
         */
        public static Response bytes(byte[] body, String contentType) {
            return new Response(200, contentType, body, Duration.ZERO);
        }

        /**
         * {@return this response with another status}
         *
         * @param newStatus the status
         */
        public Response withStatus(int newStatus) {
            return new Response(newStatus, contentType, body, delay);
        }

        /**
         * {@return this response, sent after {@code newDelay}}
         *
         * @param newDelay how long the server waits before it answers
         */
        public Response after(Duration newDelay) {
            return new Response(status, contentType, body, newDelay);
        }
    }

    /** Computes the answer to a request from its query parameters. */
    @FunctionalInterface
    public interface Route {
        /**
         * Answers one request; called on one of the server's threads.
         *
         * @param query the query parameters, decoded, in order
         * @return the response
         * @throws Exception answered with status 500
         */
        Response answer(Map<String, String> query) throws Exception;
    }

    static {
        // The JDK's server sends the headers and the body in two writes; with Nagle's algorithm on,
        // the body then waits for the client's delayed ACK, adding ~40 ms to every response. The
        // server reads this property once, when it is first used.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService pool;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    private LocalHttpServer(HttpServer server, ExecutorService pool) {
        this.server = server;
        this.pool = pool;
    }

    /**
     * Starts a server on 127.0.0.1 and a free port, with no routes yet.
     *
     * @return the running server
     * @throws UncheckedIOException if the socket cannot be bound
     */
    public static LocalHttpServer start() {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a local HTTP server", e);
        }
        AtomicInteger threads = new AtomicInteger();
        int port = server.getAddress().getPort();
        ExecutorService pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "local-http-" + port + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.start();
        return new LocalHttpServer(server, pool);
    }

    /**
     * Adds a route: requests to {@code path} (and below it) are answered by {@code route}.
     *
     * @param path the path, starting with {@code /}
     * @param route computes the answer
     * @return this server
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code path} already has a route
     */
    public LocalHttpServer route(String path, Route route) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(route, "route");
        server.createContext(path, exchange -> answer(exchange, route));
        return this;
    }

    /**
     * Adds a route that answers {@code text} after {@code delay}.
     *
     * @param path the path
     * @param delay how long the server waits before it answers
     * @param text the body
     * @return this server
     */
    public LocalHttpServer text(String path, Duration delay, String text) {
        Response response = Response.text(text).after(delay);
        return route(path, query -> response);
    }

    private void answer(HttpExchange exchange, Route route) throws IOException {
        requests.incrementAndGet();
        peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        boolean counted = true;
        try (exchange) {
            Response response;
            try {
                response = route.answer(parseQuery(exchange.getRequestURI().getRawQuery()));
            } catch (Exception e) {
                response = Response.text(e.toString()).withStatus(500);
            }
            Thread.sleep(response.delay().toMillis());
            // no longer in flight before the answer leaves: a client that has it may send its next
            // request at once, while this thread has not yet come back from the send
            counted = false;
            inFlight.decrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is closing: drop the request
        } finally {
            if (counted) {
                inFlight.decrementAndGet();
            }
        }
    }

    private static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            query.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return query;
    }

    /**
     * {@return the address of {@code pathAndQuery} on this server}
     *
     * @param pathAndQuery e.g. {@code "/slow?n=1"}
     */
    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery);
    }

    /** {@return how many requests the server has received} */
    public int requests() {
        return requests.get();
    }

    /** {@return the largest number of requests the server was answering at the same time} */
    public int peakInFlight() {
        return peak.get();
    }

    /** Starts counting {@link #peakInFlight()} anew from the requests in flight now. */
    public void resetPeak() {
        peak.set(inFlight.get());
    }

    /**
     * Stops the server: closes its socket and connections, interrupts the requests still waiting
     * out their delay, and waits for its threads to end. A second call does nothing.
     */
    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the local HTTP server's threads did not end within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
