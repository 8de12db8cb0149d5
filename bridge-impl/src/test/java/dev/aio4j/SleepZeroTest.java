package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Async.sleep(Duration.ZERO) is one loop step in both body styles (asyncio.sleep(0)): when it
 * returns, what was scheduled on the loop before it has run; and it is a cancellation point: a
 * pending cancellation or an expired timeout throws there.
 */
class SleepZeroTest extends LoopFixture {

    @Test
    void blockingSleepZeroLetsWhatWasScheduledBeforeItRun() {
        boolean ranBefore = loop.runUntilComplete(loop.createTask(() -> {
            AtomicBoolean ran = new AtomicBoolean();
            loop.callSoon(() -> {
                try {
                    Thread.sleep(20); // a slow callback: sleep(0) returns only after it
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                ran.set(true);
            });
            Async.sleep(Duration.ZERO);
            return ran.get();
        }));
        assertTrue(ranBefore, "the callback scheduled before sleep(0) had not run when it returned");
    }

    @Test
    void nonBlockingSleepZeroLetsWhatWasScheduledBeforeItRun() {
        AtomicBoolean ran = new AtomicBoolean();
        boolean ranBefore = loop.runUntilComplete(loop.createTaskAsync(() -> {
            loop.callSoon(() -> ran.set(true));
            return Async.sleepAsync(Duration.ZERO).thenApply(v -> ran.get());
        }));
        assertTrue(ranBefore);
    }

    /** sleep(0), noting in [threw] whether it threw a cancellation. */
    private static void sleepZeroNoting(AtomicBoolean threw) {
        try {
            Async.sleep(Duration.ZERO);
        } catch (CancellationException e) {
            threw.set(true);
            throw e;
        }
    }

    @Test
    void blockingSleepZeroThrowsAPendingCancellation() {
        AtomicBoolean threw = new AtomicBoolean();
        Task<String> t = loop.createTask(() -> {
            Async.currentTask().cancel();
            sleepZeroNoting(threw);
            return "went on";
        });
        loop.runUntilComplete(Async.gatherOutcomes(t));
        assertEquals(TaskState.CANCELLED, t.state());
        assertTrue(threw.get(), "sleep(0) returned normally with a cancellation pending");
    }

    @Test
    void blockingSleepZeroThrowsWhenTheTaskIsCancelledMeanwhile() {
        // the cancel() arrives while the body is busy, before it reaches sleep(0)
        AtomicBoolean threw = new AtomicBoolean();
        Task<String> t = loop.createTask(() -> {
            long end = System.nanoTime() + 50_000_000L;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            sleepZeroNoting(threw);
            return "went on";
        });
        loop.callLater(Duration.ofMillis(5), t::cancel);
        loop.runUntilComplete(Async.gatherOutcomes(t));
        assertEquals(TaskState.CANCELLED, t.state());
        assertTrue(threw.get(), "sleep(0) returned normally after the task was cancelled");
    }

    @Test
    void blockingSleepZeroThrowsAnExpiredTimeout() {
        Task<String> t = loop.createTask(() -> Async.timeout(Duration.ofMillis(5), () -> {
            long end = System.nanoTime() + 60_000_000L;
            while (System.nanoTime() < end) {
                Thread.onSpinWait(); // busy: the deadline passes, and the interrupt arrives here or not at all
            }
            Async.sleep(Duration.ZERO);
            return "went on";
        }));
        loop.runUntilComplete(Async.gatherOutcomes(t));
        assertEquals(TaskState.FAILED, t.state(), () -> "outcome: " + t);
        assertInstanceOf(AsyncTimeoutException.class, t.exceptionNow());
    }

    @Test
    void nonBlockingSleepZeroThrowsAnExpiredTimeout() {
        Task<String> t = loop.createTaskAsync(() -> Async.timeoutAsync(Duration.ofMillis(5), () -> {
            long end = System.nanoTime() + 60_000_000L;
            while (System.nanoTime() < end) {
                Thread.onSpinWait(); // busy on the loop's thread: the deadline passes meanwhile
            }
            return Async.sleepAsync(Duration.ZERO).thenApply(v -> "went on");
        }));
        loop.runUntilComplete(Async.gatherOutcomes(t));
        assertEquals(TaskState.FAILED, t.state(), () -> "outcome: " + t);
        assertInstanceOf(AsyncTimeoutException.class, t.exceptionNow());
    }

    @Test
    void aZeroSleepCancelledInTheStepThatMadeItEndsCancelledAndTheNextOneStillYields() {
        AtomicBoolean ran = new AtomicBoolean();
        String outcome = loop.runUntilComplete(loop.createTaskAsync(() -> {
            Task<Void> cancelled = Async.sleepAsync(Duration.ZERO);
            assertTrue(cancelled.cancel());
            assertEquals(TaskState.CANCELLED, cancelled.state(), "cancelled at once, before its step");
            loop.callSoon(() -> ran.set(true));
            return Async.sleepAsync(Duration.ZERO).thenApply(v -> ran.get() + " " + cancelled.state());
        }));
        assertEquals("true CANCELLED", outcome);
    }

    @Test
    void aTimerDueBeforeAZeroSleepRunsBeforeItCompletes() {
        StringBuilder order = new StringBuilder();
        loop.runUntilComplete(loop.createTaskAsync(() -> {
            loop.callLater(Duration.ZERO, () -> order.append("timer "));
            return Async.sleepAsync(Duration.ZERO).thenRun(() -> order.append("sleep"));
        }));
        assertEquals("timer sleep", order.toString());
    }

    @Test
    void zeroSleepsMadeInOneStepCompleteInTheOrderTheyWereMade() {
        StringBuilder order = new StringBuilder();
        loop.runUntilComplete(loop.createTaskAsync(() -> {
            Task<Void> last = null;
            for (int i = 0; i < 5; i++) {
                int n = i;
                last = Async.sleepAsync(Duration.ZERO).thenRun(() -> order.append(n));
            }
            return last;
        }));
        assertEquals("01234", order.toString());
    }

    @Test
    void sleepZeroOutsideALoopChecksInterruption() {
        Thread.currentThread().interrupt();
        assertThrows(CancellationException.class, () -> Async.sleep(Duration.ZERO));
        assertTrue(Thread.interrupted(), "the interrupt is not lost on a thread that is no task's");
    }
}
