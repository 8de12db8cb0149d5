package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import dev.aio4j.samples.support.Http;
import dev.aio4j.samples.support.LocalHttpServer;
import dev.aio4j.samples.support.Pace;
import dev.aio4j.samples.support.Timing;
import java.net.URI;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sample 11: blocking libraries used from tasks without blocking the loop. JDBC queries against
 * an embedded H2 database go through {@link Async#toThread}; a blocking HTTP call
 * ({@code HttpClient.send}) goes through {@link Loop#runInExecutor} with a pool of our own; a
 * CPU-bound job runs on a separate pool, so that it cannot starve the I/O threads. A heartbeat
 * timer on the loop measures how long the loop's thread ever went without running it.
 *
 * <p>The database is slowed down on purpose: each query first calls {@code SLEEP_MS(1 unit)}, a
 * SQL function bound to {@code Thread.sleep}, to stand for a remote database.
 *
 * <p>Shows: the three queries and the HTTP call run concurrently (≈ 1 unit, against ≈ 4 in a
 * row) although every one of them blocks its thread; no blocking body runs on the loop's thread,
 * and the heartbeat never misses a beat by anything near the length of a blocking call; a
 * blocking {@code await()} on the loop's thread is refused with {@link IllegalStateException}.
 */
public final class BlockingLibraryInThreads {
    private BlockingLibraryInThreads() {}

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final Duration BEAT = Duration.ofMillis(20);
    private static final int PRIMES_BELOW = 300_000;
    private static final int PRIME_COUNT = 25_997; // π(300 000)

    /** Where a body ran, and what it returned. */
    private record Ran<T>(T value, String thread) {}

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("Blocking JDBC and HTTP calls in threads, a CPU-bound job on its own pool " + Pace.scaleNote());
        String url = "jdbc:h2:mem:blocking-library-" + DATABASES.incrementAndGet();
        ExecutorService httpPool = Executors.newFixedThreadPool(2, named("blocking-http"));
        ExecutorService cpuPool = Executors.newSingleThreadExecutor(named("cpu-bound"));
        HttpClient client = Http.newClient();
        Thread loopThread = Thread.currentThread(); // Async.run runs the loop on the calling thread
        try (Connection keeper = DriverManager.getConnection(url); // the in-memory database lives while a connection is open
                LocalHttpServer server = LocalHttpServer.start()) {
            createDatabase(keeper);
            server.text("/exchange-rate", Pace.UNIT, "1.0842");
            URI rate = server.uri("/exchange-rate");
            Async.run(loop -> {
                query(url, "alice", Duration.ZERO); // warm-up (class loading, first connection): not timed
                Http.get(client, rate);

                // In a row, on the main task's thread: ≈ 4 units.
                Duration serial = Timing.time(() -> {
                    for (String customer : List.of("alice", "bob", "carol")) {
                        query(url, customer, Pace.UNIT);
                    }
                    Http.get(client, rate);
                });
                System.out.printf("  3 queries and 1 HTTP call in a row: %d ms%n", serial.toMillis());

                // Concurrently, each blocking call on a thread of its own pool, with a heartbeat on the loop.
                Heartbeat heartbeat = Heartbeat.start(loop);
                Task<Ran<Long>> primes = loop.runInExecutor(cpuPool, () -> new Ran<>(countPrimes(PRIMES_BELOW), Thread.currentThread().getName()));
                Timing.Timed<List<Ran<String>>> concurrent = Timing.measure(() -> {
                    List<Task<Ran<String>>> calls = new ArrayList<>();
                    for (String customer : List.of("alice", "bob", "carol")) {
                        calls.add(Async.toThread(() -> new Ran<>(customer + ": " + query(url, customer, Pace.UNIT), Thread.currentThread().getName())));
                    }
                    calls.add(loop.runInExecutor(httpPool, () -> new Ran<>("rate " + Http.get(client, rate), Thread.currentThread().getName())));
                    return Async.gather(calls).join();
                });
                Ran<Long> primeCount = primes.join();
                Duration maxGap = heartbeat.stop();
                for (Ran<String> r : concurrent.value()) {
                    System.out.printf("    %-28s on %s%n", r.value(), r.thread());
                }
                System.out.printf("    %-28s on %s%n", "primes below " + PRIMES_BELOW + ": " + primeCount.value(), primeCount.thread());
                System.out.printf("  concurrently: %d ms; the loop's heartbeat (every %d ms) never paused longer than %d ms%n",
                        concurrent.millis(), BEAT.toMillis(), maxGap.toMillis());

                // A blocking await on the loop's own thread is refused, as asyncio refuses it.
                Promise<String> refusal = loop.createPromise();
                Task<String> someQuery = Async.toThread(() -> query(url, "bob", Duration.ZERO));
                loop.callSoon(() -> {
                    try {
                        refusal.complete("await() returned " + someQuery.join());
                    } catch (CancellationException e) {
                        refusal.complete("cancelled?! " + e);
                    } catch (IllegalStateException e) {
                        refusal.complete("IllegalStateException: " + e.getMessage());
                    }
                });
                String refused = refusal.join();
                someQuery.join();
                System.out.printf("  Task.join() on the loop's thread: %.110s...%n", refused);

                List<String> expected = List.of("alice: 3 orders, 114.50", "bob: 1 orders, 20.00", "carol: 2 orders, 57.25", "rate 1.0842");
                checkEquals(expected, concurrent.value().stream().map(Ran::value).toList(), "the blocking calls' results, in argument order");
                checkEquals((long) PRIME_COUNT, primeCount.value(), "the CPU-bound job's result");
                checkTiming(concurrent.millis() * 2 < serial.toMillis(),
                        "concurrency despite blocking calls: ~ 1 unit against " + serial.toMillis() + " ms in a row, took " + concurrent.millis() + " ms");
                for (Ran<String> r : concurrent.value()) {
                    check(!r.thread().equals(loopThread.getName()), r.value() + " ran off the loop's thread");
                }
                check(concurrent.value().subList(0, 3).stream().allMatch(r -> r.thread().contains("to-thread")),
                        "the queries ran on the loop's toThread pool");
                check(concurrent.value().get(3).thread().startsWith("blocking-http"), "the HTTP call ran on its own pool");
                check(primeCount.thread().startsWith("cpu-bound"), "the CPU-bound job ran on its own pool");
                checkTiming(maxGap.compareTo(Pace.UNIT.dividedBy(2)) < 0,
                        "the loop's thread never blocks: its heartbeat paused at most " + maxGap.toMillis() + " ms (a blocking call takes "
                                + Pace.UNIT.toMillis() + ")");
                check(refused.startsWith("IllegalStateException"), "a blocking await on the loop's thread is refused: " + refused);
                return null;
            });
        } finally {
            Http.close(client);
            shutdown(httpPool);
            shutdown(cpuPool);
        }
    }

    private static void createDatabase(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE ALIAS SLEEP_MS FOR 'java.lang.Thread.sleep(long)'");
            s.execute("CREATE TABLE orders(id INT PRIMARY KEY, customer VARCHAR(20), amount DECIMAL(10, 2))");
            s.execute("INSERT INTO orders VALUES (1, 'alice', 50.00), (2, 'alice', 40.00), (3, 'alice', 24.50),"
                    + " (4, 'bob', 20.00), (5, 'carol', 30.00), (6, 'carol', 27.25)");
        }
    }

    /** A blocking JDBC query on its own connection, slowed by {@code latency} in the database. */
    private static String query(String url, String customer, Duration latency) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url)) {
            try (PreparedStatement slow = connection.prepareStatement("CALL SLEEP_MS(?)")) {
                slow.setLong(1, latency.toMillis());
                slow.execute();
            }
            try (PreparedStatement q = connection.prepareStatement("SELECT COUNT(*), SUM(amount) FROM orders WHERE customer = ?")) {
                q.setString(1, customer);
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) + " orders, " + rs.getBigDecimal(2);
                }
            }
        }
    }

    private static long countPrimes(int below) {
        long count = 0;
        for (int n = 2; n < below; n++) {
            boolean prime = true;
            for (int d = 2; (long) d * d <= n; d++) {
                if (n % d == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                count++;
            }
        }
        return count;
    }

    /**
     * A timer on the loop that re-arms itself every {@link #BEAT} and records the longest time
     * between two beats: if anything blocked the loop's thread, that gap shows it. Touched by the
     * loop's thread only, except {@link #stop()}, which reads the result through a promise.
     */
    private static final class Heartbeat {
        private final Loop loop;
        private final Promise<Duration> stopped;
        private boolean stopping;
        private Duration last;
        private Duration maxGap = Duration.ZERO;

        private Heartbeat(Loop loop) {
            this.loop = loop;
            this.stopped = loop.createPromise();
            this.last = loop.time();
        }

        static Heartbeat start(Loop loop) {
            Heartbeat h = new Heartbeat(loop);
            loop.callSoon(h::beat);
            return h;
        }

        private void beat() {
            Duration now = loop.time();
            Duration gap = now.minus(last);
            if (gap.compareTo(maxGap) > 0) {
                maxGap = gap;
            }
            last = now;
            if (stopping) {
                stopped.complete(maxGap);
            } else {
                loop.callLater(BEAT, this::beat);
            }
        }

        /** Stops at the next beat and returns the longest gap seen. */
        Duration stop() {
            loop.callSoon(() -> stopping = true);
            return stopped.join();
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void shutdown(ExecutorService pool) throws InterruptedException {
        pool.shutdown();
        if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("a pool did not finish within 10 s");
        }
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
