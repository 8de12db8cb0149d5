package dev.aio4j.bench;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * The cost of a stage derived from a task: {@code task.thenApply(f)} makes a task on the loop (a
 * TaskImpl with its Job), where {@code CompletableFuture.thenApply} makes a CompletableFuture. Each
 * invocation derives {@link #stages} stages, one at a time, and reads each one's result, on an
 * input that is already done and on one that completes after the stage is made (a
 * {@link Promise}, a {@code new CompletableFuture<>()}); the aio4j forms run in a non-blocking
 * body on the loop's thread. {@code benchmarks/run} divides by {@link #stages}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DerivedStageBench {

    /** How many stages one invocation derives. */
    @Param("10000")
    public int stages;

    private static final Function<Integer, Integer> PLUS_ONE = x -> x + 1;

    private Loop loop;

    /** Makes the loop the aio4j variants run on. */
    @Setup
    public void setUp() {
        loop = Async.newLoop();
    }

    /** Closes it. */
    @TearDown
    public void tearDown() {
        loop.close();
    }

    /** {@return the sum} {@code done.thenApply(f).resultNow()} on a task that is already done. */
    @Benchmark
    public long aio4jThenApplyDone() {
        return loop.runUntilComplete(loop.createTaskAsync(() -> {
            Promise<Integer> done = loop.createPromise();
            done.complete(1);
            long sum = 0;
            for (int i = 0; i < stages; i++) {
                sum += done.thenApply(PLUS_ONE).resultNow();
            }
            return CompletableFuture.completedFuture(sum);
        }));
    }

    /** {@return the sum} {@code p.thenApply(f)}, then {@code p.complete(i)}, then the stage's result. */
    @Benchmark
    public long aio4jThenApplyPending() {
        return loop.runUntilComplete(loop.createTaskAsync(() -> {
            long sum = 0;
            for (int i = 0; i < stages; i++) {
                Promise<Integer> p = loop.createPromise();
                Task<Integer> derived = p.thenApply(PLUS_ONE);
                p.complete(i);
                sum += derived.resultNow();
            }
            return CompletableFuture.completedFuture(sum);
        }));
    }

    /** {@return the sum} {@code p.complete(i)} and nothing derived: what the pending form pays for its input alone. */
    @Benchmark
    public long aio4jPromiseAlone() {
        return loop.runUntilComplete(loop.createTaskAsync(() -> {
            long sum = 0;
            for (int i = 0; i < stages; i++) {
                Promise<Integer> p = loop.createPromise();
                p.complete(i);
                sum += p.resultNow();
            }
            return CompletableFuture.completedFuture(sum);
        }));
    }

    /** {@return the sum} {@code done.thenApply(f).join()} on a completed CompletableFuture. */
    @Benchmark
    public long completableFutureThenApplyDone() {
        CompletableFuture<Integer> done = CompletableFuture.completedFuture(1);
        long sum = 0;
        for (int i = 0; i < stages; i++) {
            sum += done.thenApply(PLUS_ONE).join();
        }
        return sum;
    }

    /** {@return the sum} {@code cf.thenApply(f)}, then {@code cf.complete(i)}, then the stage's {@code join()}. */
    @Benchmark
    public long completableFutureThenApplyPending() {
        long sum = 0;
        for (int i = 0; i < stages; i++) {
            CompletableFuture<Integer> cf = new CompletableFuture<>();
            CompletableFuture<Integer> derived = cf.thenApply(PLUS_ONE);
            cf.complete(i);
            sum += derived.join();
        }
        return sum;
    }
}
