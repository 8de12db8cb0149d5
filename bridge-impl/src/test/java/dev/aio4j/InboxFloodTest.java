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
 * ever: runs end and the loop closes. Before (found from outside on 2026-12-05): the drain at a
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
}
