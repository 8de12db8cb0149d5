package dev.aio4j.bench;

import dev.aio4j.Async;
import dev.aio4j.kotlin.Flows;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload 3, iteration: a Kotlin {@code Flow} of {@link #elements} ints ({@link KotlinxPeers#numbers})
 * consumed from Java by aio4j's {@code forEach}, its blocking iterator and as a
 * {@code Flow.Publisher}; against native {@code collect}, a {@code SubmissionPublisher} and a
 * virtual-thread hand-off through a blocking queue. One invocation consumes them all;
 * {@code benchmarks/run} divides by {@link #elements}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class IterationBench {

    /** The buffer of the publisher and of the queue. */
    static final int BUFFER = 256;

    /** How many elements one invocation consumes. */
    @Param("10000000")
    public int elements;

    private ExecutorService subscriberThread;

    /** Starts the publisher's subscriber thread. */
    @Setup
    public void setUp() {
        subscriberThread = Executors.newSingleThreadExecutor();
    }

    /**
     * Stops the publisher's subscriber thread.
     *
     * @throws InterruptedException if interrupted while it stops
     */
    @TearDown
    public void tearDown() throws InterruptedException {
        subscriberThread.shutdown();
        subscriberThread.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** {@return the sum} Native {@code flow.collect { sum += it }} in {@code runBlocking}. */
    @Benchmark
    public long kotlinxFlowCollect() {
        return KotlinxPeers.flowCollect(elements);
    }

    /**
     * {@return the sum} A plain {@code SubmissionPublisher} (buffer 256) fed by the benchmark thread,
     * its subscriber on a thread of its own; no Reactor or RxJava.
     *
     * @throws InterruptedException if interrupted
     */
    @Benchmark
    public long submissionPublisher() throws InterruptedException {
        return JdkPeers.submissionPublisher(elements, BUFFER, subscriberThread);
    }

    /**
     * {@return the sum} A producer virtual thread hands the elements through an
     * {@code ArrayBlockingQueue(256)} to a consumer virtual thread.
     *
     * @throws InterruptedException if interrupted
     */
    @Benchmark
    public long virtualThreadQueue() throws InterruptedException {
        return JdkPeers.virtualThreadQueue(elements, BUFFER);
    }

    /**
     * aio4j, non-blocking style. The Flow seen from Java as an {@code AsyncIterable} and
     * consumed with {@code forEach} on a single-threaded loop:
     * {@code Async.runAsync(loop -> asAsyncIterable(KotlinxPeers.numbers(elements)).forEach(x -> sum[0] += x))}.
     *
     * @return the sum
     */
    @Benchmark
    public long aio4jFlowForEach() {
        long[] sum = new long[1];
        Async.runAsync(loop -> Flows.asAsyncIterable(KotlinxPeers.numbers(elements)).forEach(x -> sum[0] += x));
        return sum[0];
    }

    /**
     * Slot: aio4j, blocking style. The same {@code AsyncIterable}'s blocking {@code Iterable} view,
     * iterated with a plain {@code for} loop in a blocking-style task (a virtual thread), e.g.
     * {@code Async.run(loop -> { for (int x : blockingView(numbers(elements))) sum += x; })}.
     *
     * @return the sum
     */
    @Benchmark
    @Pending(Pending.NEEDS_ITERATION)
    public long aio4jFlowBlockingIterator() {
        throw new Pending.NotYet(Pending.NEEDS_ITERATION);
    }

    /**
     * Slot: aio4j's conversion of the Flow to a {@code java.util.concurrent.Flow.Publisher},
     * consumed by the same subscriber as {@link #submissionPublisher} (request everything).
     *
     * @return the sum
     */
    @Benchmark
    @Pending(Pending.NEEDS_ITERATION)
    public long aio4jFlowPublisher() {
        throw new Pending.NotYet(Pending.NEEDS_ITERATION);
    }
}
