package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Async.toThread (asyncio.to_thread) and Async.sleep / sleepAsync, past SleepAndThreadsTest. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ToThreadAndSleepTest {

    /**
     * Cancelling the task that awaits a to_thread task: the thread is interrupted, the body that
     * ignores it and returns a value ends the to_thread task CANCELLED (rule 1), and the awaiter
     * ends CANCELLED only after the body has returned.
     */
    @Test
    void cancellingTheAwaiterInterruptsTheThreadAndEndsAfterIt() {
        Async.run(loop -> {
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean interrupted = new AtomicBoolean();
            AtomicLong bodyEnded = new AtomicLong();
            AtomicReference<Task<String>> inner = new AtomicReference<>();
            Task<String> awaiter = loop.createTask(() -> {
                Task<String> t = Async.toThread(() -> {
                    started.countDown();
                    long end = System.nanoTime() + 100_000_000L;
                    while (System.nanoTime() < end) {
                        if (Thread.interrupted()) interrupted.set(true); // swallowed
                        Thread.onSpinWait();
                    }
                    bodyEnded.set(System.nanoTime());
                    return "late";
                });
                inner.set(t);
                return t.join();
            });
            started.await();
            awaiter.cancel();
            assertThrows(CancellationException.class, awaiter::join);
            long awaiterDone = System.nanoTime();
            assertTrue(interrupted.get(), "the to_thread thread was not interrupted");
            assertTrue(bodyEnded.get() != 0 && bodyEnded.get() <= awaiterDone, "the awaiter ended before the thread's body");
            assertEquals(TaskState.CANCELLED, inner.get().state(), "the late result won over the cancellation");
            return null;
        });
    }

    /**
     * The body answers the interrupt with another failure: the to_thread task FAILS with it; the
     * awaiter gets that failure, its request stays pending, and it ends CANCELLED even though it
     * caught the failure and returned (Task.join's contract, rule 25).
     */
    @Test
    void aBodyThatAnswersTheInterruptWithAFailureFailsAndTheAwaiterStillEndsCancelled() {
        Async.run(loop -> {
            CountDownLatch started = new CountDownLatch(1);
            IllegalStateException answer = new IllegalStateException("answer");
            AtomicReference<Throwable> awaiterSaw = new AtomicReference<>();
            AtomicReference<Task<String>> inner = new AtomicReference<>();
            Task<String> awaiter = loop.createTask(() -> {
                Task<String> t = Async.toThread(() -> {
                    started.countDown();
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        throw answer;
                    }
                    return "never";
                });
                inner.set(t);
                try {
                    return t.join();
                } catch (RuntimeException e) {
                    awaiterSaw.set(e);
                    return "caught";
                }
            });
            started.await();
            awaiter.cancel();
            Task<String> a = awaiter;
            assertThrows(CancellationException.class, a::join);
            assertSame(answer, awaiterSaw.get());
            assertEquals(TaskState.FAILED, inner.get().state());
            assertSame(answer, inner.get().exceptionNow());
            return null;
        });
    }

    /** to_thread tasks queued behind a full pool and cancelled there end at once and never run. */
    @Test
    void toThreadTasksCancelledWhileQueuedNeverRunAndEndAtOnce() {
        Async.run(loop -> {
            int pool = Math.min(32, Runtime.getRuntime().availableProcessors() + 4);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch allBusy = new CountDownLatch(pool);
            List<Task<String>> busy = new ArrayList<>();
            for (int i = 0; i < pool; i++) {
                busy.add(Async.toThread(() -> {
                    allBusy.countDown();
                    release.await();
                    return "busy";
                }));
            }
            assertTrue(allBusy.await(10, TimeUnit.SECONDS), "the pool is smaller than min(32, cores + 4)");
            AtomicInteger ran = new AtomicInteger();
            List<Task<String>> queued = new ArrayList<>();
            for (int i = 0; i < 5; i++) queued.add(Async.toThread(() -> "ran " + ran.incrementAndGet()));
            for (Task<String> t : queued) assertTrue(t.cancel());
            for (Task<String> t : queued) {
                assertThrows(CancellationException.class, () -> t.join(Duration.ofSeconds(2)), "a queued to_thread task waited for a thread to be cancelled");
            }
            release.countDown();
            for (Task<String> t : busy) assertEquals("busy", t.join());
            Async.toThread(() -> "flush").join();
            assertEquals(0, ran.get(), "a cancelled to_thread body ran");
            return null;
        });
    }

    /**
     * Many rounds of a cancel racing the end of a short to_thread body: the pool's thread never
     * carries the interrupt into a later body, and a body that returned before the cancel keeps
     * its result (cancel() returned false then).
     */
    @Test
    void aCancelRacingTheBodysEndLeavesNoInterruptOnThePoolsThreads() {
        int rounds = LoopContractSupport.rounds(400);
        AtomicInteger stray = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        Async.run(loop -> {
            for (int i = 0; i < rounds; i++) {
                int spin = i % 50;
                Task<Integer> t = Async.toThread(() -> {
                    for (int k = 0; k < spin * 20; k++) Thread.onSpinWait();
                    return 1;
                });
                for (int k = 0; k < (i * 7) % 1000; k++) Thread.onSpinWait();
                boolean requested = t.cancel();
                try {
                    t.join();
                    if (requested) lost.incrementAndGet(); // cancel() said true but the task succeeded
                } catch (CancellationException e) {
                    if (!requested) lost.incrementAndGet();
                }
                List<Task<Boolean>> probes = new ArrayList<>();
                for (int k = 0; k < 3; k++) probes.add(Async.toThread(() -> Thread.currentThread().isInterrupted()));
                for (Task<Boolean> p : probes) if (p.join()) stray.incrementAndGet();
            }
            return null;
        });
        assertEquals(0, stray.get(), "to_thread bodies started with a stray interrupt");
        assertEquals(0, lost.get(), "cancel()'s answer disagreed with the outcome");
    }

    /**
     * Async.run waits for a to_thread body that ignores the interrupt, cancels the to_thread tasks
     * still queued (their bodies never run: they were pending, not started, when main returned),
     * and leaves no to_thread thread alive. Rounds: -Dloopcontract.rounds.
     */
    @Test
    void theRunEndsWithNoToThreadThreadAliveAndQueuedBodiesNeverRun() {
        int rounds = LoopContractSupport.rounds(30);
        int queuedRanTotal = 0;
        int roundsWithARun = 0;
        for (int r = 0; r < rounds; r++) {
            AtomicInteger queuedRan = new AtomicInteger();
            AtomicBoolean stubbornDone = new AtomicBoolean();
            AtomicReference<String> prefix = new AtomicReference<>();
            Async.run(loop -> {
                int pool = Math.min(32, Runtime.getRuntime().availableProcessors() + 4);
                CountDownLatch allBusy = new CountDownLatch(pool);
                for (int i = 0; i < pool; i++) {
                    boolean stubborn = i == 0;
                    Async.toThread(() -> {
                        prefix.compareAndSet(null, Thread.currentThread().getName().replaceAll("-\\d+$", ""));
                        allBusy.countDown();
                        if (stubborn) { // busy until the close's interrupt, and 20 ms more
                            while (!Thread.interrupted()) Thread.onSpinWait();
                            long end = System.nanoTime() + 20_000_000L;
                            while (System.nanoTime() < end) Thread.onSpinWait();
                            stubbornDone.set(true);
                            return "done";
                        }
                        Thread.sleep(60_000);
                        return "never";
                    });
                }
                allBusy.await();
                for (int i = 0; i < 10; i++) Async.toThread(() -> queuedRan.incrementAndGet());
                return null;
            });
            assertTrue(stubbornDone.get(), "the run returned before a to_thread body it could not interrupt");
            assertEquals(List.of(), LoopContractSupport.liveThreads(prefix.get() + "-"), "to_thread threads outlived the run");
            queuedRanTotal += queuedRan.get();
            if (queuedRan.get() > 0) roundsWithARun++;
        }
        assertEquals(0, queuedRanTotal, "queued to_thread bodies ran while the run ended, in " + roundsWithARun + " of " + rounds + " rounds");
    }

    /**
     * Loop.close with runInExecutor tasks queued behind a busy one-thread executor: close cancels
     * them all; the queued ones, cancelled before their bodies started, never run them, however
     * the interrupt of the running one frees the executor's thread.
     */
    @Test
    void closeNeverStartsTheBodiesQueuedInAnExecutor() throws Exception {
        int rounds = LoopContractSupport.rounds(20);
        java.util.concurrent.ExecutorService one = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            int ranTotal = 0;
            for (int r = 0; r < rounds; r++) {
                Loop loop = Async.newLoop();
                CountDownLatch busy = new CountDownLatch(1);
                AtomicInteger ran = new AtomicInteger();
                loop.runInExecutor(one, () -> {
                    busy.countDown();
                    Thread.sleep(60_000);
                    return "never";
                });
                busy.await();
                List<Task<Integer>> queued = new ArrayList<>();
                for (int i = 0; i < 5; i++) queued.add(loop.runInExecutor(one, ran::incrementAndGet));
                loop.close();
                for (Task<Integer> t : queued) assertTrue(t.isCancelled(), t.toString());
                one.submit(() -> { }).get(); // the executor's queue is through
                ranTotal += ran.get();
            }
            assertEquals(0, ranTotal, "bodies queued in the executor ran while the loop closed (" + rounds + " rounds of 5)");
        } finally {
            one.shutdownNow();
        }
    }

    /** allTasks() holds the to_thread tasks that run and those queued behind a full pool; a queued one cancelled leaves it. */
    @Test
    void allTasksHoldsRunningAndQueuedToThreadTasks() {
        Async.run(loop -> {
            int pool = Math.min(32, Runtime.getRuntime().availableProcessors() + 4);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch allBusy = new CountDownLatch(pool);
            List<Task<Integer>> all = new ArrayList<>();
            for (int i = 0; i < pool; i++) {
                all.add(Async.toThread(() -> {
                    allBusy.countDown();
                    release.await();
                    return 1;
                }));
            }
            allBusy.await();
            for (int i = 0; i < 3; i++) all.add(Async.toThread(() -> 2));
            java.util.Set<Task<?>> snapshot = loop.allTasks();
            for (Task<Integer> t : all) assertTrue(snapshot.contains(t), "allTasks() misses " + t);
            Task<Integer> queued = all.get(all.size() - 1);
            queued.cancel();
            assertTrue(queued.isCancelled());
            assertFalse(loop.allTasks().contains(queued), "a cancelled queued task is still in allTasks()");
            release.countDown();
            for (Task<Integer> t : all.subList(0, all.size() - 1)) t.join();
            return null;
        });
    }

    // ------------------------------------------------------------------------------ sleep

    /** A pending interrupt on a thread of no task: sleep throws CancellationException and sets the flag again (both forms). */
    @Test
    void sleepOnAPlainThreadWithAPendingInterruptThrowsAndKeepsTheFlag() throws Exception {
        for (Duration d : List.of(Duration.ZERO, Duration.ofMillis(10), Duration.ofDays(1))) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean flagAfter = new AtomicBoolean();
            Thread t = new Thread(() -> {
                Thread.currentThread().interrupt();
                try {
                    Async.sleep(d);
                } catch (Throwable e) {
                    thrown.set(e);
                }
                flagAfter.set(Thread.interrupted());
            });
            t.start();
            t.join(5_000);
            assertFalse(t.isAlive(), "sleep(" + d + ") did not end on a pending interrupt");
            assertTrue(thrown.get() instanceof CancellationException, "sleep(" + d + ") threw " + thrown.get());
            assertTrue(flagAfter.get(), "sleep(" + d + ") cleared the interrupt flag of a thread of no task");
        }
    }

    /** Blocking waits in the loop's own work under DEFAULT_DISPATCHER (a callback, a non-blocking body) are refused. */
    @Test
    void blockingCallsOnTheDefaultDispatchersLoopWorkAreRefused() {
        Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(LoopOptions.Threading.DEFAULT_DISPATCHER));
        try {
            Promise<String> never = loop.createPromise();
            List<String> wrong = new java.util.concurrent.CopyOnWriteArrayList<>();
            Promise<Void> done = loop.createPromise();
            loop.callSoon(() -> {
                check(wrong, "sleep in a callback", () -> Async.sleep(Duration.ofMillis(1)));
                check(wrong, "join in a callback", never::join);
                check(wrong, "join(timeout) in a callback", () -> never.join(Duration.ofMillis(1)));
            });
            Task<String> body = loop.createTaskAsync(() -> {
                check(wrong, "sleep in a non-blocking body", () -> Async.sleep(Duration.ofMillis(1)));
                check(wrong, "sleep(0) in a non-blocking body", () -> Async.sleep(Duration.ZERO));
                check(wrong, "join in a non-blocking body", never::join);
                return CompletableFuture.completedFuture("ok");
            });
            loop.callLater(Duration.ofMillis(30), () -> done.complete(null));
            loop.runUntilComplete(done);
            assertEquals("ok", loop.runUntilComplete(body));
            assertEquals(List.of(), wrong);
        } finally {
            loop.close();
        }
    }

    private static void check(List<String> wrong, String what, org.junit.jupiter.api.function.Executable call) {
        long t0 = System.nanoTime();
        try {
            call.execute();
            wrong.add(what + ": returned");
        } catch (IllegalStateException e) {
            if (e instanceof CancellationException) wrong.add(what + ": " + e);
        } catch (Throwable e) {
            wrong.add(what + ": " + e);
        }
    }

    /** A sleepAsync cancelled while no thread runs the loop is cancelled at once. */
    @Test
    void aSleepCancelledWhileTheLoopIsIdleEndsAtOnce() {
        Loop loop = Async.newLoop();
        try {
            AtomicReference<Task<Void>> sleeper = new AtomicReference<>();
            loop.runUntilComplete(loop.createTaskAsync(() -> {
                sleeper.set(Async.sleepAsync(Duration.ofHours(1)));
                return CompletableFuture.completedFuture(null);
            }));
            assertFalse(sleeper.get().isDone());
            assertTrue(sleeper.get().cancel());
            assertTrue(sleeper.get().isCancelled(), "not cancelled at once: " + sleeper.get().state());
        } finally {
            loop.close();
        }
    }

    /** Tiny and huge sleeps: 1 ns returns; Long.MAX_VALUE ns is cancellable (sleepAsync) and wakes nothing early. */
    @Test
    void tinyAndHugeSleeps() {
        Async.run(loop -> {
            Async.sleep(Duration.ofNanos(1));
            Async.sleepAsync(Duration.ofNanos(1)).join();
            Task<Void> huge = Async.sleepAsync(Duration.ofNanos(Long.MAX_VALUE));
            Task<Void> huger = Async.sleepAsync(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999));
            Async.sleep(Duration.ofMillis(20));
            assertFalse(huge.isDone());
            assertFalse(huger.isDone());
            huge.cancel();
            huger.cancel();
            assertTrue(huge.isCancelled() && huger.isCancelled());
            return null;
        });
    }
}
