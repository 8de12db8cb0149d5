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
 * Producer → bounded queue (capacity 256) → consumer, {@link #items} items: aio4j's
 * {@code AsyncQueue} in both styles against a kotlinx {@code Channel(256)} and virtual threads with
 * an {@code ArrayBlockingQueue(256)}. One invocation moves every item; {@code benchmarks/run}
 * divides by {@link #items}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4) // single shots: the JIT needs a few to settle, for every implementation alike
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class QueueBench {

    /** The queue's bound. */
    static final int CAPACITY = 256;

    /** How many items one invocation moves. */
    @Param("1000000")
    public int items;

    /** {@return the sum} kotlinx: a producer coroutine {@code send}s into a {@code Channel(256)}, the consumer iterates it; one thread. */
    @Benchmark
    public long kotlinxChannel() {
        return KotlinxPeers.channelOneThread(items, CAPACITY);
    }

    /**
     * {@return the sum} A producer virtual thread {@code put}s into an {@code ArrayBlockingQueue(256)},
     * a consumer virtual thread {@code take}s.
     *
     * @throws InterruptedException if interrupted
     */
    @Benchmark
    public long virtualThreadArrayBlockingQueue() throws InterruptedException {
        return JdkPeers.virtualThreadQueue(items, CAPACITY);
    }

    /**
     * aio4j, non-blocking style on a single-threaded loop: a producer task chains
     * {@code queue.putAsync(i)} on an {@code AsyncQueue.create(256)}, a consumer task chains
     * {@code queue.getAsync()}; both made with {@code createTaskAsync} and gathered.
     *
     * @return the sum
     */
    @Benchmark
    public long aio4jQueueNonBlocking() {
        return Aio4jSync.queueNonBlocking(items, CAPACITY);
    }

    /**
     * aio4j, blocking style: a producer and a consumer blocking-style task (virtual threads)
     * calling {@code queue.put(i)} and {@code queue.get()} on an {@code AsyncQueue.create(256)}.
     *
     * @return the sum
     */
    @Benchmark
    public long aio4jQueueBlocking() {
        return Aio4jSync.queueBlocking(items, CAPACITY);
    }
}
