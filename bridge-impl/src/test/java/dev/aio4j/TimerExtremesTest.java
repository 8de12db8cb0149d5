package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The extremes of every duration parameter of every timer method (Long.MIN_VALUE and
 * Long.MAX_VALUE seconds): the arithmetic saturates, a deadline in the far past is due now, one
 * in the far future never comes, and neither freezes the loop's other timers. A negative
 * duration where none is allowed is an IllegalArgumentException, never an ArithmeticException.
 */
class TimerExtremesTest extends LoopFixture {
    private static final Duration MAX = Duration.ofSeconds(Long.MAX_VALUE);
    private static final Duration MIN = Duration.ofSeconds(Long.MIN_VALUE);
    private static final Duration BOUND = Duration.ofSeconds(10);

    /** Runs [body] with a bound: a frozen loop fails the test instead of hanging it. */
    private static void bounded(Executable body) {
        assertTimeoutPreemptively(BOUND, body);
    }

    /** The loop still runs a 1 ms timer scheduled from its own thread. */
    private void otherTimersStillFire() {
        bounded(() -> {
            Promise<String> p = loop.createPromise();
            loop.callSoon(() -> loop.callLater(Duration.ofMillis(1), () -> p.complete("fired")));
            assertEquals("fired", loop.runUntilComplete(p));
        });
    }

    @Test
    void callAtFarInThePastFromTheLoopThreadIsDueNow() {
        bounded(() -> {
            Promise<String> p = loop.createPromise();
            loop.callSoon(() -> loop.callAt(MIN, () -> p.complete("fired")));
            assertEquals("fired", loop.runUntilComplete(p));
        });
        otherTimersStillFire();
    }

    @Test
    void callAtTwoHundredThousandDaysAgoFromTheLoopThreadIsDueNow() {
        bounded(() -> {
            Promise<String> p = loop.createPromise();
            loop.callSoon(() -> loop.callAt(Duration.ofDays(-200_000), () -> p.complete("fired")));
            assertEquals("fired", loop.runUntilComplete(p));
        });
    }

    @Test
    void callAtFarInThePastFromAnotherThreadIsDueNow() {
        bounded(() -> {
            Promise<String> p = loop.createPromise();
            TimerHandle h = loop.callAt(MIN, () -> p.complete("fired"));
            assertTrue(h.when().isNegative());
            assertEquals("fired", loop.runUntilComplete(p));
        });
    }

    /** Schedules a timer [MAX] away from the loop's thread and from another, and checks that it freezes nothing. */
    private void farInTheFutureFreezesNothing(java.util.function.Function<Runnable, TimerHandle> schedule) {
        List<TimerHandle> handles = new ArrayList<>();
        loop.runUntilComplete(loop.createTaskAsync(() -> {
            handles.add(schedule.apply(() -> fail("fired")));
            return CompletableFuture.completedFuture(null);
        }));
        handles.add(schedule.apply(() -> fail("fired")));
        for (TimerHandle h : handles) {
            assertFalse(h.when().isNegative(), h::toString);
        }
        otherTimersStillFire();
        handles.forEach(TimerHandle::cancel);
    }

    @Test
    void callAtFarInTheFutureNeverFiresAndFreezesNothing() {
        farInTheFutureFreezesNothing(callback -> loop.callAt(MAX, callback));
    }

    @Test
    void theWhenOfATimeBeyondTheClockIsTheFarthestItHolds() {
        TimerHandle far = loop.callAt(MAX, () -> { });
        TimerHandle farther = loop.callAt(Duration.ofDays(365L * 200_000), () -> { });
        assertEquals(far.when(), farther.when(), "both mean never");
        assertTrue(far.when().compareTo(Duration.ofDays(365L * 200)) > 0 && far.when().compareTo(Duration.ofDays(366L * 300)) < 0, far.when()::toString);
        far.cancel();
        farther.cancel();
    }

    @Test
    void callLaterFarInTheFutureNeverFiresAndFreezesNothing() {
        farInTheFutureFreezesNothing(callback -> loop.callLater(MAX, callback));
        assertThrows(IllegalArgumentException.class, () -> loop.callLater(MIN, () -> { }));
    }

    @Test
    void sleepsOfTheLongestDurationWaitUntilCancelled() {
        Task<Object> blocking = loop.createTask(() -> {
            Async.sleep(MAX);
            return "woke";
        });
        Task<Void> nonBlocking = loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(Async.sleepAsync(MAX))));
        otherTimersStillFire();
        assertFalse(blocking.isDone());
        assertFalse(nonBlocking.isDone());
        blocking.cancel();
        nonBlocking.cancel();
        bounded(() -> loop.runUntilComplete(Async.gatherOutcomes(blocking, nonBlocking)));
        assertEquals(TaskState.CANCELLED, blocking.state());
        assertEquals(TaskState.CANCELLED, nonBlocking.state());
        assertThrows(IllegalArgumentException.class, () -> Async.sleepAsync(MIN));
    }

    @Test
    void scopesAndWaitsOfTheLongestDurationAreNoDeadline() {
        bounded(() -> {
            String value = loop.runUntilComplete(loop.createTask(() -> {
                Task<String> t = loop.createTask(() -> "v");
                assertEquals("v", t.join(MAX));
                assertEquals("v", Async.waitFor(t, MAX).join());
                assertEquals(1, Async.wait(List.of(t), ReturnWhen.ALL_COMPLETED, MAX).join().done().size());
                for (Task<String> done : Async.asCompleted(List.of(t), MAX)) {
                    assertEquals("v", done.join());
                }
                assertEquals("v", Async.timeout(MAX, () -> "v"));
                return Async.timeoutAsync(MAX, () -> CompletableFuture.completedFuture("v")).join();
            }));
            assertEquals("v", value);
        });
        otherTimersStillFire();
    }

    @Test
    void theMostNegativeDurationIsRefusedWhereNoneIsAllowed() {
        Promise<String> p = loop.createPromise();
        p.complete("v");
        assertThrows(IllegalArgumentException.class, () -> p.join(MIN));
        assertThrows(IllegalArgumentException.class, () -> Async.waitFor(p, MIN));
        assertThrows(IllegalArgumentException.class, () -> Async.wait(List.of(p), ReturnWhen.ALL_COMPLETED, MIN));
        assertThrows(IllegalArgumentException.class, () -> Async.asCompleted(List.of(p), MIN));
        assertThrows(IllegalArgumentException.class, () -> Async.asCompletedAsync(List.of(p), MIN));
        assertThrows(IllegalArgumentException.class, () -> Async.timeout(MIN, () -> "v"));
        assertThrows(IllegalArgumentException.class, () -> Async.timeoutAsync(MIN, () -> p));
        assertThrows(IllegalArgumentException.class, () -> Async.sleep(MIN));
    }

    private static void fail(String what) {
        throw new AssertionError(what);
    }
}
