package dev.aio4j.bench;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.kotlin.Suspend;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Workload 6, bridge call: a Kotlin {@code suspend} function that returns without suspending
 * ({@link BridgeService#returnsAtOnce}) and one that suspends once ({@link BridgeService#suspendsOnce}),
 * called {@link #calls} times from Java through aio4j, from Java the usual ways without it
 * ({@code future{}.join()}, {@code runBlocking}), and from Kotlin directly (in runBlocking, and on
 * the same aio4j loop: the reference of the targets). Every variant that a target compares
 * consumes each result with the {@link Blackhole} as well as summing it, so that no loop of calls
 * may be folded into arithmetic (the Kotlin rows measure the same either way, under 1 ns a call for
 * a function that returns at once: the JIT inlines the call). One invocation is all the calls; {@code benchmarks/run} divides
 * time and allocation by {@link #calls}.
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

    private Loop loop;

    /** Makes the loop that every aio4j variant and the Kotlin-on-the-loop reference run on. */
    @Setup
    public void setUp() {
        loop = Async.newLoop();
    }

    /** Closes it. */
    @TearDown
    public void tearDown() {
        loop.close();
    }

    /** {@return the sum} Kotlin calls {@code returnsAtOnce} directly, in one coroutine. */
    @Benchmark
    public long kotlinDirectReturnsAtOnce(Blackhole bh) {
        return KotlinxPeers.directReturnsAtOnce(service, calls, bh);
    }

    /**
     * {@link #kotlinOnLoopReturnsAtOnce} with {@code returnsAtOnce} kept out of line
     * ({@code -XX:CompileCommand=dontinline}, in this fork only): not a target's reference, but the
     * same call once the JIT cannot fold it into the caller, which the reference row's under-1-ns
     * figure is. (Under {@code benchmarks/run --quick}, which runs without forks, the flag is not
     * applied and this row measures the same as the reference.)
     *
     * @return the sum
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:CompileCommand=quiet",
            "-XX:CompileCommand=dontinline,dev.aio4j.bench.BridgeService::returnsAtOnce"})
    public long kotlinOnLoopReturnsAtOnceOutOfLine(Blackhole bh) {
        return KotlinxPeers.onLoopReturnsAtOnce(loop, service, calls, bh);
    }

    /** {@return the sum} Kotlin calls {@code suspendsOnce} directly, in one coroutine on runBlocking's thread. */
    @Benchmark
    public long kotlinDirectSuspendsOnce(Blackhole bh) {
        return KotlinxPeers.directSuspendsOnce(service, calls, bh);
    }

    /** {@return the sum} A Kotlin coroutine on the aio4j loop calls {@code returnsAtOnce}: the targets' reference. */
    @Benchmark
    public long kotlinOnLoopReturnsAtOnce(Blackhole bh) {
        return KotlinxPeers.onLoopReturnsAtOnce(loop, service, calls, bh);
    }

    /** {@return the sum} A Kotlin coroutine on the aio4j loop calls {@code suspendsOnce}: the targets' reference. */
    @Benchmark
    public long kotlinOnLoopSuspendsOnce(Blackhole bh) {
        return KotlinxPeers.onLoopSuspendsOnce(loop, service, calls, bh);
    }

    /** {@return the sum} Java without aio4j: {@code scope.future { returnsAtOnce(i) }.join()} per call. */
    @Benchmark
    public long futureJoinReturnsAtOnce() {
        return KotlinxPeers.futureJoinReturnsAtOnce(service, calls);
    }

    /** {@return the sum} Java without aio4j: {@code scope.future { suspendsOnce(i) }.join()} per call. */
    @Benchmark
    public long futureJoinSuspendsOnce() {
        return KotlinxPeers.futureJoinSuspendsOnce(service, calls);
    }

    /** {@return the sum} Java without aio4j: {@code runBlocking { returnsAtOnce(i) }} per call. */
    @Benchmark
    public long runBlockingReturnsAtOnce() {
        return KotlinxPeers.runBlockingReturnsAtOnce(service, calls);
    }

    /** {@return the sum} Java without aio4j: {@code runBlocking { suspendsOnce(i) }} per call. */
    @Benchmark
    public long runBlockingSuspendsOnce() {
        return KotlinxPeers.runBlockingSuspendsOnce(service, calls);
    }

    /**
     * Java calls {@code returnsAtOnce} through aio4j from a blocking-style task:
     * {@code Suspend.join(c -> service.returnsAtOnce(i, c))} per call. Target: no allocation beyond the result.
     *
     * @return the sum
     */
    @Benchmark
    public long aio4jReturnsAtOnceBlocking(Blackhole bh) {
        return loop.runUntilComplete(loop.createTask(() -> {
            long sum = 0;
            for (int i = 0; i < calls; i++) {
                int x = i;
                int r = Suspend.<Integer>join(c -> service.returnsAtOnce(x, c));
                bh.consume(r);
                sum += r;
            }
            return sum;
        }));
    }

    /**
     * Java calls {@code returnsAtOnce} through aio4j in non-blocking style on the loop:
     * {@code Suspend.call(c -> service.returnsAtOnce(i, c))} per call, the next call made when the
     * task is done (at once when it is born done, else from its done callback).
     *
     * @return the sum
     */
    @Benchmark
    public long aio4jReturnsAtOnceNonBlocking(Blackhole bh) {
        return loop.runUntilComplete(loop.createTaskAsync(() -> new Chain(service, calls, false, bh).start()));
    }

    /**
     * {@link #aio4jReturnsAtOnceBlocking} for {@code suspendsOnce}: the task's thread runs the
     * function's resumption itself ({@code runBlocking}'s model), so a {@code yield()} costs no park
     * and no loop step. Target: within 1.5x of {@link #kotlinOnLoopSuspendsOnce}.
     *
     * @return the sum
     */
    @Benchmark
    public long aio4jSuspendsOnceBlocking(Blackhole bh) {
        return loop.runUntilComplete(loop.createTask(() -> {
            long sum = 0;
            for (int i = 0; i < calls; i++) {
                int x = i;
                int r = Suspend.<Integer>join(c -> service.suspendsOnce(x, c));
                bh.consume(r);
                sum += r;
            }
            return sum;
        }));
    }

    /**
     * A blocking-style task hands one callback to the loop ({@code callSoon}) and parks until the
     * callback has run and woken it, {@link #calls} times, without Kotlin: the two thread wake-ups
     * that {@link #aio4jSuspendsOnceBlocking} cost when the function's resumption ran on the loop's
     * thread (before {@code Suspend.join} ran it on the joining thread), and what a function still
     * costs per wait when another thread resumes it.
     *
     * @return the sum
     */
    @Benchmark
    public long loopRoundTripBlocking(Blackhole bh) {
        return loop.runUntilComplete(loop.createTask(() -> {
            Thread self = Thread.currentThread();
            long sum = 0;
            for (int i = 0; i < calls; i++) {
                RoundTrip step = new RoundTrip(self, i);
                loop.callSoon(step);
                while (!step.done) {
                    LockSupport.park(step);
                }
                bh.consume(step.value);
                sum += step.value;
            }
            return sum;
        }));
    }

    /** One callback of {@link #loopRoundTripBlocking}: computes on the loop, then wakes the waiting thread. */
    static final class RoundTrip implements Runnable {
        private final Thread waiter;
        private final int x;
        int value;
        volatile boolean done;

        RoundTrip(Thread waiter, int x) {
            this.waiter = waiter;
            this.x = x;
        }

        @Override
        public void run() {
            value = x + 1;
            done = true;
            LockSupport.unpark(waiter);
        }
    }

    /**
     * {@link #aio4jReturnsAtOnceNonBlocking} for {@code suspendsOnce}. Target: within 1.5x of
     * {@link #kotlinOnLoopSuspendsOnce}.
     *
     * @return the sum
     */
    @Benchmark
    public long aio4jSuspendsOnceNonBlocking(Blackhole bh) {
        return loop.runUntilComplete(loop.createTaskAsync(() -> new Chain(service, calls, true, bh).start()));
    }

    /**
     * {@link #aio4jSuspendsOnceNonBlocking} with the next call made from the task's
     * {@code whenComplete} function instead of a done callback: a stage function runs where the
     * task completes (in the loop step that resumed the function), where a done callback is
     * scheduled for a later step (asyncio's rule), at the price of one derived task per call.
     *
     * @return the sum
     */
    @Benchmark
    public long aio4jSuspendsOnceNonBlockingWhenComplete(Blackhole bh) {
        return loop.runUntilComplete(loop.createTaskAsync(() -> new Chain(service, calls, true, bh).viaStage().start()));
    }

    /**
     * A Kotlin coroutine on the loop awaits a pending aio4j task (a promise completed by a
     * callback of the loop's next step) with aio4j's {@code Task.await()}, {@link #calls} times.
     *
     * @return the sum
     */
    @Benchmark
    public long kotlinAwaitPendingTask() {
        return KotlinxPeers.onLoopAwaitPendingTask(loop, calls);
    }

    /**
     * {@link #kotlinAwaitPendingTask} with kotlinx's {@code CompletionStage.await()}, which
     * registers through {@code whenComplete} and so makes one derived task per await.
     *
     * @return the sum
     */
    @Benchmark
    public long kotlinxAwaitPendingTask() {
        return KotlinxPeers.onLoopKotlinxAwaitPendingTask(loop, calls);
    }

    /** Calls one function after another from Java without blocking: the next call when the last is done. */
    static final class Chain {
        private final BridgeService service;
        private final int calls;
        private final boolean suspends;
        private final Blackhole bh;
        private boolean viaStage;
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        private int i;
        private long sum;

        Chain(BridgeService service, int calls, boolean suspends, Blackhole bh) {
            this.bh = bh;
            this.service = service;
            this.calls = calls;
            this.suspends = suspends;
        }

        Chain viaStage() {
            viaStage = true;
            return this;
        }

        CompletableFuture<Long> start() {
            next();
            return result;
        }

        private void next() {
            while (i < calls) {
                int x = i++;
                Task<Integer> t = suspends ? Suspend.call(c -> service.suspendsOnce(x, c)) : Suspend.call(c -> service.returnsAtOnce(x, c));
                if (!t.isDone() && viaStage) {
                    t.whenComplete((r, e) -> {
                        add(r);
                        next();
                    });
                    return;
                }
                if (!t.isDone()) {
                    t.addDoneCallback(done -> {
                        add(done.resultNow());
                        next();
                    });
                    return;
                }
                add(t.resultNow());
            }
            result.complete(sum);
        }

        private void add(int r) {
            bh.consume(r);
            sum += r;
        }
    }
}
