package dev.aio4j.bench;

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
 * Workload 5, lock hand-off: two tasks take one lock in turn, {@link #handoffs} times in all. Each
 * yields once while it holds the lock (kotlinx {@code yield()}, asyncio {@code sleep(0)},
 * {@code Thread.yield()}, aio4j {@code sleepAsync(ZERO)}), so that the other is waiting when it
 * unlocks: every unlock is a hand-off to the other task (all these locks are fair). One invocation
 * is all of them; {@code benchmarks/run} divides by {@link #handoffs}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4) // single shots: the JIT needs a few to settle, for every implementation alike
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class LockHandoffBench {

    /** How many hand-offs one invocation makes. */
    @Param("1000000")
    public int handoffs;

    /** {@return how often the lock was taken} kotlinx: {@code mutex.withLock { yield() }} in two coroutines on one thread. */
    @Benchmark
    public long kotlinxMutex() {
        return KotlinxPeers.mutexHandoffOneThread(handoffs);
    }

    /**
     * {@return how often the lock was taken} Two virtual threads: a fair {@code ReentrantLock},
     * {@code Thread.yield()} while holding it.
     *
     * @throws InterruptedException if interrupted
     */
    @Benchmark
    public long virtualThreadReentrantLock() throws InterruptedException {
        return JdkPeers.virtualThreadLockHandoff(handoffs);
    }

    /**
     * aio4j, non-blocking style on a single-threaded loop: two {@code createTaskAsync} tasks
     * that each chain {@code lock.acquireAsync()} → {@code Async.sleepAsync(Duration.ZERO)} →
     * {@code lock.release()}, {@code handoffs / 2} times, on an {@code AsyncLock.create()}.
     *
     * @return how often the lock was taken
     */
    @Benchmark
    public long aio4jLockNonBlocking() {
        return Aio4jSync.lockHandoffNonBlocking(handoffs);
    }

    /**
     * aio4j, blocking style: two {@code createTask} tasks (virtual threads) that each run
     * {@code try (var held = lock.lock()) { Thread.yield(); }} {@code handoffs / 2} times.
     *
     * @return how often the lock was taken
     */
    @Benchmark
    public long aio4jLockBlocking() {
        return Aio4jSync.lockHandoffBlocking(handoffs);
    }
}
