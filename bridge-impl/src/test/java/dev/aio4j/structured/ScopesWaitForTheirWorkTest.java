package dev.aio4j.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.ExceptionContext;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Structured concurrency: when a scope ends, nothing it started is still running. */
@Timeout(120)
class ScopesWaitForTheirWorkTest {

    private static final Duration LONG = Duration.ofMinutes(1);
    private static final int ROUNDS = ScopeSupport.rounds("structured.rounds", 300);

    /** A child started by another child after the body returned (asyncio allows it) is waited for. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aTaskStartedByAChildAfterTheBodyReturnedIsWaitedFor(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            AtomicReference<Task<String>> late = new AtomicReference<>();
            Async.taskGroup(tg -> {
                tg.createTask(() -> {
                    Async.sleep(Duration.ofMillis(20));
                    late.set(tg.createTask(() -> {
                        Async.sleep(Duration.ofMillis(30));
                        return "late";
                    }));
                });
            });
            assertEquals(TaskState.SUCCESS, late.get().state());
            return null;
        });
    }

    /**
     * The task running a group (blocking or not) is cancelled while the group waits for a child
     * whose clean-up takes a while: the cancellation completes only after that clean-up.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCancelledGroupEndsOnlyAfterItsChildrensCleanup(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            for (boolean blockingGroup : new boolean[] {true, false}) {
                AtomicBoolean cleanedUp = new AtomicBoolean();
                CountDownLatch asleep = new CountDownLatch(1);
                Task<Object> t;
                if (blockingGroup) {
                    t = loop.createTask(() -> Async.taskGroup(tg -> {
                        tg.createTask(() -> slowCleanup(asleep, cleanedUp));
                        return null;
                    }));
                } else {
                    t = Async.taskGroupAsync(tg -> {
                        tg.createTask(() -> slowCleanup(asleep, cleanedUp));
                        return Async.sleepAsync(Duration.ZERO).thenApply(v -> (Object) v);
                    });
                }
                assertTrue(asleep.await(10, TimeUnit.SECONDS));
                Async.sleep(Duration.ofMillis(5));
                t.cancel();
                assertThrows(CancellationException.class, () -> t.join(Duration.ofSeconds(10)));
                assertTrue(cleanedUp.get(), (blockingGroup ? "blocking" : "non-blocking") + " group: its task ended before the child's clean-up");
                assertEquals(TaskState.CANCELLED, t.state());
            }
            return null;
        });
    }

    private static void slowCleanup(CountDownLatch asleep, AtomicBoolean cleanedUp) throws InterruptedException {
        try {
            asleep.countDown();
            Async.sleep(LONG);
        } finally {
            Thread.sleep(40);
            cleanedUp.set(true);
        }
    }

    /** timeoutAsync fails with the timeout only once the stage it cancelled has finished (its clean-up included). */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void timeoutAsyncEndsOnlyAfterTheCancelledWorkHasFinished(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            AtomicBoolean cleanedUp = new AtomicBoolean();
            CountDownLatch asleep = new CountDownLatch(1);
            // the work runs before the deadline starts: cancelled before its body started, it would
            // have no clean-up to wait for (under load a fixed 10 ms was not always enough)
            Task<Object> work = loop.createTask(() -> {
                slowCleanup(asleep, cleanedUp);
                return null;
            });
            assertTrue(asleep.await(10, TimeUnit.SECONDS));
            Task<Object> t = Async.timeoutAsync(Duration.ofMillis(10), () -> work);
            assertThrows(AsyncTimeoutException.class, () -> t.join(Duration.ofSeconds(10)));
            assertTrue(cleanedUp.get(), "the timeout came before the work's clean-up had finished");
            return null;
        });
    }

    /**
     * The non-blocking form of the failure-vs-deadline race: a group inside timeoutAsync whose
     * child fails about when the deadline passes. A child that failed is never lost to the timeout.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aChildFailingAsTheDeadlineAroundANonBlockingGroupPassesIsNeverLost(Threading threading) {
        String wrong = Async.run(ScopeSupport.options(threading), loop -> {
            List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
            loop.setExceptionHandler((Loop l, ExceptionContext c) -> reports.add(c));
            Random r = new Random(7);
            int bad = 0;
            String first = null;
            for (int i = 0; i < ROUNDS; i++) {
                RuntimeException x = new IllegalStateException("x" + i);
                long childMicros = 400 + r.nextInt(400);
                long deadlineMicros = 400 + r.nextInt(400);
                boolean blockingChild = i % 2 == 0;
                AtomicReference<Task<?>> failing = new AtomicReference<>();
                Task<Object> t = Async.timeoutAsync(Duration.ofNanos(deadlineMicros * 1000), () -> Async.taskGroupAsync(tg -> {
                    if (blockingChild) {
                        failing.set(tg.createTask(() -> {
                            try {
                                Async.sleep(Duration.ofNanos(childMicros * 1000));
                            } catch (CancellationException e) {
                                return "cancelled";
                            }
                            throw x;
                        }));
                    } else {
                        failing.set(tg.createTaskAsync(() -> Async.sleepAsync(Duration.ofNanos(childMicros * 1000)).thenApply(v -> {
                            throw x;
                        })));
                    }
                    tg.createTask(() -> {
                        Async.sleep(LONG);
                    });
                    return Async.sleepAsync(LONG).thenApply(v -> (Object) "body");
                }));
                Object outcome;
                try {
                    outcome = t.join(Duration.ofSeconds(10));
                } catch (Throwable e) {
                    outcome = e;
                }
                Task<?> f = failing.get();
                String how = null;
                if (f == null) how = "the group's body never ran; the task gave " + outcome;
                else if (f.state() == TaskState.FAILED && outcome != x) how = "the child failed, yet timeoutAsync gave " + outcome;
                else if (f.state() != TaskState.FAILED && !(outcome instanceof AsyncTimeoutException)) how = "the child ended " + f.state() + " and timeoutAsync gave " + outcome;
                if (how != null) {
                    bad++;
                    if (first == null) first = "round " + i + " (" + (blockingChild ? "blocking" : "non-blocking") + " child): " + how;
                }
            }
            if (!reports.isEmpty()) return "reported: " + reports;
            return bad == 0 ? null : bad + " of " + ROUNDS + " rounds went wrong; first " + first;
        });
        assertNull(wrong);
    }

    /** A blocking group's failure with the calling task's own timeout around it, same instance through two levels. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aFailureComesOutOfAGroupInsideATimeoutInsideAGroupAsTheSameInstance(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            RuntimeException x = new IllegalStateException("deep");
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> Async.taskGroup(outer -> {
                outer.createTask(() -> Async.timeout(LONG, () -> Async.taskGroup(inner -> {
                    inner.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(10)).thenApply(v -> {
                        throw x;
                    }));
                    Async.sleep(LONG);
                    return null;
                })));
                Async.sleep(LONG);
                return null;
            }));
            assertSame(x, thrown);
            assertEquals(0, thrown.getSuppressed().length);
            return null;
        });
    }

    /** Not a defect check: a wait_for of 0 on a pending task stays wait_for's rule (cancelled before it runs). */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void waitForOfZeroStillCancelsAPendingTaskAtOnce(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            AtomicBoolean ran = new AtomicBoolean();
            Task<String> t = loop.createTaskAsync(() -> {
                ran.set(true);
                return Async.sleepAsync(LONG).thenApply(v -> "x");
            });
            AsyncTimeoutException e = assertThrows(AsyncTimeoutException.class, () -> Async.waitFor(t, Duration.ZERO).join());
            assertInstanceOf(CancellationException.class, e.getCause());
            assertEquals(TaskState.CANCELLED, t.state());
            return null;
        });
    }

    /**
     * A non-blocking group body whose stage fails after a child has started: the group fails with
     * the body's exception (same instance) only after the child, cancelled, has finished its
     * clean-up. Called in a step of the loop (the body runs at once) and from a blocking body (a
     * later step). (A body that throws at once cancels a child before its first step: it never runs.)
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aNonBlockingGroupBodyThatFailsWaitsForItsChildren(Threading threading) {
        for (boolean fromLoopStep : new boolean[] {true, false}) {
            RuntimeException y = new IllegalArgumentException("body");
            AtomicBoolean cleanedUp = new AtomicBoolean();
            CountDownLatch asleep = new CountDownLatch(1);
            AtomicReference<Task<Void>> child = new AtomicReference<>();
            AtomicReference<Boolean> cleanedWhenDone = new AtomicReference<>();
            dev.aio4j.ThrowingFunction<dev.aio4j.TaskGroup, java.util.concurrent.CompletionStage<Object>> body = tg -> {
                Loop loop = Loop.current();
                dev.aio4j.Promise<Void> started = loop.createPromise();
                child.set(tg.createTask(() -> {
                    loop.callSoon(() -> started.complete(null));
                    slowCleanup(asleep, cleanedUp);
                }));
                // fails once the child's body runs (a fixed 20 ms was not always enough under load)
                return started.thenCompose(s -> Async.sleepAsync(Duration.ofMillis(20))).thenApply(v -> {
                    throw y;
                });
            };
            Object r;
            if (fromLoopStep) {
                r = Async.runAsync(ScopeSupport.options(threading), loop -> Async.taskGroupAsync(body)
                        .handle((v, e) -> {
                            cleanedWhenDone.set(cleanedUp.get());
                            return (Object) e;
                        }));
            } else {
                r = Async.run(ScopeSupport.options(threading), loop -> {
                    Task<Object> g = Async.taskGroupAsync(body);
                    try {
                        g.join(Duration.ofSeconds(10));
                        return "returned";
                    } catch (Throwable e) {
                        cleanedWhenDone.set(cleanedUp.get());
                        return e;
                    }
                });
            }
            String where = fromLoopStep ? "in a loop step" : "from a blocking body";
            assertSame(y, r, where);
            assertEquals(0, asleep.getCount(), where + ": the child never started");
            assertEquals(Boolean.TRUE, cleanedWhenDone.get(), where + ": the group failed before its child's clean-up ended");
            assertEquals(TaskState.CANCELLED, child.get().state(), where);
        }
    }
}
