package dev.aio4j.samples.kotlin;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.kotlin.Suspend;
import dev.aio4j.samples.support.Http;
import dev.aio4j.samples.support.LocalHttpServer;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import kotlin.coroutines.Continuation;

/**
 * Sample 17: Java implements a Kotlin interface whose method suspends ({@link QuoteSource}), over an
 * asynchronous Java API (the JDK's {@code HttpClient} against a local server), and Kotlin coroutine
 * code ({@link Portfolio}) calls it.
 *
 * <p>Shows: results cross from Java to Kotlin (three quotes asked for concurrently take ≈ one
 * request's latency); a Java failure reaches Kotlin as the same instance; a Kotlin timeout cancels
 * the Java request (the {@code HttpClient} aborts it: its future ends at once, long before the
 * answer was due); and a Java implementation that
 * answers with a {@code Task} follows the task's rules: the Kotlin caller's cancellation cancels
 * the task and waits until the task's {@code finally} has run.
 */
public final class JavaImplementsSuspend {
    private JavaImplementsSuspend() {}

    private static final Duration LATENCY = Duration.ofMillis(200);

    /** The Java implementation of the Kotlin interface: one HTTP request per quote. */
    static final class HttpQuoteSource implements QuoteSource {
        private final HttpClient client;
        private final LocalHttpServer server;
        final Map<String, CompletableFuture<Double>> requests = new ConcurrentHashMap<>();
        final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();

        HttpQuoteSource(HttpClient client, LocalHttpServer server) {
            this.client = client;
            this.server = server;
        }

        @Override
        public Object quote(String symbol, Continuation<? super Double> continuation) {
            CompletableFuture<Double> price = Http.getAsync(client, server.uri("/quote?symbol=" + symbol)).thenApply(body -> {
                if (body.startsWith("error")) {
                    RuntimeException e = new IllegalArgumentException("no quote for " + symbol + ": " + body);
                    failures.put(symbol, e);
                    throw e;
                }
                return Double.parseDouble(body);
            });
            requests.put(symbol, price);
            return Suspend.resumeWith(price, continuation);
        }
    }

    /** A Java implementation that answers with a blocking-style task of the loop. */
    static final class BlockingQuoteSource implements QuoteSource {
        final CountDownLatch started = new CountDownLatch(1);
        volatile boolean finallyRan;
        volatile Task<Double> task;

        @Override
        public Object quote(String symbol, Continuation<? super Double> continuation) {
            Task<Double> t = Loop.current().createTask(() -> {
                try {
                    started.countDown();
                    Thread.sleep(60_000); // a blocking lookup; cancellation interrupts it
                    return 1.0;
                } finally {
                    finallyRan = true;
                }
            });
            task = t;
            return Suspend.resumeWith(t, continuation);
        }
    }

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        Map<String, String> prices = Map.of("AAA", "10.5", "BBB", "20.25", "CCC", "1.25");
        try (LocalHttpServer server = LocalHttpServer.start()) {
            server.route("/quote", query -> {
                String symbol = query.get("symbol");
                if (symbol.equals("SLOW")) return LocalHttpServer.Response.text("99").after(Duration.ofSeconds(5));
                String price = prices.get(symbol);
                return price == null ? LocalHttpServer.Response.text("error: unknown").after(LATENCY)
                        : LocalHttpServer.Response.text(price).after(LATENCY);
            });
            HttpClient client = Http.newClient();
            try {
                HttpQuoteSource source = new HttpQuoteSource(client, server);
                Portfolio portfolio = new Portfolio(source);
                Async.run(loop -> {
                    // Results: Kotlin asks for three quotes concurrently, Java answers each over HTTP.
                    Suspend.join(c -> portfolio.total(List.of("AAA"), c)); // warms the client up (connection, classes)
                    server.resetPeak();
                    long start = System.nanoTime();
                    double total = Suspend.<Double>join(c -> portfolio.total(List.of("AAA", "BBB", "CCC"), c));
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    System.out.printf("total of three quotes: %.2f in %d ms (one request takes %d ms)%n", total, ms, LATENCY.toMillis());
                    checkEquals(32.0, total, "the sum of the three prices");
                    checkTiming(server.peakInFlight() == 3, "three requests in flight at once: " + server.peakInFlight()); // all sent within the latency
                    checkTiming(ms < 2.5 * LATENCY.toMillis(), "Kotlin's three coroutines waited on the Java requests concurrently: " + ms + " ms");

                    // A Java failure reaches the Kotlin caller as the same instance.
                    Object failure = Suspend.join(c -> portfolio.quoteOrFailure("ZZZ", c));
                    System.out.println("Kotlin caught: " + failure);
                    check(failure == source.failures.get("ZZZ"), "the exception Java threw, the same instance");

                    // Cancellation from Kotlin to Java: a timeout in Kotlin cancels the HTTP request's future.
                    Object late = Suspend.join(c -> portfolio.quoteWithin("SLOW", 100, c));
                    CompletableFuture<Double> slow = source.requests.get("SLOW");
                    // cancel(true) on the HttpClient's future aborts the request; the abort may complete the
                    // future exceptionally (an IOException) just before the cancellation would have.
                    String how = slow.isCancelled() ? "cancelled" : slow.handle((v, e) -> String.valueOf(e)).getNow("still running");
                    System.out.println("quote within 100 ms: " + late + "; the Java request (due in 5 s) ended at once: " + how);
                    checkEquals(null, late, "withTimeoutOrNull gave up");
                    check(slow.isDone() && slow.isCompletedExceptionally(), "the Kotlin timeout ended the Java request: " + how);

                    // A stage that is a task follows the task's rules.
                    BlockingQuoteSource blocking = new BlockingQuoteSource();
                    Portfolio viaTask = new Portfolio(blocking);
                    Task<Object> caller = Suspend.call(c -> viaTask.quoteWithin("ANY", 100, c));
                    Object timedOut = caller.join();
                    System.out.println("task-backed quote within 100 ms: " + timedOut + "; the task: " + blocking.task.state()
                            + ", its finally ran before Kotlin resumed: " + blocking.finallyRan);
                    checkEquals(null, timedOut, "the Kotlin caller timed out");
                    checkEquals(TaskState.CANCELLED, blocking.task.state(), "the Java task was cancelled");
                    check(blocking.finallyRan, "Kotlin resumed only after the task's finally had run");
                    return null;
                });
            } finally {
                Http.close(client); // as the other samples do: on JDK 21+ its selector and worker threads end here, not at some later GC
            }
        }
    }
}
