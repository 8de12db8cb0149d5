package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The methods of {@link Loop} that make tasks: {@link Loop#createTask}, {@link Loop#createTaskAsync},
 * {@link Loop#adopt}, {@link Loop#createPromise}, {@link Loop#runInExecutor}, as far as the loop is
 * concerned (where bodies run, names, bad input); the Task contract itself is TaskTest's.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@ExtendWith(NoStrayInterrupt.class)
class LoopTaskFactoriesTest extends LoopFixture {

    @Test
    void createTaskRunsTheBodyAtOnceOnItsOwnThreadInTheTask() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicReference<Thread> thread = new AtomicReference<>();
        AtomicReference<Task<?>> current = new AtomicReference<>();
        AtomicReference<Loop> currentLoop = new AtomicReference<>();
        Task<String> t = loop.createTask(() -> {
            thread.set(Thread.currentThread());
            current.set(Async.currentTask());
            currentLoop.set(Loop.current());
            ran.countDown();
            return "done";
        });
        Expect.await(ran); // without the loop running: a blocking body starts at once
        assertEquals("done", loop.runUntilComplete(t));
        assertNotSame(Thread.currentThread(), thread.get());
        assertSame(t, current.get());
        assertSame(loop, currentLoop.get());
        assertSame(loop, t.loop());
        assertTrue(t.name().matches("Task-\\d+"), t.name());
    }

    @Test
    void aNamedTaskNamesItsThreadWhileItsBodyRuns() {
        Task<String> t = loop.createTask("worker", () -> Thread.currentThread().getName());
        assertEquals("worker", t.name());
        assertEquals("worker", loop.runUntilComplete(t));
    }

    @Test
    void createTaskAsyncCallsTheBodyOnTheLoopsThreadAtItsNextStep() {
        AtomicBoolean called = new AtomicBoolean();
        Thread me = Thread.currentThread();
        Task<Thread> t = loop.createTaskAsync(() -> {
            called.set(true);
            return CompletableFuture.completedFuture(Thread.currentThread());
        });
        assertFalse(called.get(), "the body ran inside createTaskAsync");
        assertEquals(TaskState.PENDING, t.state());
        assertSame(me, loop.runUntilComplete(t));
        Task<String> named = loop.createTaskAsync("async-worker", () -> CompletableFuture.completedFuture("named"));
        assertEquals("async-worker", named.name());
        assertEquals("named", loop.runUntilComplete(named));
    }

    @Test
    void createTaskAsyncBodiesRunInCreationOrderWithCallbacks() {
        loop.createTaskAsync(() -> {
            x.expect(1);
            return CompletableFuture.completedFuture(null);
        });
        loop.callSoon(() -> x.expect(2));
        Task<Object> last = loop.createTaskAsync(() -> {
            x.expect(3);
            return CompletableFuture.completedFuture(null);
        });
        loop.runUntilComplete(last);
        x.finish(4);
    }

    @Test
    void adoptReturnsATaskOfThisLoopAsItIs() {
        Promise<String> p = loop.createPromise();
        assertSame(p, loop.adopt(p));
        Loop other = Async.newLoop();
        try {
            Promise<String> foreign = other.createPromise();
            Task<String> adopted = loop.adopt(foreign);
            assertNotSame(foreign, adopted);
            assertSame(loop, adopted.loop());
            foreign.complete("from the other loop");
            assertEquals("from the other loop", loop.runUntilComplete(adopted));
        } finally {
            other.close();
        }
    }

    @Test
    void adoptFollowsAStageAndCancelsIt() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = loop.adopt(f);
        assertFalse(t.isDone());
        loop.callLater(Duration.ofMillis(1), () -> f.complete("adopted"));
        assertEquals("adopted", loop.runUntilComplete(t));
        CompletableFuture<String> g = new CompletableFuture<>();
        Task<String> u = loop.adopt(g);
        u.cancel();
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(u));
        assertTrue(g.isCancelled(), "cancelling the task did not cancel the stage");
    }

    @Test
    void createPromiseMakesAPendingPromiseOfThisLoop() {
        Promise<String> p = loop.createPromise();
        assertEquals(TaskState.PENDING, p.state());
        assertSame(loop, p.loop());
        loop.callSoon(() -> p.complete("kept"));
        assertEquals("kept", loop.runUntilComplete(p));
    }

    @Test
    void runInExecutorRunsTheBodyOnTheExecutorInTheTask() {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "user-pool"));
        try {
            AtomicReference<Task<?>> current = new AtomicReference<>();
            AtomicReference<Loop> currentLoop = new AtomicReference<>();
            Task<String> t = loop.runInExecutor(pool, () -> {
                current.set(Async.currentTask());
                currentLoop.set(Loop.current());
                return Thread.currentThread().getName();
            });
            assertEquals("user-pool", loop.runUntilComplete(t));
            assertSame(t, current.get());
            assertSame(loop, currentLoop.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRejectingExecutorFailsTheTaskWithRejectedExecutionException() {
        RejectedExecutionException no = new RejectedExecutionException("full");
        Executor rejecting = r -> {
            throw no;
        };
        Task<String> t = loop.runInExecutor(rejecting, () -> "never");
        assertTrue(t.isDone());
        assertSame(no, assertThrows(RejectedExecutionException.class, () -> loop.runUntilComplete(t)));
    }

    @Test
    void cancellingARunInExecutorTaskInterruptsTheBodyAndWaitsForIt() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean interrupted = new AtomicBoolean();
            Task<String> t = loop.runInExecutor(pool, () -> {
                started.countDown();
                try {
                    Thread.sleep(60_000);
                    return "not interrupted";
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                }
            });
            Expect.await(started);
            assertTrue(t.cancel());
            assertThrows(CancellationException.class, () -> loop.runUntilComplete(t));
            assertTrue(interrupted.get());
            assertTrue(t.isCancelled());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nullArgumentsThrowNpeNamingTheParameter() {
        Expect.assertNpeNames("body", () -> loop.createTask((java.util.concurrent.Callable<String>) null));
        Expect.assertNpeNames("body", () -> loop.createTask((ThrowingRunnable) null));
        Expect.assertNpeNames("name", () -> loop.createTask(null, () -> "x"));
        Expect.assertNpeNames("body", () -> loop.createTask("n", (java.util.concurrent.Callable<String>) null));
        Expect.assertNpeNames("body", () -> loop.createTask("n", (ThrowingRunnable) null));
        Expect.assertNpeNames("body", () -> loop.createTaskAsync(null));
        Expect.assertNpeNames("name", () -> loop.createTaskAsync(null, () -> CompletableFuture.completedFuture("x")));
        Expect.assertNpeNames("body", () -> loop.createTaskAsync("n", null));
        Expect.assertNpeNames("stage", () -> loop.adopt(null));
        Expect.assertNpeNames("executor", () -> loop.runInExecutor(null, () -> "x"));
        Expect.assertNpeNames("body", () -> loop.runInExecutor(Runnable::run, null));
        assertTrue(loop.allTasks().isEmpty(), "a refused call left a task behind");
    }

    @Test
    void addDoneCallbackOnAClosedLoopIsRefusedEvenForADoneTask() {
        // asyncio: add_done_callback on a done future calls loop.call_soon, which raises on a closed loop
        Promise<String> p = loop.createPromise();
        p.complete("done");
        loop.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.addDoneCallback(t -> {}));
        assertEquals("loop is closed", e.getMessage());
    }
}
