package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cancellation requests counted per task (asyncio's cancelling()/uncancel()): every timeout scope
 * and task group turns only its own request into its outcome and leaves the others pending; a
 * cancelled awaiter gets the failure of what it awaited.
 */
@Timeout(60)
class CancelRequestTest {

    /** Keeps the thread busy without a wait, so that an interrupt stays pending. */
    static void busyFor(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) Thread.onSpinWait();
    }

    // ----------------------------------------------------------- nested deadlines (issue 12.2)

    /** Both deadlines pass while the inner body is busy: the inner lets the cancellation through, the outer raises its timeout (asyncio). */
    static String nestedDeadlinesBothPassed(Duration outer, Duration inner, Duration busy, Duration longWait) {
        AtomicReference<String> innerSaw = new AtomicReference<>("nothing");
        try {
            return Async.timeout(outer, () -> {
                AtomicReference<TimeoutScope> innerScope = new AtomicReference<>();
                try {
                    Async.timeoutScope(inner, scope -> {
                        innerScope.set(scope);
                        busyFor(busy);
                        Async.sleep(longWait);
                        return null;
                    });
                    innerSaw.set("no timeout");
                } catch (AsyncTimeoutException e) {
                    innerSaw.set("inner timeout");
                } finally {
                    // on a loaded machine the outer deadline may act first, before the inner one has:
                    // then the inner scope rightly passes the outer request on as a cancellation;
                    // or the inner deadline passes as the outer's interrupt ends the body, and the
                    // inner scope is expired but passes the outer request on (asyncio's Timeout too:
                    // uncancel() leaves a request, so the CancelledError is not turned into a timeout)
                    if (innerSaw.get().equals("nothing")) innerSaw.set(innerScope.get().expired() ? "inner expired under the outer's cancellation" : "inner not expired");
                }
                Async.sleep(longWait); // the outer deadline has passed: must be interrupted here
                return "outer deadline lost after " + innerSaw.get();
            });
        } catch (AsyncTimeoutException e) {
            if (Thread.currentThread().isInterrupted()) return "interrupt left set";
            return innerSaw.get() + ", outer timeout";
        }
    }

    @Test
    void nestedBlockingDeadlinesBothPassedEachFires() {
        Async.run(loop -> {
            long start = System.nanoTime();
            // asyncio's rule: the inner Timeout does not convert while the outer's request is pending too
            // (until 2026-12-06 the inner raised its timeout: "inner timeout, outer timeout")
            assertEquals("inner expired under the outer's cancellation, outer timeout", nestedDeadlinesBothPassed(Duration.ofMillis(100), Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(20)));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
            // and the same with only the inner one passed: the outer body runs on
            assertEquals("fine", Async.timeout(Duration.ofSeconds(20), () -> {
                assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(10), () -> {
                    busyFor(Duration.ofMillis(30));
                    Async.sleep(Duration.ofSeconds(20));
                    return null;
                }));
                Async.sleep(Duration.ofMillis(5));
                return "fine";
            }));
            assertFalse(Thread.currentThread().isInterrupted());
            return null;
        });
    }

    @Test
    void nestedNonBlockingDeadlinesBothPassedEachFires() {
        String r = Async.runAsync(loop -> Async.timeoutAsync(Duration.ofMillis(100), () ->
                Async.timeoutAsync(Duration.ofMillis(20), () -> {
                    busyFor(Duration.ofMillis(200));
                    return Async.sleepAsync(Duration.ofSeconds(20)).thenApply(v -> "no timeout");
                }).exceptionallyCompose(e -> e instanceof AsyncTimeoutException
                        ? Async.sleepAsync(Duration.ofSeconds(20)).thenApply(v -> "outer deadline lost")
                        : CompletableFuture.failedFuture(e)))
                .handle((v, e) -> e instanceof AsyncTimeoutException ? "outer timeout" : "got " + v + " / " + e));
        assertEquals("outer timeout", r);
    }

    @Test
    void aTimeoutInsideATimeoutThatAlreadyFiredIsItsOwn() {
        // the outer deadline passed (its request is pending) when an inner scope with a later deadline starts
        Async.run(loop -> {
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(10), () -> {
                busyFor(Duration.ofMillis(50));
                return Async.timeout(Duration.ofSeconds(20), () -> {
                    Async.sleep(Duration.ofSeconds(20));
                    return "inner ran on";
                });
            }));
            assertFalse(Thread.currentThread().isInterrupted());
            return null;
        });
    }

    // ------------------------------------------------ a timeout in cleanup code (issue 12.3)

    @Test
    void aTimeoutInCleanupAfterACaughtCancellationIsItsOwnTimeout() {
        Async.run(loop -> {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Object> seen = new AtomicReference<>();
            AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
            AtomicReference<String> laterSleep = new AtomicReference<>();
            Task<String> t = loop.createTask(() -> {
                try {
                    started.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return "slept";
                } catch (CancellationException cancelled) {
                    try {
                        Async.timeout(Duration.ZERO, () -> {
                            Async.sleep(Duration.ofSeconds(20));
                            return null;
                        });
                        seen.set("no exception");
                    } catch (Throwable e) {
                        seen.set(e);
                    }
                    interruptedAfter.set(Thread.currentThread().isInterrupted());
                    Async.sleep(Duration.ofMillis(1)); // cleanup goes on waiting normally
                    laterSleep.set("ok");
                    throw cancelled;
                }
            });
            started.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertInstanceOf(AsyncTimeoutException.class, seen.get());
            assertEquals(false, interruptedAfter.get());
            assertEquals("ok", laterSleep.get());
            return null;
        });
    }

    @Test
    void aCancelMadeInsideAScopeStaysACancellation() {
        Async.run(loop -> {
            AtomicReference<Object> seen = new AtomicReference<>();
            Task<String> t = loop.createTask(() -> {
                Task<?> me = Async.currentTask();
                try {
                    return Async.timeout(Duration.ofSeconds(20), () -> {
                        me.cancel();
                        Async.sleep(Duration.ofSeconds(20));
                        return "slept";
                    });
                } catch (Throwable e) {
                    seen.set(e);
                    throw e;
                }
            });
            assertThrows(CancellationException.class, t::join);
            assertInstanceOf(CancellationException.class, seen.get());
            // and a cancel that arrives as a zero deadline also passes, in cleanup code: still a cancellation
            AtomicReference<Object> seen2 = new AtomicReference<>();
            Task<String> t2 = loop.createTask(() -> {
                Task<?> me = Async.currentTask();
                try {
                    Async.sleep(Duration.ofMinutes(1));
                } catch (CancellationException first) {
                    try {
                        Async.timeout(Duration.ZERO, () -> {
                            busyFor(Duration.ofMillis(20)); // the zero deadline fires in the meantime
                            me.cancel("again");
                            Async.sleep(Duration.ofSeconds(20));
                            return null;
                        });
                    } catch (Throwable e) {
                        seen2.set(e);
                    }
                }
                return "done";
            });
            Async.sleep(Duration.ofMillis(20));
            t2.cancel();
            assertThrows(CancellationException.class, t2::join);
            return null;
        });
    }

    @Test
    void aTimeoutInNonBlockingCleanupIsItsOwnTimeout() {
        Object r = Async.runAsync(loop -> {
            Task<Void> sleeping = Async.sleepAsync(Duration.ofMinutes(1));
            Task<Object> t = loop.createTaskAsync(() -> sleeping.thenApply(v -> (Object) v).exceptionallyCompose(e -> Async.timeoutAsync(Duration.ZERO,
                    () -> Async.sleepAsync(Duration.ofSeconds(20)).thenApply(v -> (Object) "slept"))
                    .handle((v, e2) -> (Object) e2)));
            return Async.sleepAsync(Duration.ofMillis(10)).thenCompose(v -> {
                sleeping.cancel();
                return t;
            });
        });
        assertInstanceOf(AsyncTimeoutException.class, r);
    }

    // ----------------------------------- a cancelled awaiter gets the awaited failure (issue 12.4)

    /** A blocking body that waits, and throws {@code x} when it is cancelled. */
    static java.util.concurrent.Callable<String> failsWhenCancelled(RuntimeException x, CountDownLatch started) {
        return () -> {
            try {
                started.countDown();
                Async.sleep(Duration.ofMinutes(1));
                return "slept";
            } catch (CancellationException e) {
                Async.sleep(Duration.ofMillis(5));
                throw x;
            }
        };
    }

    /** outer waits through {@code how}; outer.cancel() goes down; inner fails with X; outer gets X and ends FAILED with it. */
    static void cancelledAwaiterGetsTheFailure(Loop loop, boolean blockingOuter, Function<Task<String>, Object> how) throws Exception {
        RuntimeException x = new IllegalStateException("X");
        CountDownLatch started = new CountDownLatch(1);
        Task<String> inner = loop.createTask(failsWhenCancelled(x, started));
        AtomicReference<Throwable> seenInOuter = new AtomicReference<>();
        CountDownLatch outerRuns = new CountDownLatch(1);
        Task<?> outer;
        if (blockingOuter) {
            outer = loop.createTask(() -> {
                try {
                    outerRuns.countDown(); // a cancel from here on reaches the join below (an interrupt waits for it)
                    return ((Task<?>) how.apply(inner)).join();
                } catch (Throwable e) {
                    seenInOuter.set(e);
                    throw e;
                }
            });
        } else {
            outer = loop.createTaskAsync(() -> {
                outerRuns.countDown();
                return (Task<?>) how.apply(inner);
            });
        }
        started.await();
        outerRuns.await(); // else a cancel before the body starts means it never runs: CANCELLED, rightly
        Async.sleep(Duration.ofMillis(10));
        outer.cancel();
        Throwable e = assertThrows(Throwable.class, outer::join);
        assertSame(x, e, "the outer task's join throws X");
        assertEquals(TaskState.FAILED, outer.state());
        assertSame(x, outer.exceptionNow());
        if (blockingOuter) assertSame(x, seenInOuter.get(), "the wait inside outer threw X");
    }

    @Test
    void aCancelledAwaiterGetsTheFailureOfWhatItAwaited() {
        Async.run(loop -> {
            for (boolean blocking : new boolean[] {true, false}) {
                cancelledAwaiterGetsTheFailure(loop, blocking, inner -> inner);
            }
            return null;
        });
    }

    @Test
    void aCancelledAwaiterGetsTheFailureThroughGather() {
        Async.run(loop -> {
            for (boolean blocking : new boolean[] {true, false}) {
                cancelledAwaiterGetsTheFailure(loop, blocking, inner -> Async.gather(List.of(inner)));
            }
            return null;
        });
    }

    @Test
    void aCancelledAwaiterGetsTheFailureThroughATaskGroupsTask() throws Exception {
        Async.run(loop -> {
            for (boolean blockingGroup : new boolean[] {true, false}) {
                RuntimeException x = new IllegalStateException("X");
                CountDownLatch started = new CountDownLatch(1);
                AtomicReference<Throwable> seenInOuter = new AtomicReference<>();
                Task<String> outer = blockingGroup
                        ? loop.createTask(() -> {
                            try {
                                return Async.taskGroup((TaskGroup g) -> {
                                    return g.createTask(failsWhenCancelled(x, started)).join();
                                });
                            } catch (Throwable e) {
                                seenInOuter.set(e);
                                throw e;
                            }
                        })
                        : loop.createTaskAsync(() -> Async.taskGroupAsync(g -> g.createTask(failsWhenCancelled(x, started))));
                started.await();
                Async.sleep(Duration.ofMillis(10));
                outer.cancel();
                assertSame(x, assertThrows(Throwable.class, outer::join));
                assertEquals(TaskState.FAILED, outer.state());
                if (blockingGroup) assertSame(x, seenInOuter.get());
            }
            return null;
        });
    }

    // --------------------------------- a request answered by a failure stays pending

    /**
     * A blocking task runs {@code wait}, which ends in X once the task is cancelled (its request
     * went down, and was answered with X), catches X and waits again; it is cancelled once
     * {@code started} has counted down. {@code wait} must throw X (the same instance), and the
     * task's request must stay pending, so that its next wait is cancelled (nothing took the
     * request back; asyncio's request counting). It was taken as spent, and the next wait ran on as
     * if the task had never been cancelled.
     */
    static void aFailureAnsweringTheRequestLeavesItPending(Loop loop, RuntimeException x, CountDownLatch started, Callable<?> wait) throws Exception {
        AtomicReference<Object> waitThrew = new AtomicReference<>();
        AtomicReference<String> nextWait = new AtomicReference<>("not reached");
        CountDownLatch runs = new CountDownLatch(1);
        Task<String> t = loop.createTask(() -> {
            runs.countDown();
            try {
                wait.call();
            } catch (CancellationException e) {
                waitThrew.set(e);
                throw e;
            } catch (RuntimeException e) {
                waitThrew.set(e);
            }
            try {
                Async.sleep(Duration.ofSeconds(20));
                nextWait.set("slept");
            } catch (CancellationException e) {
                nextWait.set("cancelled");
                throw e;
            }
            return "done";
        });
        started.await();
        runs.await();
        Async.sleep(Duration.ofMillis(10));
        t.cancel();
        assertThrows(CancellationException.class, () -> t.join(Duration.ofSeconds(10)));
        assertSame(x, waitThrew.get(), "the wait threw what the awaited ended with");
        assertEquals("cancelled", nextWait.get());
        assertEquals(TaskState.CANCELLED, t.state());
    }

    @Test
    void aRequestAnsweredByAFailureStaysPendingForTheNextWait() {
        Async.run(loop -> {
            RuntimeException x = new IllegalStateException("X");
            CountDownLatch started = new CountDownLatch(1);
            Task<String> inner = loop.createTask(failsWhenCancelled(x, started));
            aFailureAnsweringTheRequestLeavesItPending(loop, x, started, inner::join);
            return null;
        });
    }

    /** A wait that ends after about {@code inner}, by returning or throwing. */
    interface InnerWait {
        void run(Duration inner) throws Exception;
    }

    /**
     * An outer Async.timeout whose deadline lands as an inner wait ends, 300 times: the body
     * catches what the inner wait threw and waits again, and the outer deadline must cut that
     * wait. Returns how the first round that lost it went, or null.
     */
    static String outerDeadlineSurvives(String what, InnerWait innerWait) throws Exception {
        java.util.Random r = new java.util.Random(what.hashCode());
        for (int i = 0; i < 300; i++) {
            long outerMicros = 2000 + r.nextInt(400);
            long innerMicros = 2000 + r.nextInt(400);
            AtomicReference<Object> innerThrew = new AtomicReference<>("nothing");
            String how;
            try {
                how = Async.timeout(Duration.ofNanos(outerMicros * 1000), () -> {
                    try {
                        innerWait.run(Duration.ofNanos(innerMicros * 1000));
                    } catch (CancellationException e) {
                        throw e;
                    } catch (AsyncTimeoutException | IllegalStateException e) {
                        innerThrew.set(e);
                    }
                    Async.sleep(Duration.ofSeconds(2));
                    return "the body ran on";
                });
            } catch (AsyncTimeoutException e) {
                how = null;
            }
            if (how != null) return what + ", round " + i + ": " + how + " (outer " + outerMicros + " us, inner " + innerMicros + " us; the inner wait threw " + innerThrew.get() + ")";
        }
        return null;
    }

    @Test
    void anOuterDeadlineLandingAsAnInnerWaitEndsIsNotLost() {
        Async.run(loop -> {
            assertEquals(null, outerDeadlineSurvives("waitFor of a blocking task", inner -> Async.waitFor(loop.createTask(() -> {
                Async.sleep(Duration.ofSeconds(5));
                return "slow";
            }), inner).join()));
            assertEquals(null, outerDeadlineSurvives("join of a task failing at the deadline", inner -> loop.createTask(() -> {
                Async.sleep(inner);
                throw new IllegalStateException("fails");
            }).join()));
            return null;
        });
    }

    // ------------------------------------ an outer cancel meets a group's own (issue 16.2)

    /**
     * A task runs a group whose child fails; while the group cancels its other child (which takes
     * a while to finish), the task is cancelled from outside. The group raises the child's failure;
     * the task's own cancellation arrives at its next wait. Returns what went wrong, or null.
     */
    static String outerCancelSurvivesTheGroup(Loop loop, boolean blockingGroup, boolean cancelFromChild) throws Exception {
        RuntimeException x = new IllegalStateException("child failed");
        CountDownLatch childFailed = new CountDownLatch(1);
        AtomicReference<Object> groupRaised = new AtomicReference<>();
        AtomicReference<String> after = new AtomicReference<>("not reached");
        AtomicReference<Task<?>> outer = new AtomicReference<>();
        java.util.concurrent.Callable<String> failing = () -> {
            Async.sleep(Duration.ofMillis(2));
            while (cancelFromChild && outer.get() == null) Thread.onSpinWait();
            if (cancelFromChild) outer.get().cancel(); // the outer cancel lands in the instant the child fails
            childFailed.countDown();
            throw x;
        };
        java.util.concurrent.Callable<String> slowToStop = () -> {
            try {
                Async.sleep(Duration.ofMinutes(1));
                return "slept";
            } catch (CancellationException e) {
                busyFor(Duration.ofMillis(3));
                throw e;
            }
        };
        Task<String> t;
        if (blockingGroup) {
            t = loop.createTask(() -> {
                try {
                    Async.taskGroup(g -> {
                        g.createTask(slowToStop);
                        g.createTask(failing);
                        Async.sleep(Duration.ofMinutes(1));
                        return null;
                    });
                    groupRaised.set("nothing");
                } catch (Throwable e) {
                    groupRaised.set(e);
                }
                try {
                    Async.sleep(Duration.ofSeconds(1));
                    after.set("the next wait completed");
                } catch (CancellationException e) {
                    after.set("cancelled");
                    throw e;
                }
                return "done";
            });
        } else {
            t = loop.createTaskAsync(() -> Async.taskGroupAsync(g -> {
                        g.createTask(slowToStop);
                        g.createTask(failing);
                        return Async.sleepAsync(Duration.ofMinutes(1));
                    })
                    .handle((v, e) -> {
                        groupRaised.set(e == null ? "nothing" : e);
                        return null;
                    })
                    .thenComposeAsync(v -> Async.sleepAsync(Duration.ofSeconds(1)))
                    .handle((v, e) -> {
                        after.set(e == null ? "the next wait completed" : e instanceof CancellationException ? "cancelled" : "got " + e);
                        return "done";
                    }));
        }
        outer.set(t);
        childFailed.await();
        if (!cancelFromChild) {
            long pause = (long) (Math.random() * 300_000);
            if (pause > 100_000) Async.sleep(Duration.ofNanos(pause));
            t.cancel();
        }
        try {
            t.join(Duration.ofSeconds(20));
        } catch (CancellationException expected) {
            // right
        } catch (Throwable e) {
            return "the task ended with " + e;
        }
        if (t.state() != TaskState.CANCELLED) return "the task ended " + t.state();
        Object raised = groupRaised.get();
        // non-blocking: the cancellation may cancel the chain before the group's handler runs (raised stays null)
        if (raised != x && !(raised instanceof CancellationException) && !(raised == null && !blockingGroup)) return "the group raised " + raised;
        // non-blocking: the cancellation of the chain's tail may also keep the next stage from running at all
        boolean delivered = after.get().equals("cancelled") || (!blockingGroup && after.get().equals("not reached"));
        if (raised == x && !delivered) return "cancellation absorbed: " + after.get();
        return null;
    }

    @Test
    void anOuterCancelJustAfterAChildFailedSurvivesTheGroup() {
        Async.run(loop -> {
            for (int i = 0; i < 20; i++) {
                for (boolean blocking : new boolean[] {true, false}) {
                    String wrong = outerCancelSurvivesTheGroup(loop, blocking, i % 2 == 0);
                    assertEquals(null, wrong, (blocking ? "blocking" : "non-blocking") + " round " + i);
                }
            }
            return null;
        });
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(LoopOptions.Threading.class)
    void aCancelMessageGoesDownToTheTaskAwaited(LoopOptions.Threading threading) {
        // Before: the awaited task got the default "Task-N was cancelled". asyncio's cancel(msg)
        // passes msg down to the future the task waits on
        for (boolean blocking : new boolean[] {true, false}) {
            Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                java.util.concurrent.CountDownLatch asleep = new java.util.concurrent.CountDownLatch(1);
                Task<Integer> inner = loop.createTask(() -> {
                    asleep.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return 1;
                });
                Task<Integer> outer = blocking ? loop.createTask(() -> inner.join()) : loop.createTaskAsync(() -> inner);
                asleep.await();
                while (outer.state() != TaskState.RUNNING) {
                    Async.sleep(Duration.ofMillis(1));
                }
                outer.cancel("the message");
                java.util.concurrent.CancellationException ofOuter = assertThrows(java.util.concurrent.CancellationException.class, outer::join);
                java.util.concurrent.CancellationException ofInner = assertThrows(java.util.concurrent.CancellationException.class, inner::join);
                String style = blocking ? "blocking: " : "non-blocking: ";
                assertEquals("the message", ofOuter.getMessage(), style + "the outer task's");
                assertEquals("the message", ofInner.getMessage(), style + "the awaited task's");
                Task<Integer> plain = loop.createTask(() -> {
                    Async.sleep(Duration.ofMinutes(1));
                    return 1;
                });
                Task<Integer> follower = loop.createTaskAsync(() -> plain);
                while (follower.state() != TaskState.RUNNING) {
                    Async.sleep(Duration.ofMillis(1));
                }
                follower.cancel();
                java.util.concurrent.CancellationException ofPlain = assertThrows(java.util.concurrent.CancellationException.class, plain::join);
                assertEquals(plain.name() + " was cancelled", ofPlain.getMessage(), "no message: each task's default");
                return null;
            });
        }
    }
}
