package dev.aio4j;

import static dev.aio4j.LoopRunTest.assertMisuse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Async#run}, {@link Async#runAsync}, {@link Async#newLoop}, {@link Async#currentTask},
 * {@link Loop#current()} and {@link Loop#allTasks()}.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@ExtendWith(NoStrayInterrupt.class)
class AsyncRunTest {
    private final Expect x = new Expect();

    @AfterEach
    void check() {
        x.check();
    }

    // ---------------------------------------------------------------------------- Async.run

    @Test
    void runReturnsWhatMainReturns() {
        AtomicReference<Loop> seen = new AtomicReference<>();
        String r = Async.run(loop -> {
            seen.set(loop);
            return "result";
        });
        assertEquals("result", r);
        assertTrue(seen.get().isClosed(), "the loop of the run is closed when run returns");
        assertFalse(seen.get().isRunning());
        assertNull(Async.run(loop -> null));
    }

    @Test
    void mainIsABlockingTaskNamedMainOnItsOwnThread() {
        Thread caller = Thread.currentThread();
        Async.run(loop -> {
            Task<?> me = Async.currentTask();
            assertNotNull(me);
            assertEquals("main", me.name());
            assertSame(loop, me.loop());
            assertEquals(TaskState.RUNNING, me.state());
            assertSame(loop, Loop.current());
            assertNotSame(caller, Thread.currentThread());
            assertTrue(loop.isRunning(), "the calling thread runs the loop while main runs");
            Async.sleep(Duration.ofMillis(1)); // main may block
            return null;
        });
    }

    @Test
    void mainStartsOnlyOnceTheLoopRuns() {
        for (int i = 0; i < 20; i++) { // main's thread used to race the caller to the loop
            assertTrue(Async.run(Loop::isRunning), "main ran before the calling thread ran the loop");
            assertTrue(Async.run(LoopOptions.defaults().withThreading(LoopOptions.Threading.DEFAULT_DISPATCHER), Loop::isRunning));
        }
    }

    @Test
    void mainCannotRunItsOwnLoop() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Async.run(loop -> loop.runUntilComplete(CompletableFuture.completedFuture("x"))));
        assertFalse(e instanceof CancellationException);
        assertTrue(e.getMessage().contains("already running"), e.getMessage());
    }

    @Test
    void theCallingThreadRunsTheLoop() {
        Thread caller = Thread.currentThread();
        Thread loopThread = Async.run(loop -> {
            Promise<Thread> p = loop.createPromise();
            loop.callSoon(() -> p.complete(Thread.currentThread()));
            return p.join();
        });
        assertSame(caller, loopThread);
    }

    @Test
    void runWithOptions() {
        LoopOptions debug = LoopOptions.defaults().withDebug(true);
        assertEquals(debug, Async.run(debug, Loop::options));
    }

    @Test
    void mainsUncheckedExceptionIsThrownAsTheSameInstance() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        assertSame(boom, assertThrows(IllegalArgumentException.class, () -> Async.run(loop -> {
            throw boom;
        })));
        OutOfMemoryError error = new OutOfMemoryError("not really");
        assertSame(error, assertThrows(OutOfMemoryError.class, () -> Async.run(loop -> {
            throw error;
        })));
    }

    @Test
    void mainsCheckedExceptionIsWrappedOnceInTaskFailedException() {
        IOException io = new IOException("io");
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> Async.run(loop -> {
            throw io;
        }));
        assertSame(io, e.getCause());
    }

    @Test
    void mainsCancellationIsThrown() {
        CancellationException e = assertThrows(CancellationException.class, () -> Async.run(loop -> {
            Async.currentTask().cancel("main cancels itself");
            Async.sleep(Duration.ofMinutes(1));
            return "not cancelled";
        }));
        assertEquals("main cancels itself", e.getMessage());
    }

    @Test
    void tasksStillPendingWhenMainReturnsAreCancelledAndTheirFinallyBlocksHaveRun() {
        AtomicBoolean blockingFinally = new AtomicBoolean();
        AtomicBoolean stageDone = new AtomicBoolean();
        AtomicReference<List<Task<?>>> tasks = new AtomicReference<>();
        CompletableFuture<String> stage = new CompletableFuture<>();
        stage.whenComplete((v, e) -> stageDone.set(true));
        String r = Async.run(loop -> {
            CountDownLatch started = new CountDownLatch(1);
            Task<String> blocking = loop.createTask(() -> {
                try {
                    started.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return "not cancelled";
                } finally {
                    Thread.sleep(30); // slow cleanup: run must wait for it
                    blockingFinally.set(true);
                }
            });
            Task<String> nonBlocking = loop.createTaskAsync(() -> stage);
            Task<Void> sleeping = Async.sleepAsync(Duration.ofMinutes(1));
            Promise<String> promise = loop.createPromise();
            started.await();
            Async.sleepAsync(Duration.ZERO).join(); // nonBlocking's body, scheduled before, has run
            tasks.set(List.of(blocking, nonBlocking, sleeping, promise));
            return "main is done";
        });
        assertEquals("main is done", r);
        assertTrue(blockingFinally.get(), "run returned before a finally block had run");
        assertTrue(stageDone.get());
        assertTrue(stage.isCancelled());
        for (Task<?> t : tasks.get()) {
            assertTrue(t.isDone(), t + " outlived the run");
            assertTrue(t.isCancelled(), t.toString());
        }
    }

    @Test
    void mainsDoneCallbacksRunBeforeRunReturns() {
        for (int i = 0; i < 20; i++) {
            AtomicBoolean ran = new AtomicBoolean();
            Async.run(loop -> {
                Async.currentTask().addDoneCallback(t -> ran.set(true));
                return null;
            });
            assertTrue(ran.get(), "a done callback of main was dropped (run " + i + ")");
        }
    }

    @Test
    void doneCallbacksOfTasksCancelledAtTheEndOfTheRunRunBeforeRunReturns() {
        for (int i = 0; i < 20; i++) {
            AtomicBoolean ran = new AtomicBoolean();
            Async.run(loop -> {
                loop.createPromise().addDoneCallback(t -> ran.set(true));
                return null;
            });
            assertTrue(ran.get(), "a done callback of a task cancelled by close was dropped (run " + i + ")");
        }
    }

    @Test
    void tasksPendingWhenMainFailsAreCancelledToo() {
        AtomicReference<Task<String>> pending = new AtomicReference<>();
        IllegalStateException boom = new IllegalStateException("main fails");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> Async.run(loop -> {
            pending.set(loop.createTask(() -> {
                Async.sleep(Duration.ofMinutes(1));
                return "not cancelled";
            }));
            throw boom;
        })));
        assertTrue(pending.get().isCancelled());
    }

    @Test
    void interruptingTheCallingThreadCancelsMain() throws Exception {
        CountDownLatch mainStarted = new CountDownLatch(1);
        AtomicBoolean mainFinally = new AtomicBoolean();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();
        Thread caller = new Thread(() -> {
            try {
                Async.run(loop -> {
                    try {
                        mainStarted.countDown();
                        Async.sleep(Duration.ofMinutes(1));
                        return "not cancelled";
                    } finally {
                        mainFinally.set(true);
                    }
                });
            } catch (Throwable e) {
                thrown.set(e);
            }
            flagAfter.set(Thread.currentThread().isInterrupted());
        }, "caller");
        caller.start();
        Expect.await(mainStarted);
        caller.interrupt(); // asyncio's KeyboardInterrupt
        Expect.join(caller);
        assertTrue(thrown.get() instanceof CancellationException, String.valueOf(thrown.get()));
        assertTrue(flagAfter.get(), "the interrupt flag was not set again");
        assertTrue(mainFinally.get());
    }

    @Test
    void anInterruptedCallerCancelsMainBeforeItStarts() {
        Thread.currentThread().interrupt();
        assertThrows(CancellationException.class, () -> Async.run(loop -> {
            Async.sleep(Duration.ofMinutes(1));
            return "not cancelled";
        }));
        assertTrue(Thread.interrupted());
    }

    @Test
    void runOnALoopsThreadThrowsIse() {
        Async.run(loop -> {
            Promise<Void> done = loop.createPromise();
            loop.callSoon(() -> {
                x.verify(() -> assertMisuse("Async.run()", () -> Async.run(l -> "nested")));
                x.verify(() -> assertMisuse("Async.runAsync()", () -> Async.runAsync(l -> CompletableFuture.completedFuture("nested"))));
                done.complete(null);
            });
            done.join();
            Task<String> body = loop.createTaskAsync(() -> {
                x.verify(() -> assertMisuse("createTask", () -> Async.run(l -> "nested"))); // says what to do
                return CompletableFuture.completedFuture("ok");
            });
            return body.join();
        });
    }

    @Test
    void nestedRunFromABlockingTasksThreadWorks() {
        String r = Async.run(outer -> {
            Task<String> t = outer.createTask(() -> {
                String inner = Async.run(innerLoop -> {
                    assertNotSame(outer, innerLoop);
                    assertSame(innerLoop, Loop.current());
                    return Async.gather(innerLoop.createTask(() -> "a"), Async.sleepAsync(Duration.ofMillis(1)).thenApply(v -> "b")).join()
                            .toString();
                });
                assertSame(outer, Loop.current(), "the thread belongs to the outer loop again");
                return inner;
            });
            return t.join();
        });
        assertEquals("[a, b]", r);
    }

    @Test
    void nestedRunIsCancelledWithItsOuterTask() {
        AtomicBoolean innerFinally = new AtomicBoolean();
        Async.run(outer -> {
            CountDownLatch innerStarted = new CountDownLatch(1);
            Task<String> t = outer.createTask(() -> Async.run(inner -> {
                try {
                    innerStarted.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return "not cancelled";
                } finally {
                    innerFinally.set(true);
                }
            }));
            innerStarted.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertTrue(t.isCancelled(), t.toString());
            return null;
        });
        assertTrue(innerFinally.get());
    }

    @Test
    void runRejectsNulls() {
        Expect.assertNpeNames("main", () -> Async.run((ThrowingFunction<Loop, String>) null));
        Expect.assertNpeNames("main", () -> Async.run(LoopOptions.defaults(), (ThrowingFunction<Loop, String>) null));
        Expect.assertNpeNames("main", () -> Async.run((ThrowingRunnable) null));
        Expect.assertNpeNames("main", () -> Async.run(LoopOptions.defaults(), (ThrowingRunnable) null));
        Expect.assertNpeNames("options", () -> Async.run(null, loop -> "x"));
        Expect.assertNpeNames("main", () -> Async.runAsync(null));
        Expect.assertNpeNames("main", () -> Async.runAsync(LoopOptions.defaults(), null));
        Expect.assertNpeNames("options", () -> Async.runAsync(null, loop -> CompletableFuture.completedFuture("x")));
        Expect.assertNpeNames("options", () -> Async.newLoop(null));
    }

    @Test
    void runsOneAfterTheOtherOnOneThreadAreIndependent() {
        Set<Loop> loops = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            int r = Async.run(loop -> {
                loops.add(loop);
                return n;
            });
            assertEquals(n, r);
        }
        assertEquals(5, loops.size());
    }

    // ----------------------------------------------------------------------- Async.runAsync

    @Test
    void runAsyncReturnsTheResultOfMainsStage() {
        Thread caller = Thread.currentThread();
        String r = Async.runAsync(loop -> {
            assertSame(caller, Thread.currentThread(), "a non-blocking main is called on the loop's thread");
            assertSame(loop, Loop.current());
            Task<?> me = Async.currentTask();
            assertNotNull(me);
            assertEquals("main", me.name());
            return Async.sleepAsync(Duration.ofMillis(1)).thenApply(v -> "slept");
        });
        assertEquals("slept", r);
    }

    @Test
    void runAsyncThrowsMainsExceptionAsTheSameInstance() {
        IllegalArgumentException thrown = new IllegalArgumentException("thrown by main");
        assertSame(thrown, assertThrows(IllegalArgumentException.class, () -> Async.runAsync(loop -> {
            throw thrown;
        })));
        IllegalArgumentException failed = new IllegalArgumentException("failed stage");
        assertSame(failed, assertThrows(IllegalArgumentException.class,
                () -> Async.runAsync(loop -> CompletableFuture.failedFuture(failed))));
        IOException io = new IOException("checked");
        assertSame(io, assertThrows(TaskFailedException.class,
                () -> Async.runAsync(loop -> CompletableFuture.failedFuture(io))).getCause());
    }

    @Test
    void runAsyncOfAMainReturningNullFailsWithNpe() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> Async.runAsync(loop -> null));
        assertTrue(e.getMessage().contains("null instead of a CompletionStage"), e.getMessage());
    }

    @Test
    void runAsyncCancelsWhatIsPendingWhenMainsStageCompletes() {
        AtomicReference<Task<?>> pending = new AtomicReference<>();
        AtomicBoolean finallyRan = new AtomicBoolean();
        Async.runAsync(loop -> {
            Promise<String> started = loop.createPromise();
            pending.set(loop.createTask(() -> {
                try {
                    started.complete("started"); // main's stage: main is done once the body runs
                    Async.sleep(Duration.ofMinutes(1));
                    return "not cancelled";
                } finally {
                    finallyRan.set(true);
                }
            }));
            return started;
        });
        assertTrue(pending.get().isCancelled());
        assertTrue(finallyRan.get());
    }

    @Test
    void interruptingRunAsyncsCallerCancelsMainsStage() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Thread caller = Thread.currentThread();
        assertThrows(CancellationException.class, () -> Async.runAsync(loop -> {
            Expect.start("interrupter", caller::interrupt, x);
            return stage;
        }));
        assertTrue(Thread.interrupted());
        assertTrue(stage.isCancelled());
    }

    // ------------------------------------------------------------------------ Async.newLoop

    @Test
    void newLoopMakesAFreshLoopThatNoThreadRuns() {
        Loop a = Async.newLoop();
        Loop b = Async.newLoop(LoopOptions.defaults().withDebug(true));
        try {
            assertNotSame(a, b);
            assertFalse(a.isRunning());
            assertFalse(a.isClosed());
            assertEquals(LoopOptions.defaults(), a.options());
            assertTrue(b.options().debug());
            assertTrue(a.allTasks().isEmpty());
            assertNull(a.exceptionHandler());
        } finally {
            a.close();
            b.close();
        }
    }

    // ------------------------------------------------------------------- Async.currentTask

    @Test
    void currentTaskOutsideAnyLoopIsNull() {
        assertNull(Async.currentTask());
    }

    @Test
    void currentTaskIsTheTaskWhoseBodyRunsOnTheCallingThread() {
        Async.run(loop -> {
            Task<?> main = Async.currentTask();
            AtomicReference<Task<?>> inBlocking = new AtomicReference<>();
            Task<String> blocking = loop.createTask(() -> {
                inBlocking.set(Async.currentTask());
                return "b";
            });
            blocking.join();
            assertSame(blocking, inBlocking.get());

            AtomicReference<Task<?>> inAsync = new AtomicReference<>();
            Task<String> async = loop.createTaskAsync(() -> {
                inAsync.set(Async.currentTask());
                return CompletableFuture.completedFuture("a");
            });
            async.join();
            assertSame(async, inAsync.get());

            AtomicReference<Task<?>> inToThread = new AtomicReference<>();
            Task<String> toThread = Async.toThread(() -> {
                inToThread.set(Async.currentTask());
                return "t";
            });
            toThread.join();
            assertSame(toThread, inToThread.get());

            Promise<Task<?>> inCallback = loop.createPromise();
            loop.callSoon(() -> inCallback.complete(Async.currentTask()));
            assertNull(inCallback.join(), "a plain callback runs in no task");

            assertSame(main, Async.currentTask(), "main is main again");
            return null;
        });
    }

    @Test
    void currentTaskInANestedNonBlockingBodyIsRestoredAfterIt() {
        Async.runAsync(loop -> {
            Task<?> outer = Async.currentTask();
            AtomicReference<Task<?>> innerSeen = new AtomicReference<>();
            Task<String> inner = loop.createTaskAsync(() -> {
                innerSeen.set(Async.currentTask());
                return CompletableFuture.completedFuture("inner");
            });
            x.verify(() -> assertSame(outer, Async.currentTask()));
            return inner.thenApply(v -> {
                x.verify(() -> assertSame(inner, innerSeen.get()));
                return v;
            });
        });
    }

    @Test
    void aThreadStartedByATaskBelongsToNoTaskAndNoLoop() {
        Async.run(loop -> {
            AtomicReference<Task<?>> task = new AtomicReference<>();
            AtomicReference<Throwable> current = new AtomicReference<>();
            Thread t = new Thread(() -> {
                task.set(Async.currentTask());
                try {
                    Loop.current();
                } catch (Throwable e) {
                    current.set(e);
                }
            });
            t.start();
            t.join();
            assertNull(task.get());
            assertTrue(current.get() instanceof IllegalStateException && !(current.get() instanceof CancellationException));
            return null;
        });
    }

    // ------------------------------------------------------------------------- Loop.current

    @Test
    void loopCurrentOnTheLoopsThreadInTasksAndInToThreadBodies() {
        Async.run(loop -> {
            assertSame(loop, Loop.current()); // main, a blocking task
            Promise<Loop> onLoopThread = loop.createPromise();
            loop.callSoon(() -> onLoopThread.complete(Loop.current()));
            assertSame(loop, onLoopThread.join());
            assertSame(loop, loop.createTask(Loop::current).join());
            assertSame(loop, Async.toThread(Loop::current).join());
            assertSame(loop, loop.createTaskAsync(() -> CompletableFuture.completedFuture(Loop.current())).join());
            return null;
        });
    }

    @Test
    void loopCurrentOutsideAnyLoopThrowsIse() {
        IllegalStateException e = assertThrows(IllegalStateException.class, Loop::current);
        assertFalse(e instanceof CancellationException);
        assertTrue(e.getMessage().contains("Async.run"), e.getMessage()); // says where it works
        // and after a run, the calling thread belongs to no loop again
        Async.run(loop -> null);
        assertThrows(IllegalStateException.class, Loop::current);
        assertNull(Async.currentTask());
    }

    @Test
    void loopCurrentOnALoopRunByRunUntilComplete() {
        Loop loop = Async.newLoop();
        try {
            Promise<Loop> p = loop.createPromise();
            loop.callSoon(() -> p.complete(Loop.current()));
            assertSame(loop, loop.runUntilComplete(p));
            assertThrows(IllegalStateException.class, Loop::current, "the thread stopped being the loop's when the run ended");
        } finally {
            loop.close();
        }
    }

    // ------------------------------------------------------------------------ Loop.allTasks

    @Test
    void allTasksIsASnapshotOfTheTasksNotDone() {
        Async.run(loop -> {
            Task<?> main = Async.currentTask();
            assertEquals(Set.of(main), loop.allTasks());
            Promise<String> p = loop.createPromise();
            Task<String> async = loop.createTaskAsync(() -> new CompletableFuture<>());
            Task<String> blocking = loop.createTask(() -> {
                Async.sleep(Duration.ofMinutes(1));
                return "not cancelled";
            });
            Set<Task<?>> all = loop.allTasks();
            assertTrue(all.containsAll(List.of(main, p, async, blocking)), all.toString());
            p.complete("done");
            blocking.cancel();
            assertThrows(CancellationException.class, blocking::join);
            Set<Task<?>> after = loop.allTasks();
            assertFalse(after.contains(p));
            assertFalse(after.contains(blocking));
            assertTrue(after.contains(async));
            assertTrue(all.contains(p) && all.contains(blocking), "a snapshot does not change with the loop");
            return null;
        });
    }

    @Test
    void allTasksIncludesTheTasksOfATaskGroup() {
        Async.run(loop -> {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Task<String>> child = new AtomicReference<>();
            Task<Object> group = Async.taskGroupAsync(g -> {
                child.set(g.createTask(() -> {
                    started.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return "not cancelled";
                }));
                return CompletableFuture.completedFuture(null);
            });
            started.await();
            Set<Task<?>> all = loop.allTasks();
            assertTrue(all.contains(child.get()), "a task of a TaskGroup is missing from allTasks(): " + all);
            group.cancel();
            return null;
        });
    }
}
