package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The loop's exception handler: {@link Loop#setExceptionHandler}, {@link Loop#exceptionHandler()},
 * {@link Loop#callExceptionHandler}, and "Task exception was never retrieved".
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@ExtendWith(NoStrayInterrupt.class)
class ExceptionHandlerTest {
    static final String NEVER_RETRIEVED = "Task exception was never retrieved";

    private final Expect x = new Expect();

    @Test
    void setAndGetTheHandler() {
        Loop loop = Async.newLoop();
        try {
            assertNull(loop.exceptionHandler(), "the default handler is null");
            LoopExceptionHandler h = (l, c) -> {};
            loop.setExceptionHandler(h);
            assertSame(h, loop.exceptionHandler());
            loop.setExceptionHandler(null); // restores the default
            assertNull(loop.exceptionHandler());
            loop.callExceptionHandler(new ExceptionContext("logged by the default handler", new IOException("test"), null));
        } finally {
            loop.close();
        }
    }

    @Test
    void callExceptionHandlerHandsTheContextAndTheLoopToTheHandler() {
        Loop loop = Async.newLoop();
        try {
            AtomicReference<Loop> seenLoop = new AtomicReference<>();
            AtomicReference<ExceptionContext> seen = new AtomicReference<>();
            loop.setExceptionHandler((l, c) -> {
                seenLoop.set(l);
                seen.set(c);
            });
            ExceptionContext context = new ExceptionContext("something happened", new IOException("io"), null);
            Promise<Void> done = loop.createPromise();
            loop.callSoon(() -> {
                loop.callExceptionHandler(context);
                done.complete(null);
            });
            loop.runUntilComplete(done);
            assertSame(loop, seenLoop.get());
            assertSame(context, seen.get());
            Expect.assertNpeNames("context", () -> loop.callExceptionHandler(null));
        } finally {
            loop.close();
        }
    }

    @Test
    void callExceptionHandlerFromAnotherThreadRunsTheHandlerOnTheLoopsThread() {
        Thread loopThread = Thread.currentThread();
        ExceptionContext context = new ExceptionContext("from a task's thread", null, null);
        Async.run(loop -> {
            loop.setExceptionHandler(x);
            loop.callExceptionHandler(context); // main runs on its own thread
            Async.sleepAsync(Duration.ZERO).join(); // let the loop run it
            return null;
        });
        assertEquals(List.of(context), x.reports());
        assertSame(loopThread, x.reportThreads().get(0), "the handler did not run on the loop's thread");
    }

    @Test
    void callExceptionHandlerOnAClosedLoopRunsOnTheCallingThread() {
        Loop loop = Async.newLoop();
        loop.setExceptionHandler(x);
        loop.close();
        ExceptionContext context = new ExceptionContext("after close", null, null);
        loop.callExceptionHandler(context);
        assertEquals(List.of(context), x.reports());
        assertSame(Thread.currentThread(), x.reportThreads().get(0));
    }

    @Test
    void aHandlerThatThrowsIsLoggedAndTheCallReturns() {
        Loop loop = Async.newLoop();
        try {
            loop.setExceptionHandler((l, c) -> {
                throw new IllegalStateException("the handler fails (expected in this test)");
            });
            loop.callExceptionHandler(new ExceptionContext("test", null, null)); // does not throw
        } finally {
            loop.close();
        }
    }

    // ------------------------------------------------------------------ never retrieved

    @Test
    void anUnretrievedFailureIsReportedWhenTheLoopCloses() {
        IllegalStateException boom = new IllegalStateException("nobody looks at me");
        AtomicReference<Task<String>> failed = new AtomicReference<>();
        Async.run(loop -> {
            loop.setExceptionHandler(x);
            Task<String> t = loop.createTask(() -> {
                throw boom;
            });
            failed.set(t);
            waitUntilDone(t);
            assertTrue(x.reports().isEmpty(), "reported while the task is still referenced and the loop open");
            return null;
        });
        List<ExceptionContext> reports = x.reports();
        assertEquals(1, reports.size(), reports.toString());
        assertEquals(NEVER_RETRIEVED, reports.get(0).message());
        assertSame(boom, reports.get(0).exception());
        assertSame(failed.get(), reports.get(0).task());
    }

    @Test
    void anUnretrievedFailureOfANewLoopIsReportedByClose() throws Exception {
        Loop loop = Async.newLoop();
        loop.setExceptionHandler(x);
        IOException io = new IOException("checked, as thrown");
        Task<String> t = loop.createTaskAsync(() -> CompletableFuture.failedFuture(io));
        loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(null)));
        assertTrue(t.isDone());
        loop.close();
        List<ExceptionContext> reports = x.reports();
        assertEquals(1, reports.size(), reports.toString());
        assertEquals(NEVER_RETRIEVED, reports.get(0).message());
        assertSame(io, reports.get(0).exception(), "the exception is reported as thrown, not wrapped");
        assertSame(t, reports.get(0).task());
    }

    @Test
    void anUnretrievedFailureIsReportedWhenTheTaskIsCollectedWhileTheLoopRuns() {
        IllegalArgumentException boom = new IllegalArgumentException("collected unretrieved");
        Async.run(loop -> {
            loop.setExceptionHandler(x);
            failAndForget(loop, boom);
            long deadline = System.nanoTime() + Expect.WAIT.toNanos();
            while (x.reports().isEmpty() && System.nanoTime() < deadline) {
                System.gc();
                Async.sleepAsync(Duration.ofMillis(10)).join(); // a step of the loop: it polls collected tasks
            }
            List<ExceptionContext> reports = x.reports();
            assertEquals(1, reports.size(), "not reported while the loop ran: " + reports);
            assertEquals(NEVER_RETRIEVED, reports.get(0).message());
            assertSame(boom, reports.get(0).exception());
            return null;
        });
        assertEquals(1, x.reports().size(), "reported twice: " + x.reports());
    }

    /** Makes a task that fails, waits until it is done without retrieving it, and drops it. */
    private static void failAndForget(Loop loop, RuntimeException e) throws InterruptedException {
        Task<String> t = loop.createTask(() -> {
            throw e;
        });
        waitUntilDone(t);
    }

    /** Waits without retrieving the outcome: isDone() does not count as looking at it. */
    static void waitUntilDone(Task<?> t) {
        long deadline = System.nanoTime() + Expect.WAIT.toNanos();
        while (!t.isDone()) {
            assertTrue(System.nanoTime() < deadline, t + " is not done");
            Async.sleepAsync(Duration.ofMillis(1)).join();
        }
    }

    @Test
    void aCancelledTaskIsNotReported() {
        Async.run(loop -> {
            loop.setExceptionHandler(x);
            Task<String> t = loop.createTask(() -> {
                Async.sleep(Duration.ofMinutes(1));
                return "not cancelled";
            });
            t.cancel();
            waitUntilDone(t);
            return null;
        });
        assertEquals(List.of(), x.reports());
    }

    /** Runs a loop in which {@code retrieve} gets the failure of a failed task; nothing must be reported. */
    private void assertRetrievedBy(ThrowingConsumer<Task<String>> retrieve) {
        Async.run(loop -> {
            loop.setExceptionHandler(x);
            Task<String> t = loop.createTask(() -> {
                throw new IllegalStateException("retrieved");
            });
            waitUntilDone(t);
            retrieve.accept(t);
            return null;
        });
        assertEquals(List.of(), x.reports(), "a retrieved failure was reported");
    }

    @FunctionalInterface
    interface ThrowingConsumer<T> {
        void accept(T t) throws Exception;
    }

    @Test
    void anAwaitedFailureIsNotReported() {
        assertRetrievedBy(t -> assertThrows(IllegalStateException.class, t::join));
    }

    @Test
    void anAwaitedWithTimeoutFailureIsNotReported() {
        assertRetrievedBy(t -> assertThrows(IllegalStateException.class, () -> t.join(Duration.ofSeconds(1))));
    }

    @Test
    void aFailureTakenWithExceptionNowIsNotReported() {
        assertRetrievedBy(t -> assertEquals("retrieved", t.exceptionNow().getMessage()));
    }

    @Test
    void aFailureTakenWithOutcomeNowIsNotReported() {
        assertRetrievedBy(t -> assertTrue(t.outcomeNow() instanceof Outcome.Failure));
    }

    @Test
    void aFailureSeenByResultNowIsNotReported() {
        assertRetrievedBy(t -> assertThrows(IllegalStateException.class, t::resultNow));
    }

    @Test
    void aFailureWithADoneCallbackIsNotReported() {
        assertRetrievedBy(t -> {
            Promise<Void> called = t.loop().createPromise();
            t.addDoneCallback(done -> called.complete(null));
            called.join();
        });
    }

    @Test
    void aGatheredFailureIsNotReported() {
        assertRetrievedBy(t -> assertThrows(IllegalStateException.class, () -> Async.gather(t).join()));
    }

    @Test
    void aFailureSeenThroughTheCompletableFutureViewIsNotReported() {
        assertRetrievedBy(t -> assertTrue(t.toCompletableFuture().isCompletedExceptionally()));
    }

    @Test
    void aFailureAwaitedByAnotherTaskIsNotReported() {
        assertRetrievedBy(t -> assertThrows(IllegalStateException.class,
                () -> t.loop().createTaskAsync(() -> t).join())); // the follower retrieves, and fails
    }

    @Test
    void aFailureOfRunUntilCompleteIsNotReported() {
        Loop loop = Async.newLoop();
        loop.setExceptionHandler(x);
        try {
            assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(loop.createTask(() -> {
                throw new IllegalStateException("retrieved by runUntilComplete");
            })));
        } finally {
            loop.close();
        }
        assertEquals(List.of(), x.reports());
    }

    @Test
    void mainsFailureIsNotReported() {
        assertThrows(IllegalStateException.class, () -> Async.run(loop -> {
            loop.setExceptionHandler(x);
            throw new IllegalStateException("thrown by run");
        }));
        assertEquals(List.of(), x.reports());
    }
}
