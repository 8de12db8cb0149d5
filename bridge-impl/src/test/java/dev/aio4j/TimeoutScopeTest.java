package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** asyncio.Timeout's handle: the body reads and moves its deadline, in both styles. */
@Timeout(30)
class TimeoutScopeTest {

    @Test
    void theDeadlineIsALoopTimeAndCanBeRead() {
        Async.run(loop -> {
            Duration before = loop.time();
            Duration deadline = Async.timeoutScope(Duration.ofSeconds(10), TimeoutScope::deadline);
            assertNotNull(deadline);
            assertTrue(deadline.compareTo(before.plusSeconds(10)) >= 0, deadline + " vs " + before);
            assertTrue(deadline.compareTo(loop.time().plusSeconds(10)) <= 0);
            return null;
        });
    }

    @Test
    void noDeadlineLetsTheBodyRunPastTheFirstOne() {
        Async.run(loop -> {
            AtomicReference<TimeoutScope> seen = new AtomicReference<>();
            String r = Async.timeoutScope(Duration.ofMillis(20), scope -> {
                seen.set(scope);
                scope.reschedule(null);
                assertNull(scope.deadline());
                Async.sleep(Duration.ofMillis(80));
                return "ran on";
            });
            assertEquals("ran on", r);
            assertFalse(seen.get().expired());
            assertThrows(IllegalStateException.class, () -> seen.get().reschedule(loop.time()), "the scope has ended");
            assertFalse(Thread.currentThread().isInterrupted());
            return null;
        });
    }

    @Test
    void aDeadlineMovedEarlierExpiresTheScope() {
        Async.run(loop -> {
            AtomicReference<TimeoutScope> seen = new AtomicReference<>();
            long start = System.nanoTime();
            AsyncTimeoutException e = assertThrows(AsyncTimeoutException.class, () -> Async.timeoutScope(Duration.ofMinutes(5), scope -> {
                seen.set(scope);
                scope.reschedule(loop.time().plusMillis(20));
                Async.sleep(Duration.ofMinutes(1));
                return "never";
            }));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
            assertInstanceOf(CancellationException.class, e.getCause());
            assertTrue(seen.get().expired());
            assertThrows(IllegalStateException.class, () -> seen.get().reschedule(null), "expired already");
            // a deadline in the past expires at the loop's next step
            assertThrows(AsyncTimeoutException.class, () -> Async.timeoutScope(Duration.ofMinutes(5), scope -> {
                scope.reschedule(Duration.ofDays(-100_000));
                Async.sleep(Duration.ofMinutes(1));
                return "never";
            }));
            assertFalse(Thread.currentThread().isInterrupted());
            return null;
        });
    }

    @Test
    void anIdleTimeoutIsPushedBackOnEachItem() {
        Async.run(loop -> {
            // each step takes 60 ms, the idle limit is 500 ms: ten steps (600 ms, past the first deadline)
            // pass because each pushes the deadline back; then an idle 5 s does not
            AtomicReference<Integer> steps = new AtomicReference<>(0);
            assertThrows(AsyncTimeoutException.class, () -> Async.timeoutScope(Duration.ofMillis(500), scope -> {
                for (int i = 0; i < 10; i++) {
                    Async.sleep(Duration.ofMillis(60));
                    steps.set(i + 1);
                    scope.reschedule(loop.time().plusMillis(500));
                }
                Async.sleep(Duration.ofSeconds(5));
                return "never";
            }));
            assertEquals(10, steps.get());
            return null;
        });
    }

    @Test
    void theNonBlockingFormReadsAndMovesItsDeadline() {
        String r = Async.runAsync(loop -> Async.timeoutScopeAsync(Duration.ofMillis(20), scope -> {
            assertNotNull(scope.deadline());
            scope.reschedule(null);
            return Async.sleepAsync(Duration.ofMillis(80)).thenApply(v -> scope.expired() ? "expired" : "ran on");
        }));
        assertEquals("ran on", r);
        AtomicReference<TimeoutScope> seen = new AtomicReference<>();
        Object e = Async.runAsync(loop -> Async.timeoutScopeAsync(Duration.ofMinutes(5), scope -> {
            seen.set(scope);
            scope.reschedule(loop.time().plusMillis(20));
            return Async.sleepAsync(Duration.ofMinutes(1));
        }).handle((v, error) -> error));
        assertInstanceOf(AsyncTimeoutException.class, e);
        assertTrue(seen.get().expired());
        assertThrows(IllegalStateException.class, () -> seen.get().reschedule(null));
    }

    @Test
    void badInput() {
        Async.run(loop -> {
            Expect.assertNpeNames("timeout", () -> Async.timeoutScope(null, scope -> "x"));
            Expect.assertNpeNames("body", () -> Async.timeoutScope(Duration.ZERO, null));
            assertThrows(IllegalArgumentException.class, () -> Async.timeoutScope(Duration.ofMillis(-1), scope -> "x"));
            Expect.assertNpeNames("timeout", () -> Async.timeoutScopeAsync(null, scope -> CompletableFuture.completedFuture("x")));
            Expect.assertNpeNames("body", () -> Async.timeoutScopeAsync(Duration.ZERO, null));
            assertThrows(IllegalArgumentException.class, () -> Async.timeoutScopeAsync(Duration.ofMillis(-1), scope -> CompletableFuture.completedFuture("x")));
            return null;
        });
    }

    /** The length an AsyncTimeoutException of a rescheduled scope reports: from the scope's start to the deadline that passed. */
    private static void assertReportsTheDeadlineThatPassed(AsyncTimeoutException e) {
        Duration length = e.timeout();
        assertNotNull(length);
        assertTrue(length.compareTo(Duration.ofMillis(20)) >= 0 && length.compareTo(Duration.ofSeconds(5)) < 0,
                "timeout() " + length + " is not the rescheduled deadline's length (an hour was the first one)");
        assertTrue(e.getMessage().endsWith("within " + length), e.getMessage());
    }

    @Test
    void aRescheduledScopeReportsTheDeadlineThatPassedInBothBodyStyles() {
        // Before (found from outside, 2026-12-05): both reported the first deadline, PT1H
        Async.run(loop -> {
            assertReportsTheDeadlineThatPassed(assertThrows(AsyncTimeoutException.class, () -> Async.timeoutScope(Duration.ofHours(1), scope -> {
                scope.reschedule(loop.time().plusMillis(20));
                Async.sleep(Duration.ofSeconds(10));
                return null;
            })));
            Task<Object> t = Async.timeoutScopeAsync(Duration.ofHours(1), scope -> {
                scope.reschedule(loop.time().plusMillis(20));
                return Async.sleepAsync(Duration.ofSeconds(10)).thenApply(v -> null);
            });
            assertReportsTheDeadlineThatPassed(assertThrows(AsyncTimeoutException.class, t::join));
            return null;
        });
    }
}
