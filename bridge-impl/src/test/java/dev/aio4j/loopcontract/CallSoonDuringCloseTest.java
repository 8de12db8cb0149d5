package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * callSoon from other threads while another thread closes the loop: every callback whose handle
 * was returned runs, and once the close has begun its last step the calls are refused with
 * IllegalStateException, so that a thread flooding the loop cannot keep the close queuing for ever.
 * Found from outside (2026-12-07): a third of a flood's callbacks got a handle and never ran, and a
 * close under a flood with no pause ran out of memory (the loop queued what it would never run).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CallSoonDuringCloseTest {

    @Test
    void everyAcceptedCallbackRunsAndTheCloseEndsUnderAFlood() throws Exception {
        for (int round = 0; round < 20; round++) {
            Loop loop = Async.newLoop();
            Thread runner = new Thread(loop::runForever, "runner");
            runner.start();
            AtomicLong accepted = new AtomicLong();
            AtomicLong ran = new AtomicLong();
            AtomicLong refused = new AtomicLong();
            Thread[] racers = new Thread[2];
            for (int r = 0; r < racers.length; r++) {
                racers[r] = new Thread(() -> {
                    while (true) {
                        try {
                            loop.callSoon(ran::incrementAndGet);
                            accepted.incrementAndGet();
                        } catch (IllegalStateException e) {
                            assertEquals("loop is closed", e.getMessage());
                            refused.incrementAndGet();
                            return;
                        }
                    }
                }, "racer-" + r);
                racers[r].start();
            }
            Thread.sleep(20);
            loop.stop();
            runner.join();
            Thread closer = new Thread(loop::close, "closer");
            closer.start();
            closer.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(closer.isAlive(), "round " + round + ": the close ended");
            for (Thread t : racers) t.join(TimeUnit.SECONDS.toMillis(10));
            assertTrue(loop.isClosed());
            assertEquals(racers.length, refused.get(), "round " + round + ": each racer was refused in the end");
            assertEquals(accepted.get(), ran.get(), "round " + round + ": every callback whose handle was returned ran");
        }
    }
}
