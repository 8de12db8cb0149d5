package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/** {@link Loop#runUntilComplete}, {@link Loop#runForever}, {@link Loop#stop}, {@link Loop#isRunning}, {@link Loop#isClosed}. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@ExtendWith(NoStrayInterrupt.class)
class LoopRunTest extends LoopFixture {

    static void assertMisuse(String messagePart, Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        assertFalse(e instanceof CancellationException, "a misuse must not look like a cancellation: " + e);
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }

    // ---------------------------------------------------------------------- runUntilComplete

    @Test
    void theTasksDoneCallbacksRunBeforeRunUntilCompleteReturns() {
        // asyncio stops the loop with a done callback of its own: the future's other callbacks run first
        Promise<String> p = loop.createPromise();
        List<String> seen = new java.util.ArrayList<>();
        p.addDoneCallback(t -> seen.add("before"));
        loop.callSoon(() -> {
            p.complete("v");
            p.addDoneCallback(t -> seen.add("after completion"));
        });
        assertEquals("v", loop.runUntilComplete(p));
        assertEquals(List.of("before", "after completion"), seen);
    }

    @Test
    void runUntilCompleteReturnsTheResultOfANonBlockingTask() {
        Task<String> t = loop.createTaskAsync(() -> CompletableFuture.completedFuture("done"));
        assertEquals(TaskState.PENDING, t.state()); // its body waits for the loop
        assertEquals("done", loop.runUntilComplete(t));
        assertEquals(TaskState.SUCCESS, t.state());
    }

    @Test
    void runUntilCompleteReturnsTheResultOfABlockingTask() {
        Task<Integer> t = loop.createTask(() -> {
            Async.sleep(Duration.ofMillis(5));
            return 42;
        });
        assertEquals(42, loop.runUntilComplete(t));
    }

    @Test
    void runUntilCompleteReturnsNullResults() {
        assertNull(loop.runUntilComplete(loop.createTask(() -> null)));
    }

    @Test
    void runUntilCompleteAdoptsAPlainCompletableFuture() {
        CompletableFuture<String> f = new CompletableFuture<>();
        loop.callLater(Duration.ofMillis(5), () -> f.complete("adopted"));
        assertEquals("adopted", loop.runUntilComplete(f));
        // completed from another thread: the loop is woken
        CompletableFuture<String> g = new CompletableFuture<>();
        loop.callSoon(() -> Expect.start("completer", () -> g.complete("from elsewhere"), x));
        assertEquals("from elsewhere", loop.runUntilComplete(g));
        // already complete
        assertEquals("ready", loop.runUntilComplete(CompletableFuture.completedFuture("ready")));
    }

    @Test
    void runUntilCompleteRunsCallbacksScheduledBeforeIt() {
        loop.callSoon(() -> x.expect(1));
        loop.callLater(Duration.ofMillis(1), () -> x.expect(2));
        Promise<Void> done = loop.createPromise();
        loop.callLater(Duration.ofMillis(2), () -> done.complete(null));
        loop.runUntilComplete(done);
        x.finish(3);
    }

    @Test
    void runUntilCompleteRethrowsUncheckedExceptionsAsTheSameInstance() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        assertSame(boom, assertThrows(IllegalArgumentException.class,
                () -> loop.runUntilComplete(loop.createTask(() -> {
                    throw boom;
                }))));
        StackOverflowError error = new StackOverflowError("deep");
        assertSame(error, assertThrows(StackOverflowError.class,
                () -> loop.runUntilComplete(loop.createTaskAsync(() -> {
                    throw error;
                }))));
        IllegalStateException fromFuture = new IllegalStateException("from a future");
        assertSame(fromFuture, assertThrows(IllegalStateException.class,
                () -> loop.runUntilComplete(CompletableFuture.failedFuture(fromFuture))));
    }

    @Test
    void runUntilCompleteWrapsCheckedExceptionsOnceInTaskFailedException() {
        IOException io = new IOException("io");
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> loop.runUntilComplete(loop.createTask(() -> {
            throw io;
        })));
        assertSame(io, e.getCause());
        // a future's CompletionException wrapper is removed first
        IOException io2 = new IOException("io2");
        CompletableFuture<String> f = new CompletableFuture<>();
        f.completeExceptionally(new CompletionException(io2));
        TaskFailedException e2 = assertThrows(TaskFailedException.class, () -> loop.runUntilComplete(f));
        assertSame(io2, e2.getCause());
        // an unchecked exception inside CompletionException arrives as itself
        IllegalArgumentException iae = new IllegalArgumentException();
        CompletableFuture<String> g = CompletableFuture.failedFuture(new CompletionException(iae));
        assertSame(iae, assertThrows(IllegalArgumentException.class, () -> loop.runUntilComplete(g)));
    }

    @Test
    void runUntilCompleteOfACancelledTaskThrowsItsCancellation() {
        Task<Void> t = loop.createTask(() -> {
            Async.sleep(Duration.ofMinutes(1));
            return null;
        });
        loop.callLater(Duration.ofMillis(5), () -> t.cancel("stop it"));
        CancellationException e = assertThrows(CancellationException.class, () -> loop.runUntilComplete(t));
        assertEquals("stop it", e.getMessage());
        assertTrue(t.isCancelled());
        // a cancelled plain future
        CompletableFuture<String> f = new CompletableFuture<>();
        f.cancel(false);
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(f));
    }

    @Test
    void interruptingTheThreadCancelsTheTaskAndSetsTheFlagAgain() {
        Thread runner = Thread.currentThread();
        AtomicBoolean finallyRan = new AtomicBoolean();
        Task<String> t = loop.createTask(() -> {
            try {
                runner.interrupt(); // the thread running the loop
                Async.sleep(Duration.ofMinutes(1));
                return "not cancelled";
            } finally {
                finallyRan.set(true);
            }
        });
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(t));
        assertTrue(Thread.interrupted(), "the interrupt flag was not set again");
        assertTrue(t.isCancelled());
        assertTrue(finallyRan.get(), "runUntilComplete returned before the body finished");
    }

    @Test
    void interruptingTheThreadCancelsAnAdoptedFuture() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread runner = Thread.currentThread();
        loop.callSoon(() -> Expect.start("interrupter", runner::interrupt, x));
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(f));
        assertTrue(Thread.interrupted(), "the interrupt flag was not set again");
        assertTrue(f.isCancelled(), "the future was not cancelled");
    }

    @Test
    void anInterruptBeforeTheCallCancelsTheTask() {
        Task<String> t = loop.createTaskAsync(() -> CompletableFuture.completedFuture("ran"));
        Thread.currentThread().interrupt();
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(t));
        assertTrue(Thread.interrupted());
        assertTrue(t.isCancelled());
    }

    @Test
    void runUntilCompleteOnTheLoopsOwnThreadThrowsIse() {
        Promise<Void> done = loop.createPromise();
        loop.callSoon(() -> {
            x.verify(() -> assertMisuse("running", () -> loop.runUntilComplete(CompletableFuture.completedFuture("x"))));
            x.verify(() -> assertMisuse("running", () -> loop.runUntilComplete(loop.createPromise())));
            x.expect(1);
        });
        loop.callLater(Duration.ofMillis(5), () -> {
            x.expect(2); // the loop went on running
            done.complete(null);
        });
        loop.runUntilComplete(done);
        x.finish(3);
    }

    @Test
    void runUntilCompleteFromAnotherThreadWhileTheLoopRunsThrowsIse() {
        Promise<Void> done = loop.createPromise();
        loop.callSoon(() -> Expect.start("intruder", () -> {
            assertMisuse("already running", () -> loop.runUntilComplete(loop.createPromise()));
            assertMisuse("already running", () -> loop.runUntilComplete(new CompletableFuture<String>()));
            assertMisuse("already running", loop::runForever);
            loop.callSoon(() -> {
                x.expect(1);
                done.complete(null);
            });
        }, x));
        loop.runUntilComplete(done);
        x.finish(2);
    }

    @Test
    void runUntilCompleteFromTheLoopsOwnCallbackSaysItIsThisLoopThatRuns() {
        Promise<Void> done = loop.createPromise();
        java.util.concurrent.atomic.AtomicReference<Throwable> wrong = new java.util.concurrent.atomic.AtomicReference<>();
        loop.callSoon(() -> {
            try {
                assertMisuse("the loop is already running, on this thread", () -> loop.runUntilComplete(loop.createPromise()));
                assertMisuse("the loop is already running, on this thread", loop::runForever);
            } catch (Throwable e) {
                wrong.set(e);
            } finally {
                done.complete(null);
            }
        });
        loop.runUntilComplete(done);
        assertEquals(null, wrong.get());
    }

    @Test
    void runUntilCompleteOfADoneFutureFromAnotherThreadDoesNotStopTheRunningLoop() {
        // the refused call must not leave its "stop when done" behind on the loop that runs
        Promise<String> finished = loop.createPromise();
        finished.complete("already done");
        Promise<Void> done = loop.createPromise();
        loop.callSoon(() -> Expect.start("intruder", () -> {
            assertMisuse("already running", () -> loop.runUntilComplete(finished));
            assertMisuse("already running", () -> loop.runUntilComplete(CompletableFuture.completedFuture("x")));
            loop.callLater(Duration.ofMillis(20), () -> done.complete(null));
        }, x));
        loop.runUntilComplete(done); // throws "the loop stopped before the task completed" if stopped
        assertTrue(done.isDone());
    }

    @Test
    void runUntilCompleteOfADoneFutureOnTheLoopsThreadDoesNotStopTheLoop() {
        Promise<String> finished = loop.createPromise();
        finished.complete("already done");
        Promise<Void> done = loop.createPromise();
        loop.callSoon(() -> {
            x.verify(() -> assertMisuse("running", () -> loop.runUntilComplete(finished)));
            loop.callLater(Duration.ofMillis(20), () -> done.complete(null));
        });
        loop.runUntilComplete(done);
        assertTrue(done.isDone());
    }

    @Test
    void aStopBeforeTheFutureIsDoneEndsRunUntilCompleteWithIse() {
        Promise<String> never = loop.createPromise();
        loop.callSoon(loop::stop);
        assertMisuse("stopped", () -> loop.runUntilComplete(never));
        assertFalse(loop.isRunning());
        never.complete("late");
        assertEquals("late", loop.runUntilComplete(never)); // the loop can run again
    }

    @Test
    void runUntilCompleteOfATaskOfAnotherLoopAdoptsIt() {
        Loop other = Async.newLoop();
        try {
            Promise<String> p = other.createPromise();
            loop.callLater(Duration.ofMillis(5), () -> p.complete("from the other loop"));
            assertEquals("from the other loop", loop.runUntilComplete(p));
        } finally {
            other.close();
        }
    }

    @Test
    void runUntilCompleteRejectsNull() {
        Expect.assertNpeNames("future", () -> loop.runUntilComplete(null));
    }

    @Test
    void isRunningIsTrueOnlyWhileAThreadRunsTheLoop() {
        assertFalse(loop.isRunning());
        Promise<Boolean> seen = loop.createPromise();
        loop.callSoon(() -> seen.complete(loop.isRunning()));
        assertTrue(loop.runUntilComplete(seen));
        assertFalse(loop.isRunning());
        // seen from another thread too
        Promise<Boolean> fromElsewhere = loop.createPromise();
        loop.callSoon(() -> Expect.start("observer", () -> fromElsewhere.complete(loop.isRunning()), x));
        assertTrue(loop.runUntilComplete(fromElsewhere));
    }

    // -------------------------------------------------------------------- runForever and stop

    @Test
    void stopFromACallbackEndsRunForeverAfterTheCurrentBatch() {
        AtomicBoolean leftoverRan = new AtomicBoolean();
        loop.callSoon(() -> {
            x.expect(1);
            loop.stop();
            loop.callSoon(() -> { // scheduled during the batch: kept for the next run
                leftoverRan.set(true);
                x.expect(4);
            });
        });
        loop.callSoon(() -> x.expect(2)); // in the batch that was ready: still runs
        loop.runForever();
        assertFalse(loop.isRunning());
        assertFalse(leftoverRan.get(), "a callback scheduled after stop() ran in the same run");
        x.expect(3);
        loop.stop();
        loop.runForever();
        assertTrue(leftoverRan.get());
        x.finish(5);
    }

    @Test
    void stopFromAnotherThreadWakesAndEndsRunForever() {
        loop.callSoon(() -> Expect.start("stopper", () -> {
            x.expect(1);
            loop.stop();
        }, x));
        loop.runForever();
        assertFalse(loop.isRunning());
        x.finish(2);
    }

    @Test
    void stopBeforeRunForeverRunsOneIteration() {
        loop.callSoon(() -> {
            x.expect(1);
            loop.callSoon(() -> x.expect(2)); // next iteration: not in this run
        });
        loop.stop(); // not running: the next runForever runs one iteration and returns
        loop.runForever();
        assertFalse(loop.isRunning());
        x.check();
        loop.stop();
        loop.runForever(); // runs the leftover callback
        x.finish(3);
    }

    @Test
    void stopIsIdempotentAndNeverWaits() {
        loop.stop();
        loop.stop();
        loop.runForever(); // one iteration, not two runs
        Promise<String> p = loop.createPromise();
        loop.callSoon(() -> p.complete("the loop runs normally again"));
        assertEquals("the loop runs normally again", loop.runUntilComplete(p));
    }

    @Test
    void runForeverKeepsRunningTimersAndCallbacksUntilStopped() {
        loop.callLater(Duration.ofMillis(5), () -> x.expect(1));
        loop.callLater(Duration.ofMillis(10), () -> {
            x.expect(2);
            loop.callSoon(() -> {
                x.expect(3);
                loop.stop();
            });
        });
        loop.runForever();
        x.finish(4);
    }

    @Test
    void interruptingRunForeverStopsItWithTheFlagSetAgain() {
        Thread runner = Thread.currentThread();
        loop.callSoon(() -> Expect.start("interrupter", runner::interrupt, x));
        loop.runForever();
        assertTrue(Thread.interrupted(), "the interrupt flag was not set again");
    }

    @Test
    void runForeverWhileRunningThrowsIse() {
        loop.callSoon(() -> {
            x.verify(() -> assertMisuse("running", loop::runForever));
            loop.stop();
        });
        loop.runForever();
        x.check();
    }

    @Test
    void runForeverOnAClosedLoopThrowsIse() {
        loop.close();
        assertMisuse("loop is closed", loop::runForever);
        assertMisuse("loop is closed", () -> loop.runUntilComplete(CompletableFuture.completedFuture("x")));
    }

    @Test
    void aLoopMayBeRunByDifferentThreadsOneAfterTheOther() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        loop.callSoon(() -> {
            ranOn.set(Thread.currentThread());
            loop.stop();
        });
        Thread other = new Thread(loop::runForever, "other-runner");
        other.start();
        Expect.join(other);
        assertSame(other, ranOn.get());
        Promise<Thread> p = loop.createPromise();
        loop.callSoon(() -> p.complete(Thread.currentThread()));
        assertSame(Thread.currentThread(), loop.runUntilComplete(p));
    }

    @Test
    void aLoopCannotRunOnTheThreadOfAnotherRunningLoop() {
        Loop other = Async.newLoop();
        try {
            Promise<Void> done = loop.createPromise();
            loop.callSoon(() -> {
                x.verify(() -> assertMisuse("another loop", () -> other.runUntilComplete(other.createPromise())));
                x.verify(() -> assertMisuse("another loop", other::runForever));
                x.verify(() -> assertFalse(other.isRunning()));
                done.complete(null);
            });
            loop.runUntilComplete(done);
            x.check();
        } finally {
            other.close();
        }
    }

    // --------------------------------------------------------------------------- isClosed

    @Test
    void isClosedAfterClose() {
        assertFalse(loop.isClosed());
        loop.runUntilComplete(CompletableFuture.completedFuture(null));
        assertFalse(loop.isClosed());
        loop.close();
        assertTrue(loop.isClosed());
        assertFalse(loop.isRunning());
    }

    @Test
    void optionsAreThoseTheLoopWasMadeWith() {
        assertEquals(LoopOptions.defaults(), loop.options());
        LoopOptions debug = LoopOptions.defaults().withDebug(true).withSlowCallbackThreshold(Duration.ofSeconds(3));
        Loop other = Async.newLoop(debug);
        try {
            assertEquals(debug, other.options());
        } finally {
            other.close();
        }
    }

    @Test
    void loopsAreIndependent() {
        Loop other = Async.newLoop();
        AtomicBoolean otherRan = new AtomicBoolean();
        try {
            other.callSoon(() -> otherRan.set(true));
            Promise<String> p = loop.createPromise();
            loop.callSoon(() -> p.complete("mine"));
            assertEquals("mine", loop.runUntilComplete(p));
            assertFalse(otherRan.get(), "another loop's callback ran on this loop");
            assertEquals(List.of(), List.copyOf(loop.allTasks()));
        } finally {
            other.setExceptionHandler(x);
            other.close(); // runs what is scheduled once: see LoopCloseTest
        }
        assertTrue(otherRan.get());
    }
}
