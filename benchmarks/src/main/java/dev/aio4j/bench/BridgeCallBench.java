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
 * Workload 6, bridge call: a Kotlin {@code suspend} function that returns without suspending
 * ({@link BridgeService#returnsAtOnce}) and one that suspends once ({@link BridgeService#suspendsOnce}),
 * called {@link #calls} times from Java through aio4j and from Kotlin directly. One invocation is
 * all the calls; {@code benchmarks/run} divides time and allocation by {@link #calls}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class BridgeCallBench {

    /** How many calls one invocation makes. */
    @Param("10000")
    public int calls;

    private final BridgeService service = new BridgeService();

    /** {@return the sum} Kotlin calls {@code returnsAtOnce} directly, in one coroutine. */
    @Benchmark
    public long kotlinDirectReturnsAtOnce() {
        return KotlinxPeers.directReturnsAtOnce(service, calls);
    }

    /** {@return the sum} Kotlin calls {@code suspendsOnce} directly, in one coroutine on runBlocking's thread. */
    @Benchmark
    public long kotlinDirectSuspendsOnce() {
        return KotlinxPeers.directSuspendsOnce(service, calls);
    }

    /**
     * Slot: Java calls {@code returnsAtOnce} through aio4j from a blocking-style task, e.g.
     * {@code Suspend.call(c -> service.returnsAtOnce(i, c)).join()} per call. Target: no allocation
     * beyond the result.
     *
     * @return the sum
     */
    @Benchmark
    @Pending(Pending.NEEDS_INTEROP)
    public long aio4jReturnsAtOnceBlocking() {
        throw new Pending.NotYet(Pending.NEEDS_INTEROP);
    }

    /**
     * Slot: Java calls {@code returnsAtOnce} through aio4j in non-blocking style on a loop: each
     * call's task chained to the next with {@code thenCompose}.
     *
     * @return the sum
     */
    @Benchmark
    @Pending(Pending.NEEDS_INTEROP)
    public long aio4jReturnsAtOnceNonBlocking() {
        throw new Pending.NotYet(Pending.NEEDS_INTEROP);
    }

    /**
     * Slot: {@link #aio4jReturnsAtOnceBlocking} for {@code suspendsOnce}. Target: within 1.5× of
     * {@link #kotlinDirectSuspendsOnce}.
     *
     * @return the sum
     */
    @Benchmark
    @Pending(Pending.NEEDS_INTEROP)
    public long aio4jSuspendsOnceBlocking() {
        throw new Pending.NotYet(Pending.NEEDS_INTEROP);
    }

    /**
     * Slot: {@link #aio4jReturnsAtOnceNonBlocking} for {@code suspendsOnce}. Target: within 1.5× of
     * {@link #kotlinDirectSuspendsOnce}.
     *
     * @return the sum
     */
    @Benchmark
    @Pending(Pending.NEEDS_INTEROP)
    public long aio4jSuspendsOnceNonBlocking() {
        throw new Pending.NotYet(Pending.NEEDS_INTEROP);
    }
}
