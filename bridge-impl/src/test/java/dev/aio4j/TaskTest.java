package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Task: states, cancellation as a request, the exception rule, callbacks and the CompletableFuture view. */
@Timeout(30)
class TaskTest {

    @Test
    void blockingTaskGoesFromRunningToSuccess() {
        Async.run(loop -> {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            Task<String> t = loop.createTask(() -> {
                started.countDown();
                release.await();
                return "done";
            });
            started.await();
            assertEquals(TaskState.RUNNING, t.state());
            assertFalse(t.isDone());
            release.countDown();
            assertEquals("done", t.join());
            assertEquals(TaskState.SUCCESS, t.state());
            assertTrue(t.isDone());
            assertFalse(t.isCancelled());
            assertEquals("done", t.resultNow());
            return null;
        });
    }

    @Test
    void nonBlockingTaskIsPendingUntilTheLoopRunsItsBody() {
        Async.runAsync(loop -> {
            Task<String> t = loop.createTaskAsync(() -> CompletableFuture.completedFuture("x"));
            assertEquals(TaskState.PENDING, t.state(), "the body runs at the loop's next step, not inside createTaskAsync");
            return t.thenApply(v -> {
                assertEquals(TaskState.SUCCESS, t.state());
                return v;
            });
        });
    }

    @Test
    void cancelIsARequestThatCompletesWhenTheBlockingBodyHasFinished() {
        Async.run(loop -> {
            CountDownLatch inBody = new CountDownLatch(1);
            CountDownLatch finallyMayEnd = new CountDownLatch(1);
            AtomicBoolean finallyRan = new AtomicBoolean();
            Task<String> t = loop.createTask(() -> {
                try {
                    inBody.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return "never";
                } finally {
                    // an uninterruptible wait: the task must stay RUNNING meanwhile
                    boolean done = false;
                    while (!done) {
                        try {
                            finallyMayEnd.await();
                            done = true;
                        } catch (InterruptedException e) {
                            // keep waiting
                        }
                    }
                    finallyRan.set(true);
                }
            });
            inBody.await();
            assertTrue(t.cancel());
            assertEquals(TaskState.RUNNING, t.state(), "cancellation is a request: the finally block is still running");
            assertFalse(t.isDone());
            finallyMayEnd.countDown();
            assertThrows(CancellationException.class, t::join);
            assertTrue(finallyRan.get());
            assertEquals(TaskState.CANCELLED, t.state());
            assertTrue(t.isCancelled());
            assertFalse(t.cancel(), "cancelling a done task returns false");
            return null;
        });
    }

    @Test
    void cancelBeforeTheBodyStartsMeansItNeverRuns() {
        Async.runAsync(loop -> {
            AtomicBoolean ran = new AtomicBoolean();
            Task<String> t = loop.createTaskAsync(() -> {
                ran.set(true);
                return CompletableFuture.completedFuture("x");
            });
            assertTrue(t.cancel());
            assertEquals(TaskState.CANCELLED, t.state(), "a task whose body never started is cancelled at once");
            return Async.sleepAsync(Duration.ZERO).thenApply(v -> {
                assertFalse(ran.get());
                return null;
            });
        });
    }

    @Test
    void aBodyThatSwallowsTheCancellationStillEndsCancelled() {
        Async.run(loop -> {
            CountDownLatch inBody = new CountDownLatch(1);
            Task<String> t = loop.createTask(() -> {
                inBody.countDown();
                try {
                    Async.sleep(Duration.ofMinutes(1));
                } catch (CancellationException e) {
                    return "swallowed";
                }
                return "slept";
            });
            inBody.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertEquals(TaskState.CANCELLED, t.state());
            return null;
        });
    }

    @Test
    void aBodyThatThrowsSomethingElseAfterCancellationEndsFailed() {
        Async.run(loop -> {
            CountDownLatch inBody = new CountDownLatch(1);
            IOException cleanupFailure = new IOException("cleanup failed");
            Task<String> t = loop.createTask(() -> {
                inBody.countDown();
                try {
                    Async.sleep(Duration.ofMinutes(1));
                } catch (CancellationException cancelled) {
                    throw cleanupFailure;
                }
                return "slept";
            });
            inBody.await();
            t.cancel();
            TaskFailedException e = assertThrows(TaskFailedException.class, t::join);
            assertSame(cleanupFailure, e.getCause());
            assertEquals(TaskState.FAILED, t.state());
            return null;
        });
    }

    @Test
    void anInterruptedExceptionCausedByTheCancellationCountsAsTheCancellation() {
        Async.run(loop -> {
            CountDownLatch inBody = new CountDownLatch(1);
            Task<String> t = loop.createTask(() -> {
                inBody.countDown();
                Thread.sleep(60_000); // a JDK blocking call: throws InterruptedException
                return "slept";
            });
            inBody.await();
            t.cancel("stop it");
            CancellationException e = assertThrows(CancellationException.class, t::join);
            assertEquals("stop it", e.getMessage());
            assertEquals(TaskState.CANCELLED, t.state());
            return null;
        });
    }

    @Test
    void cancellationGoesDownAChainOfBlockingAwaits() {
        Async.run(loop -> {
            CountDownLatch innerStarted = new CountDownLatch(1);
            Expect order = new Expect();
            Task<String> inner = loop.createTask(() -> {
                try {
                    innerStarted.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return "inner";
                } finally {
                    order.expect(1);
                }
            });
            Task<String> outer = loop.createTask(() -> {
                try {
                    return inner.join();
                } finally {
                    order.expect(2); // after inner's finally: the awaiter waits for the awaited to finish
                }
            });
            innerStarted.await();
            Async.sleep(Duration.ofMillis(20));
            outer.cancel();
            assertThrows(CancellationException.class, outer::join);
            assertTrue(inner.isCancelled(), "cancelling the awaiter cancels the awaited");
            order.finish(3);
            return null;
        });
    }

    @Test
    void cancellationGoesToATaskThatANonBlockingBodyReturned() {
        Async.run(loop -> {
            Task<Void> sleeper = loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMinutes(1)));
            CountDownLatch bodyRan = new CountDownLatch(1);
            Task<Void> outer = loop.createTaskAsync(() -> {
                bodyRan.countDown();
                return sleeper;
            });
            bodyRan.await();
            outer.cancel();
            assertThrows(CancellationException.class, outer::join);
            assertTrue(sleeper.isCancelled());
            return null;
        });
    }

    @Test
    void cancellationReachesATaskThroughStagesDerivedFromIt() {
        Async.run(loop -> {
            Task<Void> sleeper = loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMinutes(1)));
            CountDownLatch bodyRan = new CountDownLatch(1);
            Task<String> outer = loop.createTaskAsync(() -> {
                bodyRan.countDown();
                return sleeper.thenApply(v -> "slept").handle((v, e) -> v).thenApply(v -> v + "!");
            });
            bodyRan.await();
            outer.cancel();
            assertThrows(CancellationException.class, outer::join);
            assertThrows(CancellationException.class, sleeper::join);
            assertTrue(sleeper.isCancelled(), "cancelling a stage derived from a task cancels the task");
            return null;
        });
    }

    @Test
    void anExceptionCausedByTheInterruptCountsAsTheCancellation() {
        Async.run(loop -> {
            CountDownLatch inBody = new CountDownLatch(1);
            Task<String> t = loop.createTask(() -> {
                inBody.countDown();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    throw new java.sql.SQLException("the driver wraps the interrupt", e);
                }
                return "slept";
            });
            inBody.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertEquals(TaskState.CANCELLED, t.state());
            return null;
        });
    }

    @Test
    void cancellingANonBlockingTaskCancelsTheStageItReturned() {
        Async.run(loop -> {
            CompletableFuture<String> stage = new CompletableFuture<>();
            CountDownLatch bodyRan = new CountDownLatch(1);
            Task<String> t = loop.createTaskAsync(() -> {
                bodyRan.countDown();
                return stage;
            });
            bodyRan.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertTrue(stage.isCancelled());
            return null;
        });
    }

    @Test
    void aStageThatCannotBeCancelledIsAbandoned() {
        Async.run(loop -> {
            CompletableFuture<String> source = new CompletableFuture<>();
            Task<String> t = loop.adopt(source.minimalCompletionStage());
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertFalse(source.isDone(), "the source cannot be reached through a minimal stage");
            return null;
        });
    }

    @Test
    void exceptionsArriveAsTheSameInstanceOrWrappedOnceWhenChecked() {
        Async.run(loop -> {
            IllegalArgumentException unchecked = new IllegalArgumentException("bad");
            IOException checked = new IOException("io");
            StackOverflowError error = new StackOverflowError("deep");
            Task<Object> a = loop.createTask(() -> {
                throw unchecked;
            });
            Task<Object> b = loop.createTask(() -> {
                throw checked;
            });
            Task<Object> c = loop.createTask(() -> {
                throw error;
            });
            Task<Object> d = loop.createTaskAsync(() -> CompletableFuture.failedFuture(unchecked));
            Task<Object> e = loop.createTaskAsync(() -> CompletableFuture.supplyAsync(() -> {
                throw unchecked; // arrives wrapped in CompletionException from the JDK: unwrapped
            }, Runnable::run));
            assertSame(unchecked, assertThrows(IllegalArgumentException.class, a::join));
            TaskFailedException wrapped = assertThrows(TaskFailedException.class, b::join);
            assertSame(checked, wrapped.getCause());
            assertSame(error, assertThrows(StackOverflowError.class, c::join));
            assertSame(unchecked, assertThrows(IllegalArgumentException.class, d::join));
            assertSame(unchecked, assertThrows(IllegalArgumentException.class, e::join));
            assertSame(checked, b.exceptionNow(), "exceptionNow gives the exception as thrown");
            assertEquals(TaskState.FAILED, b.state());
            return null;
        });
    }

    @Test
    void anAwaiterThatSeesTheTaskDoneAlsoSeesItsResult() {
        // kotlinx's fast completion path marks a job completed before its onCompleted hook runs: the
        // result must be in place before, or an awaiter racing the completion reads a stale null
        int n = 20_000;
        Async.run(loop -> {
            List<Task<Integer>> tasks = new ArrayList<>(n);
            List<Task<Integer>> awaiters = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Integer value = i;
                Task<Integer> t = Async.toThread(() -> value);
                tasks.add(t);
                awaiters.add(loop.createTask(() -> t.join()));
            }
            for (int i = 0; i < n; i++) {
                assertEquals(Integer.valueOf(i), awaiters.get(i).join(), "task " + i + " was done, but await gave another value");
                assertEquals(Integer.valueOf(i), tasks.get(i).resultNow());
            }
            return null;
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void resultNowExceptionNowAndOutcomeNowFollowTheJdkRules() {
        Async.run(loop -> {
            Promise<String> pending = loop.createPromise();
            assertThrows(IllegalStateException.class, pending::resultNow);
            assertThrows(IllegalStateException.class, pending::exceptionNow);
            assertThrows(IllegalStateException.class, pending::outcomeNow);

            Task<String> ok = loop.adopt(CompletableFuture.completedFuture("v"));
            assertEquals("v", ok.resultNow());
            assertThrows(IllegalStateException.class, ok::exceptionNow);
            assertEquals(new Outcome.Success<>("v"), ok.outcomeNow());

            RuntimeException boom = new RuntimeException("boom");
            Task<String> failed = loop.adopt(CompletableFuture.failedFuture(boom));
            IllegalStateException notOk = assertThrows(IllegalStateException.class, failed::resultNow);
            assertFalse(notOk instanceof CancellationException);
            assertSame(boom, failed.exceptionNow());
            assertEquals(new Outcome.Failure<>(boom), failed.outcomeNow());

            Promise<String> cancelled = loop.createPromise();
            cancelled.cancel("no");
            IllegalStateException c1 = assertThrows(IllegalStateException.class, cancelled::resultNow);
            assertFalse(c1 instanceof CancellationException);
            assertThrows(IllegalStateException.class, cancelled::exceptionNow);
            Outcome.Cancelled<String> outcome = assertInstanceOf(Outcome.Cancelled.class, cancelled.outcomeNow());
            assertEquals("no", outcome.exception().getMessage());
            return null;
        });
    }

    @Test
    void aDoneFutureIsTakenAsWhenCompleteWouldGiveIt() {
        // adopt and a non-blocking body read a done CompletableFuture directly: same outcome as through whenComplete
        Async.run(loop -> {
            RuntimeException boom = new RuntimeException("boom");
            CompletableFuture<String> wrapped = new CompletableFuture<>();
            wrapped.completeExceptionally(new java.util.concurrent.CompletionException(boom));
            assertSame(boom, loop.adopt(wrapped).exceptionNow());
            Task<String> viaBody = loop.createTaskAsync(() -> wrapped);
            assertThrows(RuntimeException.class, viaBody::join);
            assertSame(boom, viaBody.exceptionNow());

            CompletableFuture<String> cancelledFuture = new CompletableFuture<>();
            cancelledFuture.cancel(false);
            Task<String> cancelled = loop.adopt(cancelledFuture);
            assertTrue(cancelled.isCancelled());
            Task<String> cancelledViaBody = loop.createTaskAsync(() -> cancelledFuture);
            assertThrows(CancellationException.class, cancelledViaBody::join);
            assertTrue(cancelledViaBody.isCancelled());

            CompletableFuture<String> nullValue = CompletableFuture.completedFuture(null);
            Task<String> nothing = loop.createTaskAsync(() -> nullValue);
            assertEquals(null, nothing.join());
            assertEquals(TaskState.SUCCESS, nothing.state());
            return null;
        });
    }

    @Test
    void awaitWithATimeoutThrowsAsyncTimeoutExceptionAndDoesNotCancel() {
        Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            AsyncTimeoutException e = assertThrows(AsyncTimeoutException.class, () -> p.join(Duration.ofMillis(30)));
            // (not a CancellationException: javac already refuses `e instanceof CancellationException`)
            assertEquals(Duration.ofMillis(30), e.timeout());
            assertFalse(p.isDone(), "await(timeout) leaves the task alone");
            assertThrows(AsyncTimeoutException.class, () -> p.join(Duration.ZERO));
            p.complete("late");
            assertEquals("late", p.join(Duration.ZERO));
            assertThrows(IllegalArgumentException.class, () -> p.join(Duration.ofMillis(-1)));
            assertThrows(NullPointerException.class, () -> p.join(null));
            return null;
        });
    }

    @Test
    void awaitingOnTheLoopThreadIsRefusedWithAdvice() {
        Async.runAsync(loop -> {
            Promise<String> p = loop.createPromise();
            IllegalStateException e = assertThrows(IllegalStateException.class, p::join);
            assertFalse(e instanceof CancellationException);
            assertTrue(e.getMessage().contains("createTaskAsync"), e.getMessage());
            p.cancel();
            return CompletableFuture.completedFuture(null);
        });
    }

    @Test
    void aTaskCannotAwaitItself() {
        Async.run(loop -> {
            AtomicReference<Task<Object>> self = new AtomicReference<>();
            CountDownLatch set = new CountDownLatch(1);
            Task<Object> t = loop.createTask(() -> {
                set.await();
                return self.get().join();
            });
            self.set(t);
            set.countDown();
            IllegalStateException e = assertThrows(IllegalStateException.class, t::join);
            assertTrue(e.getMessage().contains("itself"));
            return null;
        });
    }

    @Test
    void anInterruptedPlainThreadAwaitingGetsCancellationAndKeepsItsInterrupt() throws Exception {
        Loop loop = Async.newLoop();
        try {
            Promise<String> p = loop.createPromise();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean flagAfter = new AtomicBoolean();
            Thread waiter = new Thread(() -> {
                try {
                    p.join();
                } catch (Throwable e) {
                    thrown.set(e);
                    flagAfter.set(Thread.currentThread().isInterrupted());
                }
            });
            waiter.start();
            Thread.sleep(50);
            waiter.interrupt();
            waiter.join(5_000);
            assertInstanceOf(CancellationException.class, thrown.get());
            assertTrue(flagAfter.get(), "the interrupt of a thread that is not a task's is not swallowed");
            assertTrue(p.isCancelled(), "an interrupt while awaiting cancels the awaited task");
        } finally {
            loop.close();
        }
    }

    @Test
    void doneCallbacksRunOnTheLoopInOrderNeverInline() {
        List<String> calls = Async.runAsync(loop -> {
            List<String> seen = new ArrayList<>();
            Thread loopThread = Thread.currentThread();
            Promise<String> p = loop.createPromise();
            p.addDoneCallback(t -> seen.add("first " + t.resultNow()));
            p.addDoneCallback(t -> seen.add("second " + (Thread.currentThread() == loopThread)));
            p.complete("v");
            seen.add("completed"); // the loop is busy running us: callbacks wait for the next step
            p.addDoneCallback(t -> seen.add("late"));
            seen.add("added late");
            return Async.sleepAsync(Duration.ZERO).thenApply(x -> seen);
        });
        assertEquals(List.of("completed", "added late", "first v", "second true", "late"), calls);
    }

    @Test
    void doneCallbacksOfATaskCompletedOnAnotherThreadRunOnTheLoop() {
        Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            Thread loopThread = loop.createTaskAsync(() -> CompletableFuture.completedFuture(Thread.currentThread())).join();
            p.addDoneCallback(t -> {
                ranOn.set(Thread.currentThread());
                ran.countDown();
            });
            p.complete("v"); // on this (virtual) thread
            ran.await();
            assertSame(loopThread, ranOn.get());
            assertThrows(NullPointerException.class, () -> p.addDoneCallback(null));
            return null;
        });
    }

    @Test
    void aCallbackThatThrowsReachesTheExceptionHandler() {
        List<ExceptionContext> reported = new ArrayList<>();
        RuntimeException boom = new RuntimeException("callback");
        Async.run(loop -> {
            loop.setExceptionHandler((l, c) -> reported.add(c));
            Promise<String> p = loop.createPromise();
            CountDownLatch after = new CountDownLatch(1);
            p.addDoneCallback(t -> {
                throw boom;
            });
            p.addDoneCallback(t -> after.countDown());
            p.complete("v");
            after.await();
            return null;
        });
        assertEquals(1, reported.size());
        assertSame(boom, reported.get(0).exception());
    }

    @Test
    void theCompletableFutureViewFollowsTheTaskAndCancelsIt() throws Exception {
        Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            CompletableFuture<String> view = p.toCompletableFuture();
            assertFalse(view.isDone());
            p.complete("v");
            assertEquals("v", view.get(5, TimeUnit.SECONDS));

            IOException checked = new IOException("io");
            Promise<String> failing = loop.createPromise();
            CompletableFuture<String> failingView = failing.toCompletableFuture();
            failing.fail(checked);
            ExecutionException ee = assertThrows(ExecutionException.class, () -> failingView.get(5, TimeUnit.SECONDS));
            assertSame(checked, ee.getCause(), "get() wraps in ExecutionException, as its contract says, once");

            CountDownLatch inBody = new CountDownLatch(1);
            Task<String> running = loop.createTask(() -> {
                inBody.countDown();
                Async.sleep(Duration.ofMinutes(1));
                return "never";
            });
            inBody.await();
            CompletableFuture<String> runningView = running.toCompletableFuture();
            assertTrue(runningView.cancel(true));
            assertTrue(runningView.isCancelled(), "the view is cancelled at once, by its own contract");
            assertThrows(CancellationException.class, running::join);
            assertTrue(running.isCancelled(), "cancelling the view cancels the task");
            return null;
        });
    }

    @Test
    void stageMethodsComposeAndTheirAsyncFormsRunOnTheLoop() {
        String result = Async.runAsync(loop -> {
            Task<Integer> t = loop.createTaskAsync(() -> CompletableFuture.completedFuture(20));
            return t.thenApply(v -> v + 1)
                    .thenApplyAsync(v -> {
                        assertSame(loop, Loop.current(), "...Async without an executor runs on the task's loop");
                        return v * 2;
                    })
                    .thenCompose(v -> Async.sleepAsync(Duration.ofMillis(1)).thenApply(x -> "r" + v));
        });
        assertEquals("r42", result);
    }

    @Test
    void namesAreGivenOrNumbered() {
        Async.run(loop -> {
            Task<String> named = loop.createTask("fetcher", () -> Thread.currentThread().getName());
            assertEquals("fetcher", named.name());
            assertEquals("fetcher", named.join(), "a named blocking task's thread carries the name");
            Task<String> unnamed = loop.createTask(() -> "x");
            assertTrue(unnamed.name().startsWith("Task-"), unnamed.name());
            assertEquals(unnamed.name(), unnamed.name());
            assertSame(loop, unnamed.loop());
            assertNotNull(unnamed.toString());
            return null;
        });
    }

    @Test
    void badInputFailsEarly() {
        Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            Expect.assertNpeNames("message", () -> p.cancel(null));
            Expect.assertNpeNames("body", () -> loop.createTask((java.util.concurrent.Callable<String>) null));
            Expect.assertNpeNames("body", () -> loop.createTaskAsync((java.util.concurrent.Callable<CompletableFuture<String>>) null));
            Expect.assertNpeNames("name", () -> loop.createTask(null, () -> "x"));
            Expect.assertNpeNames("stage", () -> loop.adopt(null));
            Expect.assertNpeNames("exception", () -> p.fail(null));
            p.cancel();
            return null;
        });
    }

    @Test
    void aNonBlockingBodyThatReturnsNullFailsWithAClearMessage() {
        Async.run(loop -> {
            Task<String> t = loop.createTaskAsync(() -> null);
            NullPointerException e = assertThrows(NullPointerException.class, t::join);
            assertTrue(e.getMessage().contains("returned null"), e.getMessage());
            return null;
        });
    }

    @Test
    void creatingTasksOnAClosedLoopIsRefused() {
        Loop loop = Async.newLoop();
        loop.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.createTask(() -> "x"));
        assertEquals("loop is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> loop.createTaskAsync(() -> CompletableFuture.completedFuture("x")));
        assertThrows(IllegalStateException.class, loop::createPromise);
        assertThrows(IllegalStateException.class, () -> loop.adopt(new CompletableFuture<>()));
    }

    /** A task whose result is itself (found from outside: toString() overflowed the stack) prints its name once. */
    @Test
    void aTaskWhoseResultIsItselfPrints() {
        Async.run(loop -> {
            Task<Task<?>> t = loop.createTask(Async::currentTask);
            t.join();
            assertEquals("Task(" + t.name() + " SUCCESS result=Task(" + t.name() + " SUCCESS))", t.toString());
            return null;
        });
    }
}
