package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.Done;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.samples.support.Http;
import dev.aio4j.samples.support.LocalHttpServer;
import dev.aio4j.samples.support.LocalHttpServer.Response;
import dev.aio4j.samples.support.Pace;
import dev.aio4j.samples.support.Timing;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Sample 1: three requests to a local server that answers after one unit, awaited one after
 * another, then started together as tasks and awaited with {@link Async#wait}, then with
 * {@link Async#gather}.
 *
 * <p>Shows: serial ≈ 3 units; concurrent ≈ 1 unit (and the server really had the three requests
 * in flight at once); {@code gather} returns the results in argument order even when they
 * complete in the opposite order.
 */
public final class SequentialVsConcurrent {
    private SequentialVsConcurrent() {}

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run (no socket, ...)
     */
    public static void run() throws Exception {
        System.out.println("Three requests to a server that answers after 1 s " + Pace.scaleNote());
        HttpClient client = Http.newClient();
        try (LocalHttpServer server = LocalHttpServer.start()) {
            server.route("/slow", query -> Response.text("answer-" + query.get("n"))
                    .after(Duration.ofMillis(Long.parseLong(query.getOrDefault("ms", Long.toString(Pace.UNIT.toMillis()))))));
            Async.run(loop -> {
                Http.get(client, server.uri("/slow?n=0&ms=0")); // warm-up (class loading, first connection): not timed
                compare(loop, client, server);
                return null;
            });
        } finally {
            Http.close(client);
        }
    }

    private static void compare(Loop loop, HttpClient client, LocalHttpServer server) throws Exception {
        // 1. One after another: each blocking-style task is awaited before the next one starts.
        server.resetPeak();
        Timing.Timed<List<String>> serial = Timing.measure(() -> {
            List<String> answers = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                URI uri = server.uri("/slow?n=" + n);
                answers.add(loop.createTask(() -> Http.get(client, uri)).join());
            }
            return answers;
        });
        int serialPeak = server.peakInFlight();
        System.out.printf("  awaited one after another: %s in %d ms (requests in flight at once: %d)%n",
                serial.value(), serial.millis(), serialPeak);

        // 2. As tasks, started together (non-blocking bodies), awaited with wait().
        server.resetPeak();
        Timing.Timed<Done<String>> waited = Timing.measure(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                URI uri = server.uri("/slow?n=" + n);
                tasks.add(loop.createTaskAsync(() -> Http.getAsync(client, uri)));
            }
            return Async.wait(tasks).join();
        });
        int waitPeak = server.peakInFlight();
        List<String> waitedAnswers = new ArrayList<>();
        for (Task<String> t : waited.value().done()) {
            waitedAnswers.add(t.resultNow());
        }
        Collections.sort(waitedAnswers);
        System.out.printf("  as tasks with wait(): done=%d pending=%d %s in %d ms (in flight at once: %d)%n",
                waited.value().done().size(), waited.value().pending().size(), waitedAnswers, waited.millis(), waitPeak);

        // 3. With gather(): the first request is the slowest, the last the fastest.
        long[] delays = {Pace.units(1.125).toMillis(), Pace.units(0.75).toMillis(), Pace.units(0.375).toMillis()};
        List<String> completionOrder = Collections.synchronizedList(new ArrayList<>());
        Timing.Timed<List<String>> gathered = Timing.measure(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                URI uri = server.uri("/slow?n=" + n + "&ms=" + delays[n - 1]);
                tasks.add(loop.createTaskAsync(() -> Http.getAsync(client, uri).thenApply(answer -> {
                    completionOrder.add(answer); // as each response arrives
                    return answer;
                })));
            }
            return Async.gather(tasks).join();
        });
        System.out.printf("  with gather() (delays %d/%d/%d ms): %s in %d ms; they completed as %s%n",
                delays[0], delays[1], delays[2], gathered.value(), gathered.millis(), completionOrder);

        long unit = Pace.UNIT.toMillis();
        check(serial.millis() >= 3 * unit * 9 / 10, "serial takes ~ 3 units (" + 3 * unit + " ms) but took " + serial.millis() + " ms");
        checkEquals(1, serialPeak, "serial requests never overlap at the server");
        checkEquals(List.of("answer-1", "answer-2", "answer-3"), serial.value(), "serial answers");
        checkTiming(waited.millis() * 5 < serial.millis() * 3,
                "concurrent (wait) ~ 1 unit, well under serial: " + waited.millis() + " ms vs " + serial.millis() + " ms");
        check(waited.millis() >= unit * 9 / 10, "concurrent cannot beat the server's 1-unit delay: " + waited.millis() + " ms");
        checkTiming(waitPeak == 3, "the three tasks' requests are in flight at once: " + waitPeak); // all sent within the 1-unit delay
        checkEquals(List.of("answer-1", "answer-2", "answer-3"), waitedAnswers, "answers collected by wait()");
        checkEquals(0, waited.value().pending().size(), "wait() with ALL_COMPLETED leaves nothing pending");
        checkEquals(List.of("answer-1", "answer-2", "answer-3"), gathered.value(), "gather returns results in argument order");
        List<String> fastestFirst = List.of("answer-3", "answer-2", "answer-1"); // 150 ms apart: a timing claim
        checkTiming(fastestFirst.equals(completionOrder), "the requests completed fastest first: expected " + fastestFirst + " but was " + completionOrder);
        long sum = delays[0] + delays[1] + delays[2];
        checkTiming(gathered.millis() < (delays[0] + sum) / 2,
                "gather ~ the slowest request (" + delays[0] + " ms), not the sum (" + sum + " ms): took " + gathered.millis() + " ms");
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
