package dev.aio4j.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.TimeoutScope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** asyncio.timeout / Timeout in nesting and edge cases. */
@Timeout(60)
class TimeoutEdgesTest {

    /**
     * asyncio: {@code async with asyncio.timeout(0): return "x"} returns "x": the deadline is acted on
     * by a callback at the next step, and the body runs until its first await. The Javadoc of
     * timeoutAsync: "body is called on the loop". wait_for(fut, 0)'s special case (cancel a task not
     * done at once) is wait_for's, not timeout's.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void timeoutAsyncOfZeroCallsTheBodyAndKeepsAnImmediateResult(Threading threading) {
        AtomicBoolean called = new AtomicBoolean();
        Object r = Async.runAsync(ScopeSupport.options(threading), loop -> Async.timeoutAsync(Duration.ZERO, () -> {
            called.set(true);
            return CompletableFuture.completedFuture("x");
        }).handle((v, e) -> e == null ? v : e));
        assertTrue(called.get(), "the body was never called; the task ended with " + r);
        assertEquals("x", r);
    }

    /**
     * asyncio: {@code async with asyncio.timeout(0) as cm: cm.reschedule(None); await sleep(0.02)}
     * runs to the end: the body may move a deadline that has not been acted on yet.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void timeoutScopeAsyncOfZeroLetsTheBodyRemoveTheDeadline(Threading threading) {
        Object r = Async.runAsync(ScopeSupport.options(threading), loop -> Async.timeoutScopeAsync(Duration.ZERO, scope -> {
            scope.reschedule(null);
            return Async.sleepAsync(Duration.ofMillis(20)).thenApply(v -> "ran on");
        }).handle((v, e) -> e == null ? v : e));
        assertEquals("ran on", r);
    }

    /**
     * From a blocking body, timeoutAsync(0) too calls its body (a later step of the loop) before
     * the deadline is acted on.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void timeoutAsyncOfZeroFromABlockingBodyCallsTheBody(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            AtomicBoolean called = new AtomicBoolean();
            Task<String> t = Async.timeoutAsync(Duration.ZERO, () -> {
                called.set(true);
                return CompletableFuture.completedFuture("x");
            });
            Object r = t.handle((v, e) -> e == null ? v : e).join();
            assertTrue(called.get(), "the body was never called; the task ended with " + r);
            assertEquals("x", r);
            return null;
        });
    }

    /**
     * Two nested deadlines pass at the same time while the body is busy; the inner body catches
     * the inner scope's timeout and returns a fallback without waiting again. In asyncio the inner
     * Timeout does not convert (uncancel() leaves the outer's request: cancelling() is above what
     * it was at entry), the CancelledError reaches the outer Timeout, which raises TimeoutError.
     * An expired outer deadline must not be lost: the outer scope must raise its timeout.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void anOuterDeadlinePassingWithTheInnerOneIsNotLostWhenTheInnerTimeoutIsHandled(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            AtomicReference<TimeoutScope> outerScope = new AtomicReference<>();
            AtomicReference<String> innerSaw = new AtomicReference<>("nothing");
            Object outcome;
            try {
                outcome = Async.timeoutScope(Duration.ofMillis(40), outer -> {
                    outerScope.set(outer);
                    try {
                        return Async.timeout(Duration.ofMillis(20), () -> {
                            ScopeSupport.busyFor(Duration.ofMillis(200)); // both deadlines pass here
                            Async.sleep(Duration.ofSeconds(20));
                            return "slept";
                        });
                    } catch (AsyncTimeoutException e) {
                        innerSaw.set("inner timeout");
                        return "fallback"; // no wait after it: asyncio never gets here
                    }
                });
            } catch (AsyncTimeoutException e) {
                outcome = e;
            }
            assertTrue(outerScope.get().expired(), "the outer deadline passed and was acted on");
            assertFalse(Thread.currentThread().isInterrupted());
            assertInstanceOf(AsyncTimeoutException.class, outcome,
                    "the outer scope expired but returned " + outcome + " (inner saw: " + innerSaw.get() + ")");
            return null;
        });
    }

    /** A blocking TaskGroup inside a timeout: the deadline cancels the body and every child; the timeout is raised. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aDeadlineCancelsAGroupInsideItAndIsRaised(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            for (boolean bodyWaits : new boolean[] {true, false}) {
                List<Task<?>> children = new CopyOnWriteArrayList<>();
                AsyncTimeoutException e = assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(30), () -> {
                    Async.taskGroup(tg -> {
                        children.add(tg.createTask(() -> {
                            Async.sleep(Duration.ofMinutes(1));
                        }));
                        children.add(tg.createTaskAsync(() -> Async.sleepAsync(Duration.ofMinutes(1))));
                        if (bodyWaits) Async.sleep(Duration.ofMinutes(1));
                    });
                    return "never";
                }), "body waits: " + bodyWaits);
                assertInstanceOf(CancellationException.class, e.getCause());
                for (Task<?> c : children) assertEquals(TaskState.CANCELLED, c.state(), "body waits: " + bodyWaits);
                assertFalse(Thread.currentThread().isInterrupted(), "body waits: " + bodyWaits);
                Async.sleep(Duration.ofMillis(1)); // nothing pending
            }
            return null;
        });
    }

    /** A non-blocking group inside timeoutAsync: the same. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aDeadlineCancelsANonBlockingGroupInsideIt(Threading threading) {
        List<Task<?>> children = new CopyOnWriteArrayList<>();
        Object r = Async.runAsync(ScopeSupport.options(threading), loop -> Async.timeoutAsync(Duration.ofMillis(30), () -> Async.taskGroupAsync(tg -> {
            children.add(tg.createTask(() -> {
                Async.sleep(Duration.ofMinutes(1));
            }));
            children.add(tg.createTaskAsync(() -> Async.sleepAsync(Duration.ofMinutes(1))));
            return Async.sleepAsync(Duration.ofMinutes(1));
        })).handle((v, e) -> e));
        assertInstanceOf(AsyncTimeoutException.class, r);
        assertEquals(2, children.size());
        for (Task<?> c : children) assertEquals(TaskState.CANCELLED, c.state());
    }

    /**
     * A body whose blocking call reports the deadline's interrupt wrapped (a JDBC driver's
     * SQLException caused by InterruptedException, an UncheckedIOException of an
     * InterruptedIOException): the interrupt was the deadline's, so the scope raises its timeout,
     * as a cancelled blocking task counts "any exception caused by" the interrupt as its
     * cancellation (ARCHITECTURE.md). Before, the wrapper came out, and the timeout was lost.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aDeadlinesInterruptReportedWrappedIsStillTheTimeout(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            AsyncTimeoutException e = assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(20), () -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException ie) {
                    throw new IllegalStateException("driver: query interrupted", ie);
                }
                return "never";
            }));
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertFalse(Thread.currentThread().isInterrupted());
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(20), () -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException ie) {
                    throw new java.io.IOException("checked wrapper", ie);
                }
                return "never";
            }));
            assertFalse(Thread.currentThread().isInterrupted());
            return null;
        });
    }

    /**
     * timeoutAsync(0) over a body whose stage is already done, many rounds: under
     * DEFAULT_DISPATCHER the deadline's timer runs on the loop's thread while the body runs on a
     * worker; the result of a done stage must still win (asyncio: a body that returns before its
     * first await is never cancelled).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void timeoutAsyncOfZeroOverADoneStageAlwaysKeepsTheResult(Threading threading) {
        int rounds = ScopeSupport.rounds("structured.rounds", 300) * 3;
        String wrong = Async.run(ScopeSupport.options(threading), loop -> {
            int bad = 0;
            String first = null;
            for (int i = 0; i < rounds; i++) {
                String v = "v" + i;
                Object r = Async.timeoutAsync(Duration.ZERO, () -> CompletableFuture.completedFuture(v)).handle((x, e) -> e == null ? x : e).join();
                if (!v.equals(r)) {
                    bad++;
                    if (first == null) first = "round " + i + ": " + r;
                }
            }
            return bad == 0 ? null : bad + " of " + rounds + " rounds lost the result; first " + first;
        });
        assertEquals(null, wrong);
    }

    /**
     * The inner deadline fires; while the inner body handles its cancellation (a clean-up wait,
     * still inside the inner scope), the outer deadline fires: the clean-up wait is cut, and the
     * outer scope raises its timeout. asyncio: the inner Timeout sees a request that is not its
     * own (uncancel() > cancelling() at entry) and lets the CancelledError through.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void theOuterDeadlineFiringWhileTheInnerHandlesItsExpiryIsRaisedByTheOuter(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            List<String> log = new CopyOnWriteArrayList<>();
            AtomicReference<TimeoutScope> outerScope = new AtomicReference<>();
            AtomicReference<TimeoutScope> innerScope = new AtomicReference<>();
            long start = System.nanoTime();
            AsyncTimeoutException e = assertThrows(AsyncTimeoutException.class, () -> Async.timeoutScope(Duration.ofMillis(80), outer -> {
                outerScope.set(outer);
                try {
                    return Async.timeoutScope(Duration.ofMillis(10), inner -> {
                        innerScope.set(inner);
                        try {
                            Async.sleep(Duration.ofMinutes(1));
                        } catch (CancellationException c) {
                            log.add("inner expired");
                            try {
                                Async.sleep(Duration.ofMinutes(1)); // the clean-up: cut by the outer deadline
                                log.add("clean-up ran to its end");
                            } catch (CancellationException c2) {
                                log.add("clean-up cut");
                                throw c2;
                            }
                            throw c;
                        }
                        return "slept";
                    });
                } catch (AsyncTimeoutException inner) {
                    log.add("the inner timeout reached the outer body");
                    Async.sleep(Duration.ofMinutes(1));
                    return "outer deadline lost";
                }
            }));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
            assertEquals(List.of("inner expired", "clean-up cut"), log);
            assertTrue(innerScope.get().expired());
            assertTrue(outerScope.get().expired());
            assertTrue(e.getMessage().contains("PT0.08S"), "not the outer scope's timeout: " + e.getMessage());
            assertFalse(Thread.currentThread().isInterrupted());
            return null;
        });
    }
}
