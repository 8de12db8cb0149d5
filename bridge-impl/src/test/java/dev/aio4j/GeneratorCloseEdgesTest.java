package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.BlockingIterable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A generator closed early, on both threadings (found from outside on 2026-12-05, failed before its
 * fix): a non-blocking body's clean-up has run, once, when the consumer's close returns.
 */
class GeneratorCloseEdgesTest {

    /** AsyncEmitter's Javadoc pattern: emits from, from + 1, ... while there is room; spins {@code spinNanos} before each. */
    static CompletionStage<Void> count(AsyncEmitter<Integer> out, int from, long spinNanos) {
        for (int i = from; ; i++) {
            long end = System.nanoTime() + spinNanos;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            CompletionStage<Void> room = out.emitAsync(i);
            CompletableFuture<Void> r = room.toCompletableFuture();
            if (!r.isDone()) {
                int next = i + 1;
                return room.thenCompose(v -> count(out, next, spinNanos));
            }
            if (r.isCompletedExceptionally()) {
                return room;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aNonBlockingBodysCleanUpHasRunWhenAnEarlyClosedBlockingViewReturns(Threading threading) {
        // Before: under DEFAULT_DISPATCHER the close decided in a step of the loop, taken to mean
        // that the body was not running; another worker could be running it (resuming it from its
        // emitAsync's stage), and the close then cancelled its chain: the clean-up never ran (26-32
        // of 600 rounds)
        int rounds = 300;
        int notRun = 0;
        String example = "";
        for (int round = 0; round < rounds; round++) {
            AtomicInteger cleanUps = new AtomicInteger();
            int stopAt = round % 6;
            long spin = round % 2 == 0 ? 0 : 20_000;
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(1 + round % 2, out -> count(out, 0, spin)
                    .whenComplete((v, e) -> cleanUps.incrementAndGet()));
            int seen = Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                try (BlockingIterable<Integer> view = gen.blocking()) {
                    for (Integer x : view) {
                        if (x == stopAt) {
                            break;
                        }
                    }
                }
                return cleanUps.get();
            });
            if (seen != 1) {
                notRun++;
                example = "round " + round + ": clean-ups run " + seen;
            }
        }
        assertEquals(0, notRun, notRun + " of " + rounds + " rounds; " + example);
    }
}
