package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A loop handed from thread to thread (one runs it after the other, as {@link Loop} allows) while
 * other threads schedule callbacks: no callback is lost, run twice or out of order, and no run
 * inherits another's interrupt. Runs {@code 2 s × -Dstress=N}; off by default ({@code -Dgroups=stress}).
 */
@Tag("stress")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopHandoverStressTest {
    private static final long MILLIS = 2_000L * Long.getLong("stress", 1);

    @Test
    void aLoopHandedFromThreadToThreadLosesNoCallback() throws Exception {
        Expect x = new Expect();
        Loop loop = Async.newLoop();
        loop.setExceptionHandler(x);
        int producers = 2;
        int[] next = new int[producers]; // touched by whichever thread runs the loop: the hand-over orders it
        AtomicInteger scheduled = new AtomicInteger();
        AtomicInteger handovers = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Expect.ThrowingRunnable runner = () -> {
            while (!stop.get()) {
                try {
                    loop.runUntilComplete(CompletableFuture.completedFuture(null)); // one iteration
                    handovers.incrementAndGet();
                } catch (IllegalStateException e) {
                    if (!e.getMessage().contains("already running")) throw e;
                }
            }
            assertFalse(Thread.currentThread().isInterrupted(), "a run set an interrupt flag nobody asked for");
        };
        Thread[] threads = new Thread[2 + producers];
        threads[0] = Expect.start("runner-a", runner, x);
        threads[1] = Expect.start("runner-b", runner, x);
        for (int p = 0; p < producers; p++) {
            int producer = p;
            threads[2 + p] = Expect.start("producer-" + p, () -> {
                for (int k = 0; !stop.get(); k++) {
                    int expected = k;
                    loop.callSoon(() -> {
                        if (next[producer] != expected) {
                            x.record(new AssertionError("producer " + producer + ": callback " + expected + " ran when " + next[producer] + " was due"));
                        }
                        next[producer] = expected + 1;
                    });
                    scheduled.incrementAndGet();
                    if (k % 32 == 0) Thread.yield();
                }
            }, x);
        }
        try {
            Thread.sleep(MILLIS); // the duration of a stress test, not an ordering
        } finally {
            stop.set(true);
            for (Thread t : threads) Expect.join(t);
        }
        loop.runUntilComplete(CompletableFuture.completedFuture(null)); // what is left
        loop.close();
        x.check();
        int ran = 0;
        for (int n : next) ran += n;
        assertEquals(scheduled.get(), ran, "callbacks lost");
        assertTrue(handovers.get() > 100, "too few hand-overs to prove anything: " + handovers.get());
        System.out.printf("LoopHandoverStressTest: %d callbacks over %d hand-overs in %s%n", ran, handovers.get(), Duration.ofMillis(MILLIS));
    }
}
