package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.kotlin.Suspend;
import dev.aio4j.kotlin.TestService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import kotlinx.coroutines.Job;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Suspend.join from a blocking-style body: the joining thread runs the function's resumptions
 * (runBlocking's model), and the rules that hold around that: cancellation of the blocking task
 * by every route, exceptions as the same instance, functions that launch coroutines or switch
 * dispatchers, nested joins, nothing left running after the call.
 */
class SuspendJoinTest {
    final TestService service = new TestService();

    // ------------------------------------------------------------------ where the function runs

    @Test
    void theResumptionRunsOnTheJoiningThread() {
        Async.run(() -> {
            Loop l = Loop.current();
            Thread me = Thread.currentThread();
            assertSame(me, Suspend.<Thread>join(c -> service.resumedOn(c)), "a yield resumes on the joining thread, not the loop's");
            assertSame(me, Suspend.<Thread>join(c -> service.afterDelay(5, c)), "a delay's timer is the loop's, its resumption the joiner's");
            List<? extends Thread> both = Suspend.<List<? extends Thread>>join(c -> service.viaDefault(c));
            assertNotSame(me, both.get(0), "withContext(Dispatchers.Default) runs there");
            assertSame(me, both.get(1), "and comes back to the joining thread");
        });
    }

    @Test
    void underDefaultDispatcherThreadingTooTheJoiningThreadRunsTheFunction() {
        Async.run(LoopOptions.defaults().withThreading(LoopOptions.Threading.DEFAULT_DISPATCHER), () -> {
            Thread me = Thread.currentThread();
            assertSame(me, Suspend.<Thread>join(c -> service.resumedOn(c)));
            assertSame(me, Suspend.<Thread>join(c -> service.afterDelay(5, c)));
            assertSame(me, Suspend.<List<? extends Thread>>join(c -> service.viaDefault(c)).get(1));
        });
    }

    @Test
    void aFunctionThatSuspendsCompletesWhileTheLoopIsBusy() throws Exception {
        // The loop's thread is held by a callback; a function that only yields needs no loop step.
        AtomicBoolean busy = new AtomicBoolean();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inCallback = new CountDownLatch(1);
        Async.run(() -> {
            Loop l = Loop.current();
            l.callSoon(() -> {
                busy.set(true);
                inCallback.countDown();
                try {
                    release.await(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                busy.set(false);
            });
            inCallback.await();
            int v = Suspend.<Integer>join(c -> service.suspendsOnce(1, c));
            boolean stillBusy = busy.get();
            release.countDown();
            assertEquals(2, v);
            assertTrue(stillBusy, "the call completed without a step of the (busy) loop");
        });
    }

    @Test
    void childCoroutinesRunOnTheJoiningThreadAndTheCallWaitsForThem() {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        AtomicBoolean childDone = new AtomicBoolean();
        Async.run(() -> {
            Loop l = Loop.current();
            assertEquals(6, Suspend.<Integer>join(c -> service.launchesChildren(threads, c)));
            assertEquals(Set.of(Thread.currentThread()), threads);
            assertEquals(1, Suspend.<Integer>join(c -> service.leavesAChild(childDone, c)));
            assertTrue(childDone.get(), "a child launched into the call's job finished before join returned");
        });
    }

    @Test
    @Timeout(10)
    void theJoiningThreadsOwnDispatchesDoNotStarveAnotherThreadsResumption() {
        Async.run(() -> {
            AtomicReference<Thread> resumedOn = new AtomicReference<>();
            Suspend.<Integer>join(c -> service.yieldsUntilAnotherThreadResumes(resumedOn, c));
            assertSame(Thread.currentThread(), resumedOn.get(), "the resumption from Dispatchers.Default ran on the joining thread, among its own yields");
        });
    }

    @Test
    void aCoroutineThatEscapedTheCallStillRunsOnTheLoopAfterIt() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<Thread> loopThread = new AtomicReference<>();
        Async.run(() -> {
            Loop l = Loop.current();
            l.callSoon(() -> loopThread.set(Thread.currentThread()));
            assertEquals(1, Suspend.<Integer>join(c -> service.escapesWithItsDispatcher(ranOn, c)));
            while (ranOn.get() == null) Async.sleep(Duration.ofMillis(5));
            assertNotSame(Thread.currentThread(), ranOn.get(), "not on the joining thread, which has left the call");
            assertSame(loopThread.get(), ranOn.get(), "the loop ran it");
        });
    }

    @Test
    void nothingOfTheCallOutlivesIt() {
        AtomicReference<Job> job = new AtomicReference<>();
        Async.run(() -> {
            Loop l = Loop.current();
            assertEquals(1, Suspend.<Integer>join(c -> service.recordsJob(job, c)));
            assertTrue(job.get().isCompleted(), "the call's job is complete when join returns");
            assertTrue(l.allTasks().stream().allMatch(t -> t == Async.currentTask()), "no task of the call is left: " + l.allTasks());
        });
    }

    @Test
    void aFunctionAwaitingATaskOfTheLoopAndCallingBackIntoAio4j() {
        Async.run(() -> {
            Loop l = Loop.current();
            Task<Integer> onLoop = l.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(5)).thenApply(v -> 41));
            assertEquals(42, Suspend.<Integer>join(c -> service.awaitsTask(onLoop, c)));
            Task<?> me = Async.currentTask();
            // Java code called by the function's resumption, on the joining thread: it is the body's thread.
            int nested = Suspend.join(c -> service.callsBack(() -> {
                assertSame(me, Async.currentTask());
                assertSame(l, Loop.current());
                int inner = Suspend.<Integer>join(k -> service.suspendsOnce(1, k)); // a nested join shares the thread's queue
                return inner + Suspend.<Integer>call(k -> service.suspendsOnce(2, k)).join(); // a task of the loop
            }, c));
            assertEquals(5, nested);
        });
    }

    @Test
    void onTheLoopThreadJoinIsStillRefused() {
        Loop loop = Async.newLoop();
        try {
            IllegalStateException e = loop.runUntilComplete(loop.createTaskAsync(() -> java.util.concurrent.CompletableFuture.completedFuture(
                    assertThrows(IllegalStateException.class, () -> Suspend.join(c -> service.suspendsOnce(1, c))))));
            assertFalse(e instanceof CancellationException);
            assertTrue(e.getMessage().contains("block the event loop"), e.getMessage());
        } finally {
            loop.close();
        }
    }

    // ------------------------------------------------------------------ exceptions

    @Test
    void aFailureOnAnotherThreadIsTheSameInstanceWithTheJavaCallersFrames() {
        IllegalArgumentException thrown = new IllegalArgumentException("on Default");
        IllegalArgumentException e = Async.run(l -> assertThrows(IllegalArgumentException.class, this::javaCallerOfDefault));
        assertSame(thrown.getClass(), e.getClass());
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertTrue(trace.toString().contains("SuspendJoinTest.javaCallerOfDefault"), trace.toString());
        IllegalArgumentException same = Async.run(l -> assertThrows(IllegalArgumentException.class, () -> Suspend.join(c -> service.failsOnDefault(thrown, c))));
        // what the function ended with; kotlinx's debug mode (on under -ea) hands withContext's caller a copy
        // with the original as its cause, in Kotlin code too
        assertTrue(same == thrown || same.getCause() == thrown, "the function's own failure: " + same);
        assertEquals(1, same.getSuppressed().length, "the joiner's frames, once");
    }

    private int javaCallerOfDefault() {
        return Suspend.join(c -> service.failsOnDefault(new IllegalArgumentException("on Default"), c));
    }

    // ------------------------------------------------------------------ cancellation

    @Test
    void taskCancelCancelsTheFunctionWithTheExceptionJavaGets() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<Throwable> seenByKotlin = new AtomicReference<>();
        AtomicReference<Throwable> thrownInJava = new AtomicReference<>();
        Async.run(() -> {
            Loop l = Loop.current();
            Task<Integer> t = l.createTask(() -> {
                try {
                    return Suspend.<Integer>join(c -> service.hangRecording(started, finished, seenByKotlin, c));
                } catch (CancellationException e) {
                    thrownInJava.set(e);
                    throw e;
                }
            });
            started.await();
            assertTrue(t.cancel());
            assertThrows(CancellationException.class, t::join);
            assertEquals(0, finished.getCount(), "the function's finally ran before the task ended");
            assertTrue(t.isCancelled());
            Throwable task = ((Outcome.Cancelled<?>) t.outcomeNow()).exception();
            assertSame(task, thrownInJava.get(), "join threw the task's cancellation");
            Throwable kotlin = seenByKotlin.get();
            // kotlinx's debug mode (on under -ea) may hand the suspension a copy with the original as its cause
            assertTrue(kotlin == task || kotlin.getCause() == task, "Kotlin saw the same cancellation: " + kotlin);
        });
    }

    @Test
    void aPlainInterruptOfTheThreadCancelsTheFunction() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<Thread> thread = new AtomicReference<>();
        Async.run(() -> {
            Loop l = Loop.current();
            Task<Throwable> t = l.createTask(() -> {
                thread.set(Thread.currentThread());
                return assertThrows(CancellationException.class, () -> Suspend.join(c -> service.hang(started, finished, c)));
            });
            started.await();
            thread.get().interrupt();
            assertInstanceOf(CancellationException.class, t.join());
            assertEquals(0, finished.getCount());
        });
    }

    @Test
    void aTimeoutScopeCancelsTheFunctionAndRaisesItsTimeout() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        Async.run(() -> {
            Loop l = Loop.current();
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(30), () -> Suspend.join(c -> service.hang(started, finished, c))));
            assertEquals(0, finished.getCount(), "the function's finally ran");
            assertFalse(Thread.currentThread().isInterrupted(), "the scope took its request back");
        });
    }

    @Test
    void aKotlinTimeoutInsideTheFunctionReachesJavaAndLeavesTheTaskRunning() {
        CountDownLatch finished = new CountDownLatch(1);
        Async.run(() -> {
            assertThrows(kotlinx.coroutines.TimeoutCancellationException.class, () -> Suspend.join(c -> service.timesOut(20, finished, c)));
            assertEquals(0, finished.getCount(), "the function's finally ran");
            assertFalse(Thread.currentThread().isInterrupted());
            assertEquals(2, Suspend.<Integer>join(c -> service.suspendsOnce(1, c)), "the task goes on");
        });
    }

    @Test
    void aFailingSiblingInATaskGroupCancelsTheFunction() {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        IllegalStateException boom = new IllegalStateException("sibling");
        Async.run(() -> {
            Loop l = Loop.current();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Async.taskGroup(g -> {
                g.createTask(() -> Suspend.join(c -> service.hang(started, finished, c)));
                g.createTask(() -> {
                    started.await();
                    throw boom;
                });
            }));
            assertSame(boom, e);
            assertEquals(0, finished.getCount(), "the function's finally ran");
        });
    }

    @Test
    void closingTheLoopCancelsTheFunction() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        Loop loop = Async.newLoop();
        Task<Integer> t = loop.createTask(() -> Suspend.<Integer>join(c -> service.hang(started, finished, c)));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        loop.close();
        assertTrue(t.isCancelled());
        assertEquals(0, finished.getCount(), "the function's finally ran before close() returned");
    }

    @Test
    void aPendingCancellationReturnsAtOnceCallsValueAndCancelsOneThatSuspends() {
        CountDownLatch finished = new CountDownLatch(1);
        Async.run(() -> {
            Loop l = Loop.current();
            Thread.currentThread().interrupt();
            assertEquals(2, Suspend.<Integer>join(c -> service.returnsAtOnce(1, c)), "a function that does not suspend just returns");
            assertTrue(Thread.currentThread().isInterrupted(), "the request stays pending");
            assertThrows(CancellationException.class, () -> Suspend.join(c -> service.yieldsInTry(finished, c)), "cancelled where it suspends");
            assertEquals(0, finished.getCount(), "its finally ran");
            assertFalse(Thread.interrupted(), "the request was delivered, once");
        });
    }

    /**
     * A blocking task in Suspend.join is cancelled, and the function answers the cancellation with
     * a failure X: the join throws X, and the task's request stays pending for its next wait
     * (CancelRequestTest has the same for Task.join()).
     */
    @Test
    void aRequestAnsweredByAFailureStaysPendingForTheNextWait() {
        Async.run(loop -> {
            IllegalStateException x = new IllegalStateException("X");
            CountDownLatch started = new CountDownLatch(1);
            CancelRequestTest.aFailureAnsweringTheRequestLeavesItPending(loop, x, started, () -> Suspend.<Integer>join(c -> service.failsWhenCancelled(x, started, c)));
            return null;
        });
    }
}
