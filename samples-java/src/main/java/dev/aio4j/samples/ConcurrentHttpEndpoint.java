package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.samples.support.Http;
import dev.aio4j.samples.support.LocalHttpServer;
import dev.aio4j.samples.support.LocalHttpServer.Response;
import dev.aio4j.samples.support.Pace;
import dev.aio4j.samples.support.Timing;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Sample 15: an HTTP endpoint whose handler fans out to two backends concurrently, with a
 * timeout, and answers with the combined result. The backends are a local server with a
 * "prices" service (1¼ units), a "stock" service (1 unit) and a stalled one (10 units). The
 * endpoint's handler runs on the endpoint server's request thread; it starts one non-blocking
 * task per backend call on the loop, gathers them under {@link Async#waitFor}, and awaits that.
 *
 * <p>Shows: the endpoint answers after ≈ the slower backend's latency, not the sum; when a
 * backend stalls, the endpoint answers {@code 504} at its timeout, and by then the stalled call
 * has been cancelled (the other one had answered).
 */
public final class ConcurrentHttpEndpoint {
    private ConcurrentHttpEndpoint() {}

    private static final Duration PRICES = Pace.units(1.25);
    private static final Duration STOCK = Pace.UNIT;
    private static final Duration STALLED = Pace.units(10);
    private static final Duration TIMEOUT = Pace.units(2);

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.printf("An endpoint that fans out to two backends (%d ms and %d ms) with a %d ms timeout %s%n",
                PRICES.toMillis(), STOCK.toMillis(), TIMEOUT.toMillis(), Pace.scaleNote());
        HttpClient backendClient = Http.newClient(); // the endpoint's client, shared by all its requests
        HttpClient visitor = Http.newClient();
        try (LocalHttpServer backends = LocalHttpServer.start()) {
            backends.text("/prices", PRICES, "prices: 3 items")
                    .text("/stock", STOCK, "stock: 12 left")
                    .text("/stalled", STALLED, "too late")
                    .text("/ping", Duration.ZERO, "pong");
            Async.run(loop -> {
                try (LocalHttpServer endpoint = LocalHttpServer.start()) {
                    endpoint.route("/combined", query -> combine(loop, backendClient, backends.uri("/prices"), backends.uri("/stock")))
                            .route("/combined-stalled", query -> combine(loop, backendClient, backends.uri("/prices"), backends.uri("/stalled")))
                            .route("/warm-up", query -> combine(loop, backendClient, backends.uri("/ping"), backends.uri("/ping")));
                    get(visitor, endpoint.uri("/warm-up")); // class loading, first connections: not timed

                    Timing.Timed<HttpResponse<String>> ok = Timing.measure(() -> get(visitor, endpoint.uri("/combined")));
                    System.out.printf("  GET /combined: %d \"%s\" after %d ms%n", ok.value().statusCode(), ok.value().body(), ok.millis());
                    Timing.Timed<HttpResponse<String>> stalled = Timing.measure(() -> get(visitor, endpoint.uri("/combined-stalled")));
                    System.out.printf("  GET /combined-stalled: %d \"%s\" after %d ms%n",
                            stalled.value().statusCode(), stalled.value().body(), stalled.millis());

                    // both backends answer within the timeout with 0.75 and 1.75 units to spare: a timing claim
                    checkTiming(ok.value().statusCode() == 200, "the endpoint answers 200 when both backends answer in time: "
                            + ok.value().statusCode() + " \"" + ok.value().body() + "\"");
                    checkEquals("prices: 3 items | stock: 12 left", ok.value().body(), "the combined answer, in argument order");
                    Duration slower = PRICES.compareTo(STOCK) > 0 ? PRICES : STOCK;
                    Duration sum = PRICES.plus(STOCK);
                    checkTiming(ok.elapsed().compareTo(slower) >= 0 && ok.elapsed().multipliedBy(2).compareTo(slower.plus(sum)) < 0,
                            "the endpoint answers after ~ the slower backend (" + slower.toMillis() + " ms), not the sum (" + sum.toMillis()
                                    + " ms): " + ok.millis() + " ms");
                    checkEquals(504, stalled.value().statusCode(), "the timeout path answers 504");
                    String timedOut = "backends did not answer within " + TIMEOUT.toMillis() + " ms (calls: SUCCESS, CANCELLED)";
                    checkTiming(timedOut.equals(stalled.value().body()), // the prices backend answers 0.75 units before the timeout
                            "the timeout path's answer; the call still pending at the timeout was cancelled: expected " + timedOut + " but was "
                                    + stalled.value().body());
                    checkTiming(stalled.elapsed().compareTo(TIMEOUT) >= 0 && stalled.elapsed().compareTo(TIMEOUT.plus(Pace.UNIT)) < 0,
                            "the timeout path answers at the timeout (" + TIMEOUT.toMillis() + " ms), not when the stalled backend would ("
                                    + STALLED.toMillis() + " ms): " + stalled.millis() + " ms");
                }
                return null;
            });
        } finally {
            Http.close(backendClient);
            Http.close(visitor);
        }
    }

    /**
     * The endpoint's handler, on the endpoint server's request thread: one non-blocking task per
     * backend call, gathered under a timeout; the thread waits for the combined result.
     */
    private static Response combine(Loop loop, HttpClient client, URI first, URI second) {
        Task<String> a = loop.createTaskAsync(() -> Http.getAsync(client, first));
        Task<String> b = loop.createTaskAsync(() -> Http.getAsync(client, second));
        try {
            List<String> both = Async.waitFor(Async.gather(a, b), TIMEOUT).join();
            return Response.text(String.join(" | ", both));
        } catch (AsyncTimeoutException e) {
            // waitFor has cancelled the gather, which has cancelled both calls and waited for them.
            return Response.text("backends did not answer within " + TIMEOUT.toMillis() + " ms (calls: " + a.state() + ", " + b.state() + ")")
                    .withStatus(504);
        }
    }

    private static HttpResponse<String> get(HttpClient client, URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Runs the sample on its own.
     *
     * @param args ignored
     * @throws Exception if a claim does not hold or the sample cannot run
     */
    public static void main(String[] args) throws Exception {
        run();
    }
}
