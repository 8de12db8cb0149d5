package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Promise;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * callSoon's FIFO ("after the callbacks already scheduled", asyncio's call_soon and
 * call_soon_threadsafe, one method here) with a large backlog queued from another thread: a
 * callback that the loop's own thread schedules still runs after every callback scheduled
 * before it, however many there are.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FifoUnderABacklogTest {

    @Test
    void aCallbackScheduledOnTheLoopRunsAfterTheWholeBacklogFromOtherThreads() throws Exception {
        int n = 300_000;
        Loop loop = Async.newLoop();
        try {
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger seenByLate = new AtomicInteger(-1);
            Promise<Void> done = loop.createPromise();
            Thread producer = new Thread(() -> {
                loop.callSoon(() -> {
                    ran.incrementAndGet();
                    loop.callSoon(() -> {
                        seenByLate.set(ran.get());
                        done.complete(null);
                    });
                });
                for (int i = 1; i < n; i++) loop.callSoon(ran::incrementAndGet);
            });
            producer.start();
            producer.join();
            loop.runUntilComplete(done);
            assertEquals(n, seenByLate.get(), "the loop thread's callback overtook callbacks scheduled before it");
        } finally {
            loop.close();
        }
    }

    /** sleepAsync(0) on the loop's thread completes "after the callbacks and timers due before it", a backlog too. */
    @Test
    void aZeroSleepOnTheLoopCompletesAfterTheWholeBacklog() throws Exception {
        int n = 300_000;
        Loop loop = Async.newLoop();
        try {
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger seenBySleep = new AtomicInteger(-1);
            Promise<Void> done = loop.createPromise();
            Thread producer = new Thread(() -> {
                loop.callSoon(() -> {
                    ran.incrementAndGet();
                    Async.sleepAsync(java.time.Duration.ZERO).thenRun(() -> {
                        seenBySleep.set(ran.get());
                        done.complete(null);
                    });
                });
                for (int i = 1; i < n; i++) loop.callSoon(ran::incrementAndGet);
            });
            producer.start();
            producer.join();
            loop.runUntilComplete(done);
            assertEquals(n, seenBySleep.get(), "sleepAsync(0) completed before callbacks scheduled before it");
        } finally {
            loop.close();
        }
    }
}
