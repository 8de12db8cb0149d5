package dev.aio4j.bench;

import dev.aio4j.Async;
import dev.aio4j.Task;
import dev.aio4j.kotlin.Flows;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.BlockingIterable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
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
 * Workload 3, iteration: {@link #elements} ints from a Java async generator, consumed by aio4j's
 * {@code forEach}, its blocking view and as a {@code Flow.Publisher}; against a Kotlin {@code Flow}'s
 * native {@code collect} ({@link KotlinxPeers#numbers}), a {@code SubmissionPublisher} and a
 * virtual-thread hand-off through a blocking queue. One invocation consumes them all;
 * {@code benchmarks/run} divides by {@link #elements}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5) // single shots of ten million elements: after two the JIT has not settled (a Flow's blocking view read 47-49 ns per element after two, 28 after six)
@Measurement(iterations = 5)
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
     * {@return the sum} aio4j, blocking style. The Flow seen from Java as an {@code AsyncIterable}
     * and iterated through its blocking view with a plain {@code for} loop in the blocking main task
     * (a virtual thread), which collects the flow on its own thread:
     * {@code for (int x : asAsyncIterable(numbers(n)).blocking()) sum += x}.
     */
    @Benchmark
    public long aio4jFlowBlockingView() {
        int n = elements;
        return Async.run(loop -> sumThroughBlockingView(Flows.asAsyncIterable(KotlinxPeers.numbers(n))));
    }

    /**
     * {@return the sum} aio4j's way to expose a Kotlin Flow as a {@code java.util.concurrent.Flow.Publisher}:
     * {@code asAsyncIterable(numbers(n)).toPublisher()}, consumed by the subscriber of
     * {@link #submissionPublisher} (request everything); the flow and the subscriber run on the
     * loop's thread.
     *
     * @throws InterruptedException if interrupted
     */
    @Benchmark
    public long aio4jFlowPublisher() throws InterruptedException {
        int n = elements;
        return Async.run(loop -> JdkPeers.consume(Flows.asAsyncIterable(KotlinxPeers.numbers(n)).toPublisher()));
    }

    /**
     * {@return the sum} aio4j, non-blocking style: a non-blocking Java generator
     * ({@code AsyncIterable.generateAsync}, buffer 256) consumed by {@code forEach} on a
     * single-threaded loop; producer and consumer both run on the loop's thread.
     */
    @Benchmark
    public long aio4jGeneratorForEach() {
        int n = elements;
        return Async.runAsync(loop -> {
            long[] sum = {0};
            return AsyncIterable.<Integer>generateAsync(BUFFER, out -> count(out, 0, n))
                    .forEach(x -> sum[0] += x)
                    .thenApply(v -> sum[0]);
        });
    }

    /**
     * {@return the sum} aio4j, blocking style: a blocking-style Java generator
     * ({@code AsyncIterable.generate}, buffer 256: its body on a virtual thread, {@code emit} parks
     * while the buffer is full) iterated through the blocking view with a plain {@code for} loop in
     * the main task (another virtual thread): the same shape as {@link #virtualThreadQueue}.
     */
    @Benchmark
    public long aio4jGeneratorBlockingView() {
        int n = elements;
        return Async.run(loop -> sumThroughBlockingView(AsyncIterable.<Integer>generate(BUFFER, out -> {
            for (int i = 0; i < n; i++) {
                out.emit(i);
            }
        })));
    }

    /**
     * {@return the sum} aio4j's {@code toPublisher()} of the non-blocking generator of
     * {@link #aio4jGeneratorForEach}, consumed by the same subscriber as {@link #submissionPublisher}
     * (request everything); the subscriber runs on the loop's thread.
     *
     * @throws InterruptedException if interrupted
     */
    @Benchmark
    public long aio4jGeneratorPublisher() throws InterruptedException {
        int n = elements;
        return Async.run(loop -> {
            Flow.Publisher<Integer> publisher = AsyncIterable.<Integer>generateAsync(BUFFER, out -> count(out, 0, n)).toPublisher();
            return JdkPeers.consume(publisher);
        });
    }

    /** {@return the sum} A plain {@code for} loop over the blocking view of {@code numbers}, closed at the end. */
    static long sumThroughBlockingView(AsyncIterable<Integer> numbers) {
        long sum = 0;
        try (BlockingIterable<Integer> view = numbers.blocking()) {
            for (int x : view) {
                sum += x;
            }
        }
        return sum;
    }

    /** Emits from until to, going on when {@code emitAsync} says there is room again. */
    static CompletionStage<Void> count(AsyncEmitter<Integer> out, int from, int to) {
        for (int i = from; i < to; i++) {
            Task<Void> room = out.emitAsync(i);
            if (!room.isDone()) {
                int next = i + 1;
                return room.thenCompose(v -> count(out, next, to));
            }
        }
        return CompletableFuture.completedFuture(null);
    }
}
