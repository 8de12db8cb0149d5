package dev.aio4j;

import static dev.aio4j.LoopRunTest.assertMisuse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/** {@link Loop#close()}: what it cancels and waits for, when it refuses, and the closed loop. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@ExtendWith(NoStrayInterrupt.class)
class LoopCloseTest extends LoopFixture {

    /** A blocking body that waits until cancelled, then runs a slow finally block. */
    private static Task<String> sleeper(Loop loop, CountDownLatch started, AtomicBoolean finallyDone) {
        return loop.createTask(() -> {
            try {
                started.countDown();
                Async.sleep(Duration.ofMinutes(1));
                return "not cancelled";
            } finally {
                Thread.sleep(30); // the interrupt was consumed by the cancellation: this sleeps
                finallyDone.set(true);
            }
        });
    }

    @Test
    void closeCancelsAPendingBlockingTaskAndWaitsForItsFinallyBlock() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finallyDone = new AtomicBoolean();
        Task<String> t = sleeper(loop, started, finallyDone);
        Expect.await(started); // blocking bodies start at once, without the loop running
        loop.close();
        assertTrue(finallyDone.get(), "close() returned before the finally block had run");
        assertTrue(t.isCancelled());
        assertEquals(TaskState.CANCELLED, t.state());
        assertTrue(loop.isClosed());
    }

    /**
     * close() from a callback that the close itself runs (a done callback of a task it cancelled) is
     * refused, as a callback's close is under DEFAULT_DISPATCHER; the outer close goes on and
     * closes the loop. It returned normally with the loop still open and other tasks running
     * (found from outside, 2026-12-07).
     */
    @Test
    void closeFromADoneCallbackThatTheCloseRunsIsRefused() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finallyDone = new AtomicBoolean();
        Task<String> other = sleeper(loop, started, finallyDone);
        Task<Void> t = loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofDays(1)));
        AtomicReference<Throwable> inner = new AtomicReference<>();
        AtomicBoolean closedThen = new AtomicBoolean(true);
        t.addDoneCallback(x -> {
            try {
                loop.close();
            } catch (Throwable e) {
                inner.set(e);
            }
            closedThen.set(loop.isClosed());
        });
        Expect.await(started);
        loop.close();
        assertTrue(inner.get() instanceof IllegalStateException, "the inner close: " + inner.get());
        assertEquals("cannot close a loop from a callback that its close runs: the loop is closing", inner.get().getMessage());
        assertFalse(closedThen.get());
        assertTrue(loop.isClosed());
        assertTrue(finallyDone.get());
        assertTrue(other.isCancelled());
    }

    @Test
    void closeCancelsABlockingTaskOnALoopThatRan() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finallyDone = new AtomicBoolean();
        Task<String> t = sleeper(loop, started, finallyDone);
        Promise<Void> p = loop.createPromise();
        loop.callSoon(() -> p.complete(null));
        loop.runUntilComplete(p);
        Expect.await(started);
        loop.close();
        assertTrue(finallyDone.get());
        assertTrue(t.isCancelled());
    }

    @Test
    void closeCancelsANonBlockingTaskAndTheStageItWaitsFor() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        AtomicBoolean stageDone = new AtomicBoolean();
        stage.whenComplete((v, e) -> stageDone.set(true));
        Task<String> t = loop.createTaskAsync(() -> stage);
        loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(null))); // t's body has run
        assertEquals(TaskState.RUNNING, t.state());
        loop.close();
        assertTrue(stage.isCancelled(), "the stage was not cancelled");
        assertTrue(stageDone.get());
        assertTrue(t.isCancelled());
    }

    @Test
    void closeCancelsANonBlockingTaskWhoseBodyNeverRan() {
        AtomicBoolean bodyRan = new AtomicBoolean();
        Task<String> t = loop.createTaskAsync(() -> {
            bodyRan.set(true);
            return CompletableFuture.completedFuture("ran");
        });
        loop.close();
        assertTrue(t.isCancelled());
        assertFalse(bodyRan.get(), "a body cancelled before it started must never run");
    }

    @Test
    void closeCancelsPromisesAdoptedStagesAndExecutorTasks() throws Exception {
        Promise<String> promise = loop.createPromise();
        CompletableFuture<String> stage = new CompletableFuture<>();
        Task<String> adopted = loop.adopt(stage);
        CountDownLatch inExecutor = new CountDownLatch(1);
        AtomicBoolean executorFinally = new AtomicBoolean();
        Executor executor = r -> {
            Thread t = new Thread(r, "user-executor");
            t.setDaemon(true);
            t.start();
        };
        Task<String> inPool = loop.runInExecutor(executor, () -> {
            try {
                inExecutor.countDown();
                Thread.sleep(60_000);
                return "not interrupted";
            } finally {
                executorFinally.set(true);
            }
        });
        Expect.await(inExecutor);
        loop.close();
        assertTrue(promise.isCancelled());
        assertTrue(adopted.isCancelled());
        assertTrue(stage.isCancelled());
        assertTrue(inPool.isCancelled(), inPool.toString());
        assertTrue(executorFinally.get());
    }

    @Test
    void closeCancelsTasksStartedByTheFinallyBlocksOfCancelledTasks() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Task<String>> second = new AtomicReference<>();
        AtomicBoolean secondFinally = new AtomicBoolean();
        Task<String> first = loop.createTask(() -> {
            try {
                started.countDown();
                Async.sleep(Duration.ofMinutes(1));
                return "not cancelled";
            } finally {
                CountDownLatch secondStarted = new CountDownLatch(1);
                second.set(sleeper(Loop.current(), secondStarted, secondFinally));
                secondStarted.await();
            }
        });
        Expect.await(started);
        loop.close();
        assertTrue(first.isCancelled());
        assertTrue(second.get().isCancelled(), second.get().toString());
        assertTrue(secondFinally.get());
    }

    @Test
    void aFinallyBlockMayStillScheduleOnTheLoopWhileItCloses() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<String> cleanup = new AtomicReference<>();
        Task<String> t = loop.createTask(() -> {
            try {
                started.countDown();
                Async.sleep(Duration.ofMinutes(1));
                return "not cancelled";
            } finally {
                // asyncio.run cancels the tasks before it closes the loop: cleanup may still await
                Loop l = Loop.current();
                Promise<String> p = l.createPromise();
                l.callLater(Duration.ofMillis(5), () -> p.complete("cleaned up"));
                cleanup.set(p.join());
            }
        });
        Expect.await(started);
        loop.close();
        assertTrue(t.isCancelled());
        assertEquals("cleaned up", cleanup.get());
    }

    @Test
    void closeReportsFailuresOfTheCancelledTasksOtherThanTheirCancellation() {
        IOException cleanupFailed = new IOException("cleanup failed");
        CountDownLatch started = new CountDownLatch(1);
        Task<String> t = loop.createTask(() -> {
            started.countDown();
            try {
                Async.sleep(Duration.ofMinutes(1));
            } catch (java.util.concurrent.CancellationException e) {
                throw cleanupFailed; // cleanup on cancellation fails
            }
            return "not cancelled";
        });
        Expect.await(started);
        loop.close();
        assertEquals(TaskState.FAILED, t.state());
        List<ExceptionContext> reports = x.reports();
        assertEquals(1, reports.size(), reports.toString());
        assertEquals("Task exception was never retrieved", reports.get(0).message());
        assertSame(cleanupFailed, reports.get(0).exception());
        assertSame(t, reports.get(0).task());
    }

    @Test
    void theCancellationsOfCloseAreNotReported() {
        CountDownLatch started = new CountDownLatch(1);
        sleeper(loop, started, new AtomicBoolean());
        loop.createPromise();
        Expect.await(started);
        loop.close();
        assertEquals(List.of(), x.reports());
    }

    @Test
    void closeRunsTheCallbacksAlreadyScheduledOnceAndDropsWhatTheySchedule() {
        AtomicBoolean secondLevel = new AtomicBoolean();
        loop.callSoon(() -> x.expect(1));
        loop.callSoon(() -> {
            x.expect(2);
            loop.callSoon(() -> secondLevel.set(true)); // scheduled during close's last step: dropped
        });
        loop.callLater(Duration.ofMinutes(1), () -> x.record(new AssertionError("a timer that was not due ran")));
        loop.close();
        x.finish(3);
        assertFalse(secondLevel.get());
    }

    @Test
    void theDoneCallbacksOfTasksCancelledByCloseRunBeforeItReturns() {
        for (int i = 0; i < 20; i++) {
            Loop l = Async.newLoop();
            l.setExceptionHandler(x);
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean blockingCallback = new AtomicBoolean();
            AtomicBoolean promiseCallback = new AtomicBoolean();
            Task<String> t = sleeper(l, started, new AtomicBoolean());
            t.addDoneCallback(done -> blockingCallback.set(done.isCancelled()));
            l.createPromise().addDoneCallback(done -> promiseCallback.set(done.isCancelled()));
            Expect.await(started);
            l.close();
            assertTrue(blockingCallback.get(), "the done callback of a blocking task was dropped (round " + i + ")");
            assertTrue(promiseCallback.get(), "the done callback of a promise was dropped (round " + i + ")");
        }
    }

    @Test
    void aSecondCloseDoesNothing() {
        loop.close();
        assertTrue(loop.isClosed());
        loop.close();
        assertTrue(loop.isClosed());
    }

    @Test
    void closeOfANeverRunEmptyLoop() {
        Loop empty = Async.newLoop();
        assertFalse(empty.isClosed());
        empty.close();
        assertTrue(empty.isClosed());
        assertFalse(empty.isRunning());
    }

    @Test
    void closeKeepsTheInterruptFlagAndStillCloses() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finallyDone = new AtomicBoolean();
        Task<String> t = sleeper(loop, started, finallyDone);
        Expect.await(started);
        Thread.currentThread().interrupt();
        loop.close();
        assertTrue(Thread.interrupted(), "close() lost the interrupt flag");
        assertTrue(loop.isClosed());
        assertTrue(t.isCancelled());
        assertTrue(finallyDone.get());
    }

    @Test
    void anInterruptWhileCloseWaitsDoesNotStopTheClose() throws Exception {
        // the loop has a to_thread pool to shut down, and a task whose cleanup takes a while
        assertEquals("pooled", loop.runUntilComplete(loop.createTask(() -> Async.toThread(() -> "pooled").join())));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch inFinally = new CountDownLatch(1);
        AtomicBoolean finallyDone = new AtomicBoolean();
        Task<String> t = loop.createTask(() -> {
            try {
                started.countDown();
                Async.sleep(Duration.ofMinutes(1));
                return "not cancelled";
            } finally {
                inFinally.countDown();
                Thread.sleep(50);
                finallyDone.set(true);
            }
        });
        Expect.await(started);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();
        Thread closer = new Thread(() -> {
            try {
                loop.close();
            } catch (Throwable e) {
                thrown.set(e);
            }
            flagAfter.set(Thread.currentThread().isInterrupted());
        }, "closer");
        closer.start();
        Expect.await(inFinally);
        closer.interrupt(); // while close() waits for the finally block
        Expect.join(closer);
        assertEquals(null, thrown.get(), "close() failed because of the interrupt");
        assertTrue(loop.isClosed());
        assertTrue(t.isCancelled());
        assertTrue(finallyDone.get());
        assertTrue(flagAfter.get(), "close() lost the interrupt");
    }

    // ------------------------------------------------------------------------------ refused

    @Test
    void closeOfALoopRunningOnAnotherThreadThrowsIse() {
        CountDownLatch running = new CountDownLatch(1);
        loop.callSoon(running::countDown);
        Thread runner = new Thread(loop::runForever, "runner");
        runner.start();
        Expect.await(running);
        assertMisuse("running", loop::close);
        assertFalse(loop.isClosed());
        assertTrue(loop.isRunning());
        loop.stop();
        Expect.join(runner);
        loop.close();
        assertTrue(loop.isClosed());
    }

    @Test
    void closeFromACallbackOnTheLoopsThreadThrowsIse() {
        Promise<Void> done = loop.createPromise();
        loop.callSoon(() -> {
            x.verify(() -> assertMisuse("running", loop::close));
            done.complete(null);
        });
        loop.runUntilComplete(done);
        assertFalse(loop.isClosed());
    }

    @Test
    void closeFromATaskOfTheLoopThrowsIse() {
        Task<String> blocking = loop.createTask(() -> {
            assertMisuse("own tasks", loop::close);
            return "refused";
        });
        assertEquals("refused", loop.runUntilComplete(blocking));
        Task<String> nonBlocking = loop.createTaskAsync(() -> {
            assertMisuse("running", loop::close); // its body runs on the loop's thread
            return CompletableFuture.completedFuture("refused");
        });
        assertEquals("refused", loop.runUntilComplete(nonBlocking));
        Task<String> toThread = loop.createTask(() -> Async.toThread(() -> {
            assertMisuse("own tasks", loop::close);
            return "refused";
        }).join());
        assertEquals("refused", loop.runUntilComplete(toThread));
        assertFalse(loop.isClosed());
    }

    @Test
    void closeFromATaskOfAnotherLoopClosesThisOne() {
        Loop other = Async.newLoop();
        try {
            Task<Boolean> t = other.createTask(() -> {
                loop.close();
                return loop.isClosed();
            });
            assertTrue(other.runUntilComplete(t));
        } finally {
            other.close();
        }
    }

    @Test
    void aConcurrentSecondCloseWaitsForTheFirst() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch inFinally = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.createTask(() -> {
            try {
                started.countDown();
                Async.sleep(Duration.ofMinutes(1));
                return "not cancelled";
            } finally {
                inFinally.countDown();
                release.await();
            }
        });
        Expect.await(started);
        Thread first = Expect.start("first-close", loop::close, x);
        Thread second;
        try {
            Expect.await(inFinally); // the first close is waiting for the finally block
            // must neither throw nor run the loop a second time, and return once the loop is closed
            // (Loop.close's contract: no task is left pending when it returns)
            second = Expect.start("second-close", loop::close, x);
            second.join(100);
            assertTrue(second.isAlive(), "the second close returned while the first still waited for a task");
        } finally {
            release.countDown();
        }
        Expect.join(first);
        Expect.join(second);
        assertTrue(loop.isClosed());
    }

    // --------------------------------------------------------------------------- closed

    @Test
    void aClosedLoopRefusesEverythingThatSchedules() {
        loop.close();
        Runnable r = () -> {};
        List<Executable> calls = List.of(
                () -> loop.createTask(() -> "x"),
                () -> loop.createTask("named", () -> "x"),
                () -> loop.createTaskAsync(() -> CompletableFuture.completedFuture("x")),
                () -> loop.createTaskAsync("named", () -> CompletableFuture.completedFuture("x")),
                () -> loop.adopt(new CompletableFuture<String>()),
                () -> loop.createPromise(),
                () -> loop.runInExecutor(Runnable::run, () -> "x"),
                () -> loop.callSoon(r),
                () -> loop.callLater(Duration.ofMillis(1), r),
                () -> loop.callAt(Duration.ofMillis(1), r),
                () -> loop.runUntilComplete(CompletableFuture.completedFuture("x")),
                loop::runForever);
        for (Executable call : calls) {
            assertMisuse("loop is closed", call);
        }
        assertEquals("loop is closed", assertThrows(RejectedExecutionException.class, () -> loop.execute(r)).getMessage());
        // what does not schedule still works
        assertTrue(loop.allTasks().isEmpty());
        assertFalse(loop.time().isNegative());
        loop.stop();
        assertFalse(loop.isRunning());
        assertEquals(LoopOptions.defaults(), loop.options());
        loop.setExceptionHandler(null);
        loop.setExceptionHandler(x);
        assertSame(x, loop.exceptionHandler());
    }

    @Test
    void tasksOfAClosedLoopAreAllDone() {
        Task<String> a = loop.createTask(() -> "a");
        Task<String> b = loop.createTaskAsync(() -> new CompletableFuture<>());
        Promise<String> c = loop.createPromise();
        assertEquals("a", loop.runUntilComplete(a));
        loop.close();
        for (Task<?> t : List.of(a, b, c)) assertTrue(t.isDone(), t.toString());
        assertEquals("a", a.resultNow());
    }
}
