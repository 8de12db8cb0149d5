package dev.aio4j.bench;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload 1, spawn + await: {@link #tasks} trivial tasks created and gathered. One invocation is
 * the whole batch; {@code benchmarks/run} divides by {@link #tasks} to print ns per task.
 *
 * <p>Pairs the targets compare: {@link #aio4jNonBlocking} with {@link #kotlinxOneThread} (one
 * thread), {@link #aio4jNonBlockingDefaultDispatcher} with {@link #kotlinxDefault}
 * ({@code Dispatchers.Default}), {@link #aio4jBlocking} with {@link #virtualThreads} (and, for
 * the reading, {@link #virtualThreadsFromVirtualThread}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-Xmn3g"})
public class SpawnAwaitBench {

    /** How many tasks one invocation creates and gathers. */
    @Param("1000000")
    public int tasks;

    /**
     * aio4j, non-blocking style on a single-threaded loop: {@code loop.createTaskAsync(() ->
     * completedFuture(i))} from a non-blocking main, then {@code Async.gather}.
     *
     * @return the sum of the results
     */
    @Benchmark
    public long aio4jNonBlocking() {
        return sum(Async.runAsync(loop -> Async.gather(spawnNonBlocking(loop, tasks))));
    }

    /**
     * {@link #aio4jNonBlocking} on a loop whose threading is {@code DEFAULT_DISPATCHER}.
     *
     * @return the sum of the results
     */
    @Benchmark
    public long aio4jNonBlockingDefaultDispatcher() {
        LoopOptions options = LoopOptions.defaults().withThreading(LoopOptions.Threading.DEFAULT_DISPATCHER);
        return sum(Async.runAsync(options, loop -> Async.gather(spawnNonBlocking(loop, tasks))));
    }

    /**
     * aio4j, blocking style: {@code loop.createTask(() -> i)} (a virtual thread each on JDK 21+)
     * from the blocking main, then {@code Async.gather(...).join()}.
     *
     * @return the sum of the results
     */
    @Benchmark
    public long aio4jBlocking() {
        int n = tasks;
        return Async.run(loop -> {
            List<Task<Integer>> spawned = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Integer value = i;
                spawned.add(loop.createTask(() -> value));
            }
            return sum(Async.gather(spawned).join());
        });
    }

    /** {@return the sum of the results} kotlinx: {@code List(n) { async { i } }.awaitAll()} in {@code runBlocking}. */
    @Benchmark
    public long kotlinxOneThread() {
        return KotlinxPeers.spawnAwaitOneThread(tasks);
    }

    /** {@return the sum of the results} kotlinx: {@link #kotlinxOneThread} on {@code Dispatchers.Default}. */
    @Benchmark
    public long kotlinxDefault() {
        return KotlinxPeers.spawnAwaitDefault(tasks);
    }

    /**
     * {@return the sum of the results} {@code CompletableFuture.supplyAsync(() -> i, commonPool())}
     * gathered with {@code allOf}: the executor passed explicitly, as a careful user does.
     */
    @Benchmark
    public long completableFutureCommonPool() {
        return JdkPeers.completableFutures(tasks, ForkJoinPool.commonPool());
    }

    /**
     * {@return the sum of what the threads stored} A bare virtual-thread start + join per task.
     *
     * @throws InterruptedException if interrupted
     */
    @Benchmark
    public long virtualThreads() throws InterruptedException {
        return JdkPeers.virtualThreadsStartJoin(tasks);
    }

    /**
     * {@link #virtualThreads} with the spawning loop itself on a virtual thread, as a blocking-style
     * {@code main} of aio4j's is: not a target's reference, but what tells the cost of aio4j's task
     * from that of spawning on one of the carriers that run the spawned threads (the plain peer
     * spawns from JMH's platform thread, outside the carrier pool).
     *
     * @return the sum of what the threads stored
     * @throws InterruptedException if interrupted
     */
    @Benchmark
    public long virtualThreadsFromVirtualThread() throws InterruptedException {
        long[] sum = new long[1];
        Thread spawner = JdkPeers.virtualThreads().newThread(() -> {
            try {
                sum[0] = JdkPeers.virtualThreadsStartJoin(tasks);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        spawner.start();
        spawner.join();
        return sum[0];
    }

    static List<Task<Integer>> spawnNonBlocking(Loop loop, int n) {
        List<Task<Integer>> spawned = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Integer value = i;
            spawned.add(loop.createTaskAsync(() -> CompletableFuture.completedFuture(value)));
        }
        return spawned;
    }

    static long sum(List<Integer> results) {
        long sum = 0;
        for (Integer r : results) sum += r;
        return sum;
    }
}
