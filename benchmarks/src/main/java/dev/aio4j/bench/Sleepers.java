package dev.aio4j.bench;

import dev.aio4j.Async;
import dev.aio4j.Task;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workload 2, concurrent sleepers, as a timed program: one implementation, one size and one
 * measurement per JVM, so that each starts from a fresh heap.
 *
 * <pre>
 * Sleepers &lt;impl&gt; &lt;n&gt; wall [millis]   n sleepers of millis (1000) started at once and gathered:
 *                                       wall time and the process's peak RSS
 * Sleepers &lt;impl&gt; &lt;n&gt; memory          n sleepers started, all pending: heap in use after GC per
 *                                       sleeper (above the heap before them), then the JVM halts
 * </pre>
 *
 * {@code impl} names one of the static methods below. Every sleeper counts itself in
 * {@code started} before it sleeps, so that the memory mode knows when all of them are pending;
 * the handles to gather (a list of tasks, deferreds, threads or futures) are part of what is
 * measured, for every implementation alike. Output: one JSON line. To see what the heap holds,
 * {@code -Dbench.histogram=FILE} writes the live-object histogram ({@code jcmd GC.class_histogram})
 * while the sleepers are pending.
 */
public final class Sleepers {
    private static final long PENDING_FOR_MILLIS = 600_000;

    private Sleepers() {}

    /**
     * aio4j, non-blocking style: {@code loop.createTaskAsync(() -> Async.sleepAsync(d))} from a
     * non-blocking main on a single-threaded loop, gathered.
     *
     * @param n how many sleepers
     * @param millis how long each sleeps
     * @param started counts the sleepers that have begun
     * @return {@code n}
     */
    public static int aio4jNonBlocking(int n, long millis, AtomicInteger started) {
        Duration delay = Duration.ofMillis(millis);
        return Async.runAsync(loop -> {
            List<Task<?>> tasks = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                tasks.add(loop.createTaskAsync(() -> {
                    started.incrementAndGet();
                    return Async.sleepAsync(delay);
                }));
            }
            return Async.gather(tasks);
        }).size();
    }

    /**
     * aio4j, blocking style: {@code loop.createTask(() -> { Async.sleep(d); ... })} (a virtual
     * thread each on JDK 21+) from the blocking main, gathered with {@code await()}.
     *
     * @param n how many sleepers
     * @param millis how long each sleeps
     * @param started counts the sleepers that have begun
     * @return {@code n}
     */
    public static int aio4jBlocking(int n, long millis, AtomicInteger started) {
        Duration delay = Duration.ofMillis(millis);
        return Async.run(loop -> {
            List<Task<?>> tasks = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                tasks.add(loop.createTask(() -> {
                    started.incrementAndGet();
                    Async.sleep(delay);
                    return null;
                }));
            }
            return Async.gather(tasks).join().size();
        });
    }

    /**
     * kotlinx: {@code List(n) { async { delay(d) } }.awaitAll()} in {@code runBlocking}.
     *
     * @param n how many sleepers
     * @param millis how long each sleeps
     * @param started counts the sleepers that have begun
     * @return {@code n}
     */
    public static int kotlinxOneThread(int n, long millis, AtomicInteger started) {
        return KotlinxPeers.sleepersOneThread(n, millis, started);
    }

    /**
     * kotlinx: {@link #kotlinxOneThread} on {@code Dispatchers.Default}.
     *
     * @param n how many sleepers
     * @param millis how long each sleeps
     * @param started counts the sleepers that have begun
     * @return {@code n}
     */
    public static int kotlinxDefault(int n, long millis, AtomicInteger started) {
        return KotlinxPeers.sleepersDefault(n, millis, started);
    }

    /**
     * {@code new CompletableFuture<>().completeOnTimeout(null, d)}, gathered with {@code allOf}.
     *
     * @param n how many sleepers
     * @param millis how long each sleeps
     * @param started counts the sleepers that have begun
     * @return {@code n}
     */
    public static int completableFuture(int n, long millis, AtomicInteger started) {
        return JdkPeers.completableFutureSleepers(n, millis, started);
    }

    /**
     * A virtual thread per sleeper in {@code Thread.sleep(d)}, joined.
     *
     * @param n how many sleepers
     * @param millis how long each sleeps
     * @param started counts the sleepers that have begun
     * @return {@code n}
     * @throws InterruptedException if interrupted
     */
    public static int virtualThreads(int n, long millis, AtomicInteger started) throws InterruptedException {
        return JdkPeers.virtualThreadSleepers(n, millis, started);
    }

    /**
     * Runs one measurement; see the class comment.
     *
     * @param args {@code impl n wall|memory [millis]}
     * @throws Exception if the implementation fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Sleepers <impl> <n> wall|memory [millis]");
            System.exit(2);
        }
        String impl = args[0];
        int n = Integer.parseInt(args[1]);
        String mode = args[2];
        long millis = args.length > 3 ? Long.parseLong(args[3]) : 1000;
        Method method = Sleepers.class.getMethod(impl, int.class, long.class, AtomicInteger.class);
        Pending pending = method.getAnnotation(Pending.class);
        if (pending != null) throw new Pending.NotYet(pending.value());

        // Warm-up: classes loaded and the sleep path compiled. A parked virtual thread's frames are
        // copied to the heap, and interpreted frames are larger than compiled ones: without this the
        // blocking-style figures would measure the JIT's progress.
        for (int i = 0; i < 3; i++) run(method, Math.min(n, 10_000), 10, new AtomicInteger());
        Measure.awaitJitQuiet();
        Measure.Json out = new Measure.Json().put("workload", "sleepers").put("impl", impl).put("n", n).put("mode", mode);
        switch (mode) {
            case "wall" -> {
                long t0 = System.nanoTime();
                run(method, n, millis, new AtomicInteger());
                long wall = System.nanoTime() - t0;
                out.put("millis", millis).put("wall_s", wall / 1e9).put("peak_rss_mb", Measure.peakRssBytes() / 1048576.0);
            }
            case "memory" -> {
                long before = Measure.heapUsedAfterGc();
                AtomicInteger started = new AtomicInteger();
                Throwable[] failure = {null};
                Thread driver = new Thread(() -> {
                    try {
                        run(method, n, PENDING_FOR_MILLIS, started);
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                }, "sleepers-driver");
                driver.setDaemon(true);
                driver.start();
                long deadline = System.nanoTime() + 300_000_000_000L;
                while (started.get() < n) {
                    if (!driver.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + started.get() + " of " + n + " sleepers started", failure[0]);
                    }
                    Thread.sleep(10);
                }
                Thread.sleep(200); // the last ones between counting themselves and going to sleep
                long after = Measure.heapUsedAfterGc();
                String histogram = System.getProperty("bench.histogram");
                if (histogram != null) Measure.classHistogram(histogram);
                out.put("heap_bytes_per_task", (double) (after - before) / n)
                        .put("heap_before_mb", before / 1048576.0)
                        .put("heap_after_mb", after / 1048576.0)
                        .put("peak_rss_mb", Measure.peakRssBytes() / 1048576.0);
            }
            default -> throw new IllegalArgumentException("mode must be wall or memory: " + mode);
        }
        System.out.println(out.put("jvm", Measure.jvm()));
        System.out.flush();
        Runtime.getRuntime().halt(0); // memory mode: the sleepers are still pending
    }

    private static void run(Method method, int n, long millis, AtomicInteger started) throws Exception {
        try {
            method.invoke(null, n, millis, started);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
    }
}
