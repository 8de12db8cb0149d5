package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.LoopOptions.Threading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A TaskGroup cancelled from outside while its body runs (found from outside on 2026-12-05, each
 * failed before its fix): a non-blocking body's createTask meets the group's cancellation, so the
 * group ends CANCELLED, not FAILED with IllegalStateException (a failing group still refuses with
 * IllegalStateException); a blocking body is interrupted once when the loop closes or every task
 * of allTasks() is cancelled, not a second time through the group, which cut its clean-up.
 */
@Timeout(120)
class TaskGroupCancellationEdgesTest {

    private static final Duration LONG = Duration.ofMinutes(1);

    /**
     * Sleeps until cancelled, then waits 20 ms in its clean-up (a body may, after catching its
     * cancellation: it is delivered once) and logs whether a second interrupt cut that wait.
     */
    private static void sleepThenCleanUp(List<String> log) {
        try {
            Async.sleep(LONG);
        } catch (CancellationException e) {
            try {
                Async.sleep(Duration.ofMillis(20));
                log.add("cleanup done");
            } catch (Throwable t) {
                log.add("cleanup cut by " + t);
            }
            throw e;
        }
    }

    private static List<ExceptionContext> recordReports(Loop loop) {
        List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
        loop.setExceptionHandler((l, c) -> reports.add(c));
        return reports;
    }

    /** Deterministic form of the race above: the cancel lands while the non-blocking body runs. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aNonBlockingGroupCancelledWhileItsBodyRunsEndsCancelled(Threading threading) {
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            List<ExceptionContext> reports = recordReports(loop);
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch proceed = new CountDownLatch(1);
            AtomicReference<Throwable> createTaskThrew = new AtomicReference<>();
            Task<Object> g = Async.taskGroupAsync(tg -> {
                entered.countDown();
                proceed.await(5, TimeUnit.SECONDS);
                try {
                    tg.createTask(() -> {
                        Async.sleep(LONG);
                    });
                } catch (Throwable e) {
                    createTaskThrew.set(e);
                    throw e;
                }
                return Async.sleepAsync(LONG).thenApply(v -> (Object) v);
            });
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            assertTrue(g.cancel());
            proceed.countDown();
            Throwable e = assertThrows(Throwable.class, () -> g.join(Duration.ofSeconds(10)));
            assertTrue(g.isCancelled(), "cancel() returned true, the body did nothing wrong, yet the group ended " + g.state()
                    + " with " + e + "; createTask threw " + createTaskThrew.get());
            assertInstanceOf(CancellationException.class, e);
            assertEquals(List.of(), reports);
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aChildStartingASiblingAfterTheGroupFailedGetsAnIllegalState(Threading threading) {
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            AtomicReference<Throwable> seen = new AtomicReference<>();
            RuntimeException boom = new RuntimeException("boom");
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> Async.taskGroup(tg -> {
                tg.createTask(() -> {
                    try {
                        Async.sleep(Duration.ofMinutes(1));
                    } catch (CancellationException e) {
                        try {
                            tg.createTask(() -> 1);
                        } catch (Throwable t) {
                            seen.set(t);
                        }
                        throw e;
                    }
                });
                tg.createTask(() -> {
                    Async.sleep(Duration.ofMillis(20));
                    throw boom;
                });
            }));
            assertSame(boom, thrown);
            assertInstanceOf(IllegalStateException.class, seen.get());
            assertFalse(seen.get() instanceof CancellationException);
            return null;
        });
    }

    /**
     * A blocking group body that catches its task's cancellation and waits in its clean-up (allowed:
     * the interrupt is delivered once), when the loop closes: the close cancels the body's task and,
     * separately, the group (a top-level task of the loop), which interrupts the body a second time.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aGroupBodysCleanupIsNotCutByTheLoopsClose(Threading threading) throws Exception {
        int rounds = 40;
        int cut = 0;
        int controlCut = 0;
        String first = null;
        for (int i = 0; i < rounds; i++) {
            for (boolean withGroup : new boolean[] {true, false}) {
                Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
                recordReports(loop);
                List<String> log = new CopyOnWriteArrayList<>();
                CountDownLatch inBody = new CountDownLatch(1);
                loop.runUntilComplete(loop.createTask(() -> {
                    ThrowingRunnable body = () -> {
                        inBody.countDown();
                        sleepThenCleanUp(log);
                    };
                    loop.createTask(() -> {
                        if (withGroup) {
                            Async.taskGroup(tg -> {
                                body.run();
                            });
                        } else {
                            body.run();
                        }
                    });
                    assertTrue(inBody.await(10, TimeUnit.SECONDS));
                    Async.sleep(Duration.ofMillis(5));
                    return null;
                }));
                loop.close();
                if (!log.equals(List.of("cleanup done"))) {
                    if (withGroup) cut++; else controlCut++;
                    if (first == null) first = "round " + i + " group=" + withGroup + ": " + log;
                }
            }
        }
        assertEquals(0, controlCut, "control (no group): " + first);
        assertEquals(0, cut, cut + " of " + rounds + " group bodies had their clean-up cut: " + first);
    }

    /** asyncio.run's shutdown written by hand: cancel every task of allTasks() once. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void cancellingAllTasksOnceDoesNotCancelAGroupBodyTwice(Threading threading) {
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            List<String> log = new CopyOnWriteArrayList<>();
            CountDownLatch inBody = new CountDownLatch(1);
            Task<Object> worker = loop.createTask(() -> Async.taskGroup(tg -> {
                tg.createTask(() -> {
                    Async.sleep(LONG);
                });
                inBody.countDown();
                sleepThenCleanUp(log);
                return null;
            }));
            assertTrue(inBody.await(10, TimeUnit.SECONDS));
            Async.sleep(Duration.ofMillis(5));
            List<String> names = new ArrayList<>();
            for (Task<?> t : loop.allTasks()) {
                if (t != Async.currentTask()) {
                    names.add(t.name());
                    t.cancel();
                }
            }
            try {
                worker.join(Duration.ofSeconds(10));
            } catch (Throwable ignored) {
                // cancelled
            }
            assertEquals(List.of("cleanup done"), log, "tasks cancelled: " + names);
            return null;
        });
    }
}
