package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A completion racing a cancellation: exactly one of them reports that it decided the outcome, and it did. */
@Timeout(60)
class PromiseRaceTest {

    @Test
    void completeAndCancelNeverBothWin() throws Exception {
        int rounds = 5_000 * Integer.getInteger("stress", 1);
        Loop loop = Async.newLoop();
        try {
            for (int i = 0; i < rounds; i++) {
                Promise<String> p = loop.createPromise();
                CyclicBarrier start = new CyclicBarrier(2);
                AtomicBoolean completed = new AtomicBoolean();
                Thread completer = new Thread(() -> {
                    await(start);
                    completed.set(p.complete("v"));
                });
                completer.start();
                await(start);
                boolean cancelled = p.cancel();
                completer.join();
                assertTrue(completed.get() ^ cancelled, "round " + i + ": complete " + completed.get() + ", cancel " + cancelled);
                assertEquals(completed.get() ? TaskState.SUCCESS : TaskState.CANCELLED, p.state(), "round " + i);
                // the outcome is final: neither a later complete nor a later cancel changes it
                assertFalse(p.complete("late"), "round " + i);
                assertFalse(p.cancel(), "round " + i);
                if (completed.get()) {
                    assertEquals("v", p.resultNow(), "round " + i);
                }
            }
        } finally {
            loop.close();
        }
    }

    /**
     * As {@link #completeAndCancelNeverBothWin}, with {@code fail}: a cancel() that sets the
     * cancellation request first must complete the promise with it (asyncio's Future.cancel() is
     * final at once), not let a failure in between win as a body's failure would.
     */
    @Test
    void failAndCancelNeverBothWin() throws Exception {
        int rounds = 20_000 * Integer.getInteger("stress", 1);
        Loop loop = Async.newLoop();
        try {
            for (int i = 0; i < rounds; i++) {
                Promise<String> p = loop.createPromise();
                IllegalStateException boom = new IllegalStateException("boom " + i);
                CyclicBarrier start = new CyclicBarrier(2);
                AtomicBoolean failed = new AtomicBoolean();
                Thread failer = new Thread(() -> {
                    await(start);
                    failed.set(p.fail(boom));
                });
                failer.start();
                await(start);
                boolean cancelled = p.cancel();
                failer.join();
                assertTrue(failed.get() ^ cancelled, "round " + i + ": fail " + failed.get() + ", cancel " + cancelled + ", state " + p.state());
                assertEquals(failed.get() ? TaskState.FAILED : TaskState.CANCELLED, p.state(), "round " + i);
                if (failed.get()) assertSame(boom, p.exceptionNow(), "round " + i);
            }
        } finally {
            loop.close();
        }
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
