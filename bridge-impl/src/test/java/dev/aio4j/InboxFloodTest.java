package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.LoopOptions.Threading;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A thread that calls callSoon without pause cannot keep the loop's thread draining its queue for
 * ever: runs end and the loop closes; and a close still runs every callback scheduled before it. Before (found from outside on 2026-12-05): the drain at a
 * run's end took what the producer added as fast as it added it, and runUntilComplete never
 * returned (on one thread; under DEFAULT_DISPATCHER since its callbacks wait for a run).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InboxFloodTest {

    @ParameterizedTest
    @EnumSource(Threading.class)
    void runsEndAndTheLoopClosesWhileAnotherThreadFloodsItWithCallbacks(Threading threading) throws Exception {
        Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        AtomicBoolean go = new AtomicBoolean(true);
        AtomicLong ran = new AtomicLong();
        Thread producer = new Thread(() -> {
            try {
                while (go.get()) {
                    loop.callSoon(ran::incrementAndGet);
                }
            } catch (IllegalStateException closed) {
                // the loop closed
            }
        });
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
}
