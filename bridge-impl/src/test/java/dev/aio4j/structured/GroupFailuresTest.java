package dev.aio4j.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.aio4j.Promise;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a TaskGroup raises when several things fail, and failures meeting deadlines. */
@Timeout(120)
class GroupFailuresTest {

    private static final Duration LONG = Duration.ofMinutes(1);
    private static final int ROUNDS = ScopeSupport.rounds("structured.rounds", 300);

    private static List<ExceptionContext> recordReports(Loop loop) {
        List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
        loop.setExceptionHandler((l, c) -> reports.add(c));
        return reports;
    }

    /** A child fails; the body, interrupted, throws its own exception: the child's is raised, the body's suppressed. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aBodyFailingAfterTheChildIsSuppressed(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            List<ExceptionContext> reports = recordReports(loop);
            RuntimeException x = new IllegalStateException("child");
            RuntimeException y = new IllegalArgumentException("body");
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> Async.taskGroup(tg -> {
                tg.createTask(() -> {
                    Async.sleep(Duration.ofMillis(10));
                    throw x;
                });
                try {
                    Async.sleep(LONG);
                } catch (CancellationException e) {
                    throw y;
                }
                return null;
            }));
            assertSame(x, thrown);
            assertEquals(List.of(y), Arrays.asList(thrown.getSuppressed()));
            assertFalse(Thread.currentThread().isInterrupted());
            assertEquals(List.of(), reports);
            return null;
        });
    }

    /** The non-blocking form of the same: the body's stage fails after the child did. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aBodyStageFailingAfterTheChildIsSuppressed(Threading threading) {
        RuntimeException x = new IllegalStateException("child");
        RuntimeException y = new IllegalArgumentException("body");
        Object r = Async.runAsync(ScopeSupport.options(threading), loop -> Async.taskGroupAsync(tg -> {
            tg.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(10)).thenApply(v -> {
                throw x;
            }));
            return Async.sleepAsync(LONG).handle((v, e) -> {
                throw y;
            });
        }).handle((v, e) -> e));
        assertSame(x, r);
        assertEquals(List.of(y), Arrays.asList(x.getSuppressed()));
    }

    /** The body fails first; a child's clean-up then fails too: the body's failure is raised, the child's suppressed. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aChildFailingInItsCleanupAfterTheBodyFailedIsSuppressed(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            List<ExceptionContext> reports = recordReports(loop);
            RuntimeException y = new IllegalArgumentException("body");
            RuntimeException z = new IllegalStateException("child cleanup");
            CountDownLatch childAsleep = new CountDownLatch(1);
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> Async.taskGroup((dev.aio4j.ThrowingConsumer<dev.aio4j.TaskGroup>) tg -> {
                tg.createTask(() -> {
                    try {
                        childAsleep.countDown();
                        Async.sleep(LONG);
                    } catch (CancellationException e) {
                        throw z;
                    }
                });
                assertTrue(childAsleep.await(10, TimeUnit.SECONDS));
                throw y;
            }));
            assertSame(y, thrown);
            assertEquals(List.of(z), Arrays.asList(thrown.getSuppressed()));
            assertEquals(List.of(), reports);
            return null;
        });
    }

    /** A child's own uncaught timeout is a failure, not a cancellation: it fails the group and cancels the others. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aChildsUncaughtTimeoutFailsTheGroup(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            for (boolean blockingChild : new boolean[] {true, false}) {
                AtomicReference<Task<String>> sibling = new AtomicReference<>();
                AsyncTimeoutException e = assertThrows(AsyncTimeoutException.class, () -> Async.taskGroup(tg -> {
                    sibling.set(tg.createTask(() -> {
                        Async.sleep(LONG);
                        return "s";
                    }));
                    if (blockingChild) {
                        tg.createTask(() -> Async.timeout(Duration.ofMillis(10), () -> {
                            Async.sleep(LONG);
                            return "never";
                        }));
                    } else {
                        tg.createTaskAsync(() -> Async.timeoutAsync(Duration.ofMillis(10), () -> Async.sleepAsync(LONG)));
                    }
                    Async.sleep(LONG);
                    return null;
                }), "blocking child: " + blockingChild);
                assertInstanceOf(CancellationException.class, e.getCause());
                assertEquals(TaskState.CANCELLED, sibling.get().state());
                assertFalse(Thread.currentThread().isInterrupted());
            }
            return null;
        });
    }

    /** The task running a group inside a timeout is cancelled: it stays a cancellation, the children are cancelled. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void cancellingTheTaskOfAGroupInsideATimeoutStaysACancellation(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            AtomicReference<Task<String>> child = new AtomicReference<>();
            CountDownLatch inBody = new CountDownLatch(1);
            AtomicReference<Object> timeoutSaw = new AtomicReference<>();
            Task<Object> t = loop.createTask(() -> {
                try {
                    return Async.timeout(LONG, () -> Async.taskGroup(tg -> {
                        child.set(tg.createTask(() -> {
                            Async.sleep(LONG);
                            return "c";
                        }));
                        inBody.countDown();
                        return Async.timeout(LONG, () -> {
                            Async.sleep(LONG);
                            return null;
                        });
                    }));
                } catch (Throwable e) {
                    timeoutSaw.set(e);
                    throw e;
                }
            });
            assertTrue(inBody.await(10, TimeUnit.SECONDS));
            Async.sleep(Duration.ofMillis(5));
            t.cancel();
            assertThrows(CancellationException.class, () -> t.join(Duration.ofSeconds(10)));
            assertEquals(TaskState.CANCELLED, t.state());
            assertInstanceOf(CancellationException.class, timeoutSaw.get());
            assertEquals(TaskState.CANCELLED, child.get().state());
            return null;
        });
    }

    /**
     * A child fails about when the deadline of a timeout around the group passes: the group
     * raises that failure whenever the child did fail (a failure is never turned into the
     * timeout, nor lost); the timeout only when no child failed.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aChildFailingAsTheDeadlineAroundTheGroupPassesIsNeverLost(Threading threading) {
        String wrong = Async.run(ScopeSupport.options(threading), loop -> {
            List<ExceptionContext> reports = recordReports(loop);
            Random r = new Random(5);
            int bad = 0;
            String first = null;
            for (int i = 0; i < ROUNDS; i++) {
                RuntimeException x = new IllegalStateException("x" + i);
                long childMicros = 400 + r.nextInt(400);
                long deadlineMicros = 400 + r.nextInt(400);
                boolean blockingChild = i % 2 == 0;
                AtomicReference<Task<?>> failing = new AtomicReference<>();
                Object outcome;
                try {
                    outcome = Async.timeout(Duration.ofNanos(deadlineMicros * 1000), () -> Async.taskGroup(tg -> {
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
                        Async.sleep(LONG);
                        return "body";
                    }));
                } catch (Throwable e) {
                    outcome = e;
                }
                Task<?> f = failing.get();
                String how = null;
                if (f.state() == TaskState.FAILED && outcome != x) how = "the child failed, yet the timeout around the group gave " + outcome;
                else if (f.state() != TaskState.FAILED && !(outcome instanceof AsyncTimeoutException)) how = "the child ended " + f.state() + " and the timeout gave " + outcome;
                if (how == null && Thread.currentThread().isInterrupted()) how = "an interrupt was left set after " + outcome;
                Thread.interrupted();
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

    /** The same with waitFor around a gather: a child's failure wins over the deadline whenever it happened. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aGatheredFailureAsTheWaitForDeadlinePassesIsNeverLost(Threading threading) {
        String wrong = Async.run(ScopeSupport.options(threading), loop -> {
            List<ExceptionContext> reports = recordReports(loop);
            Random r = new Random(6);
            int bad = 0;
            String first = null;
            for (int i = 0; i < ROUNDS; i++) {
                RuntimeException x = new IllegalStateException("x" + i);
                long childMicros = 400 + r.nextInt(400);
                long deadlineMicros = 400 + r.nextInt(400);
                Task<String> failing = i % 2 == 0
                        ? loop.createTask(() -> {
                            try {
                                Async.sleep(Duration.ofNanos(childMicros * 1000));
                            } catch (CancellationException e) {
                                return "cancelled";
                            }
                            throw x;
                        })
                        : loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofNanos(childMicros * 1000)).thenApply(v -> {
                            throw x;
                        }));
                Task<String> other = loop.createTaskAsync(() -> Async.sleepAsync(LONG).thenApply(v -> "o"));
                Object outcome;
                try {
                    outcome = Async.waitFor(Async.gather(failing, other), Duration.ofNanos(deadlineMicros * 1000)).join();
                } catch (Throwable e) {
                    outcome = e;
                }
                other.cancel();
                String how = null;
                if (failing.state() == TaskState.FAILED && outcome != x) how = "the child failed, yet waitFor gave " + outcome;
                else if (failing.state() != TaskState.FAILED && !(outcome instanceof AsyncTimeoutException)) how = "the child ended " + failing.state() + " and waitFor gave " + outcome;
                if (how != null) {
                    bad++;
                    if (first == null) first = "round " + i + ": " + how;
                }
            }
            Async.sleep(Duration.ofMillis(5));
            if (!reports.isEmpty()) return "reported: " + reports;
            return bad == 0 ? null : bad + " of " + ROUNDS + " rounds went wrong; first " + first;
        });
        assertNull(wrong);
    }

    /**
     * A child fails; the body's blocking call reports the group's interrupt wrapped (as a JDBC
     * driver does). That is the body's interruption, not a failure of its own: the group raises the
     * child's failure alone, as it does for a plain InterruptedException.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aBodyReportingTheGroupsInterruptWrappedAddsNoFailure(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            for (boolean wrapped : new boolean[] {false, true}) {
                RuntimeException x = new IllegalStateException("child");
                RuntimeException thrown = assertThrows(RuntimeException.class, () -> Async.taskGroup(tg -> {
                    tg.createTask(() -> {
                        Async.sleep(Duration.ofMillis(10));
                        throw x;
                    });
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException ie) {
                        if (wrapped) throw new IllegalStateException("driver: interrupted", ie);
                        throw ie;
                    }
                    return null;
                }));
                assertSame(x, thrown, "wrapped: " + wrapped);
                assertEquals(List.of(), Arrays.asList(thrown.getSuppressed()), "wrapped: " + wrapped);
                assertFalse(Thread.currentThread().isInterrupted());
            }
            return null;
        });
    }

    /**
     * A non-blocking group is cancelled from outside while it aborts after a child's failure (a
     * sibling is slow to stop): the failure has priority, as asyncio's TaskGroup raises its
     * errors over the parent's cancellation; the group ends FAILED with it, nothing reported.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aNonBlockingGroupCancelledWhileAbortingStillRaisesTheFailure(Threading threading) {
        Async.run(ScopeSupport.options(threading), loop -> {
            List<ExceptionContext> reports = recordReports(loop);
            RuntimeException x = new IllegalStateException("child");
            CountDownLatch stopping = new CountDownLatch(1);
            Promise<Void> started = loop.createPromise();
            Task<Object> g = Async.taskGroupAsync(tg -> {
                tg.createTask(() -> {
                    try {
                        loop.callSoon(() -> started.complete(null));
                        Async.sleep(LONG);
                    } finally {
                        stopping.countDown();
                        Thread.sleep(50);
                    }
                });
                // fails once the sibling's body runs: a sibling cancelled before its body started
                // would never run its finally (under load, a fixed 10 ms was not always enough)
                tg.createTaskAsync(() -> started.thenCompose(s -> Async.sleepAsync(Duration.ofMillis(10))).thenApply(v -> {
                    throw x;
                }));
                return Async.sleepAsync(LONG).thenApply(v -> (Object) v);
            });
            assertTrue(stopping.await(10, TimeUnit.SECONDS));
            assertTrue(g.cancel(), "the group is still waiting for its sibling");
            Throwable e = assertThrows(Throwable.class, () -> g.join(Duration.ofSeconds(10)));
            assertSame(x, e, "the group ended " + g.state() + " with " + e);
            assertEquals(TaskState.FAILED, g.state());
            Async.sleep(Duration.ofMillis(5));
            assertEquals(List.of(), reports);
            return null;
        });
    }
}
