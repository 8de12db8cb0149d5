package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.LoopOptions.Threading;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A thread that calls callSoon without pause cannot keep the loop's thread draining its queue for
 * ever: runs end and the loop closes; and a close still runs every callback scheduled before it.
 * Before (found from outside on 2026-12-05): the drain took what the producer added as fast as it
 * added it, and runUntilComplete never returned (on one thread; under DEFAULT_DISPATCHER since its
 * callbacks wait for a run). A step now moves at most a drain limit (65,536) of queued callbacks
 * ({@link #aStepRunsAtMostADrainLimitOfCallbacksQueuedBeforeIt} pins it without a race).
 *
 * <p>The flooding thread keeps at most {@link #MAX_LEAD} callbacks queued beyond those that ran:
 * the inbox is first in, first out, as asyncio's ready queue, so a run's stop waits behind what
 * was queued before it, and a producer that outpaces the loop (a JIT-compiled producer against a
 * loop still interpreted, in the first test of a fork) made that backlog grow by its speed ratio
 * at every run: a run did not end in 60 s and the producer, left running by the timeout, filled
 * the heap and ended the fork (once on CI, JDK 17, 2026-12-06).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InboxFloodTest {

    /** How many callbacks the flooding thread keeps queued, at most, beyond those that ran: 16 drain limits. */
    private static final long MAX_LEAD = 1L << 20;

    /**
     * Calls callSoon on {@code loop} until {@code go} is cleared or the loop closes, keeping at most
     * {@link #MAX_LEAD} callbacks ahead of {@code ran}.
     */
    private static Thread flood(Loop loop, AtomicBoolean go, AtomicLong ran) {
        return new Thread(() -> {
            long scheduled = 0;
            try {
                while (go.get()) {
                    if (scheduled - ran.get() < MAX_LEAD) {
                        loop.callSoon(ran::incrementAndGet);
                        scheduled++;
                    } else {
                        Thread.onSpinWait();
                    }
                }
            } catch (IllegalStateException closed) {
                // the loop closed
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void runsEndAndTheLoopClosesWhileAnotherThreadFloodsItWithCallbacks(Threading threading) throws Exception {
        Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        AtomicBoolean go = new AtomicBoolean(true);
        AtomicLong ran = new AtomicLong();
        Thread producer = flood(loop, go, ran);
        producer.start();
        try {
            for (int r = 0; r < 3; r++) {
                assertEquals("done", loop.runUntilComplete(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(5)).thenApply(v -> "done"))));
            }
            loop.close();
        } finally {
            go.set(false);
            producer.join(10_000);
        }
        assertTrue(ran.get() > 0);
        assertTrue(loop.isClosed());
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void closeRunsEveryCallbackOtherThreadsScheduledBeforeIt(Threading threading) throws Exception {
        // asyncio.run's closing steps run every callback already scheduled. Before: close()'s last
        // step took at most 65,536 of them from the queue other threads fill (the limit that stops
        // the flood above) and dropped the rest (LoopHandoverStressTest on CI: 1 million of 3.5
        // million callbacks lost)
        Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        int count = 300_000;
        AtomicLong ran = new AtomicLong();
        Thread producer = new Thread(() -> {
            for (int i = 0; i < count; i++) {
                loop.callSoon(ran::incrementAndGet);
            }
        });
        producer.start();
        producer.join();
        loop.close();
        assertEquals(count, ran.get(), "callbacks run by the close");
    }

    @Test
    void aStepRunsAtMostADrainLimitOfCallbacksQueuedBeforeIt() {
        // 100,000 callbacks queued from another thread before the run; the first stops the loop,
        // which ends the run after the step it is in. That step runs what its drain moved: 65,536
        // (the drain limit), not all 100,000 (asyncio's step would run them all: its call_soon_threadsafe
        // appends to the ready queue itself). Without the limit a drain took whatever another thread
        // kept adding, and a run never ended (the flood above)
        Loop loop = Async.newLoop();
        try {
            int queued = 100_000;
            AtomicLong ran = new AtomicLong();
            loop.callSoon(() -> {
                ran.incrementAndGet();
                loop.stop();
            });
            for (int i = 1; i < queued; i++) {
                loop.callSoon(ran::incrementAndGet);
            }
            loop.runForever();
            assertEquals(65_536, ran.get(), "callbacks run by the first step");
            loop.runUntilComplete(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ZERO)));
            assertEquals(queued, ran.get(), "every callback has run after a second run");
        } finally {
            loop.close();
        }
    }
}
