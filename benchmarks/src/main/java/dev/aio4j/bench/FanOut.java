package dev.aio4j.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Workload 4, semaphore-limited fan-out, as a timed program: {@code tasks} tasks, at most
 * {@code permits} at a time, each holding its permit for {@code millis}. Ideal wall time is
 * {@code ceil(tasks / permits) * millis}; the figure is wall / ideal.
 *
 * <pre>
 * FanOut &lt;impl&gt; &lt;tasks&gt; &lt;permits&gt; &lt;millis&gt;
 * </pre>
 *
 * {@code impl} names one of the static methods below. Output: one JSON line.
 */
public final class FanOut {
    private FanOut() {}

    /**
     * kotlinx: {@code semaphore.withPermit { delay(d) }} in {@code async}s on one thread, awaited.
     *
     * @param tasks how many tasks
     * @param permits the semaphore's permits
     * @param millis how long each holds its permit
     * @return {@code tasks}
     */
    public static int kotlinxOneThread(int tasks, int permits, long millis) {
        return KotlinxPeers.semaphoreFanOutOneThread(tasks, permits, millis);
    }

    /**
     * A virtual thread per task, {@code java.util.concurrent.Semaphore}, {@code Thread.sleep(d)}.
     *
     * @param tasks how many tasks
     * @param permits the semaphore's permits
     * @param millis how long each holds its permit
     * @return {@code tasks}
     * @throws InterruptedException if interrupted
     */
    public static int virtualThreads(int tasks, int permits, long millis) throws InterruptedException {
        return JdkPeers.virtualThreadFanOut(tasks, permits, millis);
    }

    /**
     * aio4j, non-blocking style: {@code semaphore.withPermitAsync(() -> Async.sleepAsync(d))}
     * in {@code createTaskAsync} tasks on a single-threaded loop, gathered; an
     * {@code AsyncSemaphore.create(permits)}.
     *
     * @param tasks how many tasks
     * @param permits the semaphore's permits
     * @param millis how long each holds its permit
     * @return {@code tasks}
     */
    public static int aio4jNonBlocking(int tasks, int permits, long millis) {
        return Aio4jSync.fanOutNonBlocking(tasks, permits, millis);
    }

    /**
     * aio4j, blocking style: {@code try (var held = semaphore.acquire()) { Async.sleep(d); }}
     * in {@code createTask} tasks (virtual threads), gathered.
     *
     * @param tasks how many tasks
     * @param permits the semaphore's permits
     * @param millis how long each holds its permit
     * @return {@code tasks}
     */
    public static int aio4jBlocking(int tasks, int permits, long millis) {
        return Aio4jSync.fanOutBlocking(tasks, permits, millis);
    }

    /**
     * Runs one measurement; see the class comment.
     *
     * @param args {@code impl tasks permits millis}
     * @throws Exception if the implementation fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: FanOut <impl> <tasks> <permits> <millis>");
            System.exit(2);
        }
        String impl = args[0];
        int tasks = Integer.parseInt(args[1]);
        int permits = Integer.parseInt(args[2]);
        long millis = Long.parseLong(args[3]);
        Method method = FanOut.class.getMethod(impl, int.class, int.class, long.class);
        Pending pending = method.getAnnotation(Pending.class);
        if (pending != null) throw new Pending.NotYet(pending.value());

        run(method, Math.min(tasks, 10 * permits), permits, 1); // warm-up
        long t0 = System.nanoTime();
        run(method, tasks, permits, millis);
        double wall = (System.nanoTime() - t0) / 1e9;
        double ideal = Math.ceil((double) tasks / permits) * millis / 1000.0;
        System.out.println(new Measure.Json().put("workload", "fanout").put("impl", impl).put("tasks", tasks).put("permits", permits)
                .put("millis", millis).put("wall_s", wall).put("ideal_s", ideal).put("ratio", wall / ideal).put("jvm", Measure.jvm()));
    }

    private static void run(Method method, int tasks, int permits, long millis) throws Exception {
        try {
            method.invoke(null, tasks, permits, millis);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
    }
}
