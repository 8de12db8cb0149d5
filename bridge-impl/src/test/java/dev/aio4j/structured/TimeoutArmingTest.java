package dev.aio4j.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TimeoutScope;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** timeoutAsync/timeoutScopeAsync arm their deadline once the body has returned: reschedules, zero timeouts, nesting, cancels around that. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TimeoutArmingTest {
    static final int ROUNDS = Integer.getInteger("structured.rounds", 100);

    static Loop newLoop(Threading t) {
        return Async.newLoop(LoopOptions.defaults().withThreading(t));
    }

    static Throwable failureOf(Loop loop, Task<?> task) {
        try {
            loop.runUntilComplete(task);
        } catch (Throwable e) {
            return e;
        }
        return null;
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aDeadlineMovedToThePastBeforeTheBodyReturnsAPendingStageFires(Threading t) {
        try (Loop loop = newLoop(t)) {
            CompletableFuture<String> never = new CompletableFuture<>();
            AtomicBoolean expiredInBody = new AtomicBoolean(true);
            AtomicReference<TimeoutScope> scope = new AtomicReference<>();
            Task<String> task = loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(
                    Async.<String>timeoutScopeAsync(Duration.ofHours(1), s -> {
                        scope.set(s);
                        s.reschedule(loop.time().minusSeconds(1));
                        expiredInBody.set(s.expired());
                        return never;
                    }))));
            Throwable e = failureOf(loop, task);
            assertInstanceOf(AsyncTimeoutException.class, e);
            assertFalse(expiredInBody.get(), "expired() before the loop acted on the deadline");
            assertTrue(scope.get().expired());
            assertTrue(never.isCancelled(), "the body's stage is cancelled");
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aZeroTimeoutWhoseBodyRemovesTheDeadlineWaitsForTheStage(Threading t) {
        try (Loop loop = newLoop(t)) {
            for (int round = 0; round < ROUNDS; round++) {
                Task<String> task = loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(
                        Async.<String>timeoutScopeAsync(Duration.ZERO, s -> {
                            s.reschedule(null);
                            return Async.sleepAsync(Duration.ofMillis(2)).thenApply(v -> "late");
                        }))));
                assertEquals("late", loop.runUntilComplete(task), "round " + round);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aZeroTimeoutWhoseBodyMovesTheDeadlineLaterWaitsForTheStage(Threading t) {
        try (Loop loop = newLoop(t)) {
            for (int round = 0; round < ROUNDS; round++) {
                Task<String> task = loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(
                        Async.<String>timeoutScopeAsync(Duration.ZERO, s -> {
                            s.reschedule(loop.time().plusSeconds(60));
                            return Async.sleepAsync(Duration.ofMillis(2)).thenApply(v -> "late");
                        }))));
                assertEquals("late", loop.runUntilComplete(task), "round " + round);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aZeroTimeoutOverAPendingStageTimesOutAndReportsAZeroLength(Threading t) {
        try (Loop loop = newLoop(t)) {
            CompletableFuture<String> never = new CompletableFuture<>();
            Task<String> task = loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(
                    Async.<String>timeoutAsync(Duration.ZERO, () -> never))));
            Throwable e = failureOf(loop, task);
            AsyncTimeoutException te = assertInstanceOf(AsyncTimeoutException.class, e);
            assertTrue(never.isCancelled());
            assertNotNull(te.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void theDeadlineSeenInTheBodyIsTheOneThatFires(Threading t) {
        try (Loop loop = newLoop(t)) {
            AtomicReference<Duration> seen = new AtomicReference<>();
            AtomicReference<Duration> before = new AtomicReference<>();
            CompletableFuture<String> never = new CompletableFuture<>();
            Task<String> task = loop.runUntilComplete(loop.createTaskAsync(() -> {
                before.set(loop.time());
                return CompletableFuture.completedFuture(Async.<String>timeoutScopeAsync(Duration.ofMillis(50), s -> {
                    seen.set(s.deadline());
                    return never;
                }));
            }));
            long t0 = System.nanoTime();
            Throwable e = failureOf(loop, task);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertInstanceOf(AsyncTimeoutException.class, e);
            assertNotNull(seen.get());
            long ahead = seen.get().minus(before.get()).toMillis();
            assertTrue(ahead >= 45 && ahead <= 1000, "deadline " + ahead + " ms after the start");
            assertTrue(took < 5000, "took " + took);
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void anOuterZeroTimeoutOverAnInnerLongOneIsTheOutersTimeout(Threading t) {
        try (Loop loop = newLoop(t)) {
            for (int round = 0; round < ROUNDS; round++) {
                CompletableFuture<String> never = new CompletableFuture<>();
                AtomicReference<Task<String>> inner = new AtomicReference<>();
                AtomicBoolean innerBodyRan = new AtomicBoolean();
                Task<String> task = loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(
                        Async.<String>timeoutAsync(Duration.ZERO, () -> {
                            Task<String> in = Async.timeoutAsync(Duration.ofHours(1), () -> {
                                innerBodyRan.set(true);
                                return never;
                            });
                            inner.set(in);
                            return in;
                        }))));
                Throwable e = failureOf(loop, task);
                assertInstanceOf(AsyncTimeoutException.class, e, "round " + round);
                // under DEFAULT_DISPATCHER the outer deadline may act before the inner task's first
                // step: that task is then cancelled before its body starts, and never runs it
                assertTrue(never.isCancelled() || !innerBodyRan.get(), "round " + round);
                assertTrue(inner.get().isCancelled(), "the inner is cancelled, not timed out: round " + round);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void anInnerZeroTimeoutInsideAnOuterLongOneIsTheInnersOwn(Threading t) {
        try (Loop loop = newLoop(t)) {
            for (int round = 0; round < ROUNDS; round++) {
                CompletableFuture<String> never = new CompletableFuture<>();
                AtomicReference<TimeoutScope> outer = new AtomicReference<>();
                Task<String> task = loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(
                        Async.<String>timeoutScopeAsync(Duration.ofHours(1), s -> {
                            outer.set(s);
                            return Async.<String>timeoutAsync(Duration.ZERO, () -> never)
                                    .exceptionally(x -> "handled " + (x instanceof AsyncTimeoutException
                                            || x.getCause() instanceof AsyncTimeoutException));
                        }))));
                assertEquals("handled true", loop.runUntilComplete(task), "round " + round);
                assertFalse(outer.get().expired());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void cancellingTheTaskWhileItsBodyHasNotReturnedStaysACancellation(Threading t) {
        try (Loop loop = newLoop(t)) {
            for (int round = 0; round < ROUNDS; round++) {
                CompletableFuture<String> never = new CompletableFuture<>();
                AtomicReference<Task<String>> self = new AtomicReference<>();
                Task<String> task = loop.runUntilComplete(loop.createTaskAsync(() -> {
                    Task<String> tt = Async.timeoutAsync(Duration.ZERO, () -> {
                        while (self.get() == null) Thread.onSpinWait();
                        self.get().cancel();
                        return never;
                    });
                    self.set(tt);
                    return CompletableFuture.completedFuture(tt);
                }));
                Throwable e = failureOf(loop, task);
                assertInstanceOf(CancellationException.class, e, "round " + round);
                assertTrue(task.isCancelled());
                assertTrue(never.isCancelled(), "round " + round);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void rescheduleAfterTheBodyReturnedFromAnotherThreadStillActs(Threading t) throws Exception {
        try (Loop loop = newLoop(t)) {
            CompletableFuture<String> never = new CompletableFuture<>();
            AtomicReference<TimeoutScope> scope = new AtomicReference<>();
            Task<String> task = loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(
                    Async.<String>timeoutScopeAsync(Duration.ofHours(1), s -> {
                        scope.set(s);
                        return never;
                    }))));
            loop.runUntilComplete(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(20))));
            assertNotNull(scope.get(), "the body has run");
            Thread other = new Thread(() -> scope.get().reschedule(Duration.ZERO));
            other.start();
            other.join();
            assertInstanceOf(AsyncTimeoutException.class, failureOf(loop, task));
        }
    }

    static void unused() {
        assertThrows(RuntimeException.class, () -> { throw new RuntimeException(); });
    }
}
