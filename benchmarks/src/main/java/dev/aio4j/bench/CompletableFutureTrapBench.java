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
 * The JDK trap next to workload 1: {@code CompletableFuture.supplyAsync(supplier)} without an
 * executor. When {@code ForkJoinPool.commonPool()} has a parallelism below 2 (a 2-core machine),
 * the JDK runs every such task on a new platform thread. Fewer tasks than workload 1
 * ({@link #trapTasks}), since each costs a thread start; {@code benchmarks/run} divides by them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class CompletableFutureTrapBench {

    /** How many futures one invocation makes. */
    @Param("10000")
    public int trapTasks;

    /** {@return the sum of the results} {@code supplyAsync(() -> i)} on the JDK's default async executor. */
    @Benchmark
    public long defaultAsyncExecutor() {
        return JdkPeers.completableFutures(trapTasks, null);
    }
}
