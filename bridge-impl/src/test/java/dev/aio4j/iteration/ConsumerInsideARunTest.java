package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A consumer whose hasNext()/next()/closeAsync() run synchronously inside a run of the body (it
 * waits on a plain future that the body completes in the middle of its run): elements staged
 * around that point must neither be lost nor seen twice, and a close made there ends the walk.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConsumerInsideARunTest {
    static final int ROUNDS = Integer.getInteger("iteration.rounds", 100);

    static void walk(AsyncIterator<Integer> it, List<Integer> into, int closeAfter, CompletableFuture<Void> done) {
        if (into.size() == closeAfter) {
            it.closeAsync().whenComplete((v, e) -> {
                if (e != null) done.completeExceptionally(e); else done.complete(null);
            });
            return;
        }
        it.hasNext().whenComplete((has, err) -> {
            if (err != null) {
                done.completeExceptionally(err);
            } else if (!has) {
                it.closeAsync().whenComplete((v, e) -> done.complete(null));
            } else {
                into.add(it.next());
                walk(it, into, closeAfter, done);
            }
        });
    }

    /** Takes [n] elements into [into], waiting as needed, then runs [then]; fails [done] if the walk ends or fails first. */
    static void takeThen(AsyncIterator<Integer> it, List<Integer> into, int n, Runnable then, CompletableFuture<Void> done) {
        if (n == 0) {
            then.run();
            return;
        }
        it.hasNext().whenComplete((has, err) -> {
            if (err != null) {
                done.completeExceptionally(err);
            } else if (!has) {
                done.completeExceptionally(new AssertionError("the walk ended after " + into));
            } else {
                into.add(it.next());
                takeThen(it, into, n - 1, then, done);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aConsumerRunInsideTheBodysRunLosesNothing(Threading t) {
        run(t, false);
    }

    /**
     * A consumer that called hasNext() once to begin the walk and never waited for that stage, then
     * walks with hasNext()/next() from inside the body's run. The first stage, still pending, is
     * woken by the body's first emit in a later step (resolve); by then the consumer has drained
     * and waits on a newer hasNext() stage. resolve() registered the stale one as the consumer's
     * waiter again, over the newer one: the next put woke the stale stage and the walk hung
     * (SINGLE_THREAD round 0, DEFAULT_DISPATCHER within 20 rounds, found in review on 2026-12-06).
     * A stale stage now stays pending; the newer one is the waiter.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aConsumerThatAbandonedItsFirstHasNextIsNotLeftHanging(Threading t) {
        run(t, true);
    }

    void run(Threading t, boolean abandonFirstHasNext) {
        try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(t))) {
            for (int round = 0; round < ROUNDS; round++) {
                int cap = 2 + round % 9;
                int total = 40;
                int closeAfter = round % 2 == 0 ? Integer.MAX_VALUE : cap + 1 + round % 17;
                CompletableFuture<Void> gate = new CompletableFuture<>();
                AsyncIterable<Integer> gen = AsyncIterable.generateAsync(cap, out -> emit(out, 0, total, gate, abandonFirstHasNext ? 1 : cap + 1));
                List<Integer> seen = new ArrayList<>();
                CompletableFuture<Void> done = new CompletableFuture<>();
                int r = round;
                Thread watch = new Thread(() -> {
                    try {
                        Thread.sleep(3000);
                        System.err.println("stuck: round " + r + " cap " + cap + " closeAfter " + closeAfter + " seen " + seen + " done " + done);
                    } catch (InterruptedException e) {
                        // done in time
                    }
                });
                watch.setDaemon(true);
                watch.start();
                loop.runUntilComplete(loop.createTaskAsync(() -> {
                    AsyncIterator<Integer> it = gen.asyncIterator();
                    if (abandonFirstHasNext) {
                        it.hasNext(); // begins the walk; its stage is left pending (the abandoned stage)
                        gate.thenRun(() -> walk(it, seen, closeAfter, done));
                    } else {
                        // the first run emits 0..cap-1 (the last fills the buffer): take them (on a
                        // single-threaded loop each hasNext() is done at once; under DEFAULT_DISPATCHER
                        // the consumer's step may run beside the body's run and wait), then wait on the
                        // gate, which the body's next run completes in its middle, and walk from there
                        takeThen(it, seen, cap, () -> gate.thenRun(() -> walk(it, seen, closeAfter, done)), done);
                    }
                    return done;
                }));
                watch.interrupt();
                List<Integer> want = new ArrayList<>();
                for (int i = 0; i < Math.min(total, closeAfter); i++) want.add(i);
                assertEquals(want, seen, "round " + round + " cap " + cap + " closeAfter " + closeAfter);
            }
        }
    }

    /** Emits from..to; completes [gate] right after emitting gateAt, in the middle of a run (the consumer runs there). */
    static CompletionStage<Void> emit(dev.aio4j.stream.AsyncEmitter<Integer> out, int from, int to, CompletableFuture<Void> gate, int gateAt) {
        for (int i = from; i < to; i++) {
            CompletionStage<Void> room = out.emitAsync(i);
            CompletableFuture<Void> now = room.toCompletableFuture();
            if (i == gateAt) gate.complete(null);
            if (!now.isDone()) {
                int next = i + 1;
                return room.thenCompose(v -> emit(out, next, to, gate, gateAt));
            }
            if (now.isCompletedExceptionally()) return room;
        }
        return CompletableFuture.completedFuture(null);
    }
}
