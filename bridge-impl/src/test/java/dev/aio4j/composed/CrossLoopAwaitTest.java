package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.Done;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two loops, each run for ever by a thread of its own: tasks of loop A (both body styles) await a
 * task of loop B through join, gather, wait, waitFor and shield, and the awaiter is cancelled from
 * a third thread at a random moment. Then loop A is closed while its tasks wait on B's tasks, and
 * loop B is closed while another loop's tasks wait on its tasks.
 *
 * <p>What the Javadoc says and is checked: cancelling the awaiter goes down the chain of awaits to
 * B's task for join, gather and waitFor (and the awaiter completes only once B's task is done),
 * but not for wait ("cancels only the wait") nor shield; a cancel() that returned false means the
 * awaiter succeeded with B's value; an awaiter cancelled before its body ran leaves B's task
 * alone. A loop's close cancels its tasks and waits for them (a chain that leads into the other
 * loop included: the other loop's task is cancelled through it); the other loop's awaiters end,
 * none hangs; no aio4j thread is left once both loops are closed, and every body that started ended.
 */
class CrossLoopAwaitTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 200);

    enum Via { JOIN, GATHER, WAIT, WAIT_FOR, SHIELD }

    static final Set<Via> CANCELS_DOWN = EnumSet.of(Via.JOIN, Via.GATHER, Via.WAIT_FOR);

    final List<String> failures = new ArrayList<>();
    final AtomicInteger workStarted = new AtomicInteger(), workEnded = new AtomicInteger();

    void failure(String s) {
        synchronized (failures) { failures.add(s); }
    }

    static int awaitBlocking(Via via, Task<Integer> w) {
        switch (via) {
            case JOIN: return w.join();
            case GATHER: return Async.gather(w, w.thenApply(x -> x + 1)).join().get(0);
            case WAIT: {
                Done<Integer> d = Async.wait(List.of(w)).join();
                assertTrue(d.done().contains(w) && d.pending().isEmpty(), "ALL_COMPLETED without a timeout returned " + d);
                return w.isCancelled() ? -2 : w.resultNow(); // cancelled: by its loop's close only
            }
            case WAIT_FOR: return Async.waitFor(w, Duration.ofSeconds(60)).join();
            default: return Async.shield(w).join();
        }
    }

    static CompletionStage<Integer> awaitAsync(Via via, Task<Integer> w) {
        switch (via) {
            case JOIN: return w;
            case GATHER: return Async.gather(w, w.thenApply(x -> x + 1)).thenApply(l -> l.get(0));
            case WAIT: return Async.wait(List.of(w)).thenApply(d -> w.isCancelled() ? -2 : w.resultNow());
            case WAIT_FOR: return Async.waitFor(w, Duration.ofSeconds(60));
            default: return Async.shield(w);
        }
    }

    Task<Integer> work(Loop b, boolean blocking, long nanos, int value) {
        if (blocking) {
            return b.createTask(() -> {
                workStarted.incrementAndGet();
                try {
                    Async.sleep(Duration.ofNanos(nanos));
                    return value;
                } finally {
                    workEnded.incrementAndGet();
                }
            });
        }
        return b.createTaskAsync(() -> {
            workStarted.incrementAndGet();
            return Async.sleepAsync(Duration.ofNanos(nanos)).thenApply(x -> value).whenComplete((x, e) -> workEnded.incrementAndGet());
        });
    }

    static Task<Integer> awaiter(Loop a, boolean blocking, Via via, Task<Integer> w, AtomicBoolean entered, CountDownLatch enteredLatch) {
        return awaiter(a, blocking, via, w, entered, enteredLatch, new AtomicLong());
    }

    /** As above; [calledAt] gets System.nanoTime() just before the awaiter calls the combinator. */
    static Task<Integer> awaiter(Loop a, boolean blocking, Via via, Task<Integer> w, AtomicBoolean entered, CountDownLatch enteredLatch, AtomicLong calledAt) {
        if (blocking) {
            return a.createTask(() -> {
                entered.set(true);
                enteredLatch.countDown();
                calledAt.set(System.nanoTime());
                return awaitBlocking(via, w);
            });
        }
        return a.createTaskAsync(() -> {
            entered.set(true);
            enteredLatch.countDown();
            calledAt.set(System.nanoTime());
            return awaitAsync(via, w);
        });
    }

    static boolean awaitDone(Task<?> t, long seconds) throws Exception {
        try {
            t.toCompletableFuture().handle((v, e) -> null).get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    static Thread runForever(Loop loop, String name) {
        Thread t = new Thread(loop::runForever, name);
        t.start();
        return t;
    }

    static void stopAndClose(Loop loop, Thread runner) throws InterruptedException {
        loop.stop();
        runner.join(10_000);
        assertFalse(runner.isAlive(), "the loop's runner did not return after stop()");
        loop.close();
    }

    /**
     * A blocking task of loop A closes loop B (not running, with pending work of both styles, a
     * runInExecutor body on the user's pool and a promise), and is cancelled from another thread at a random moment. Loop.close()'s
     * Javadoc allows any thread but B's own work and one running another loop; an interrupt
     * cannot stop a close. Checked: B is closed once A's task is done, every task of B is done and
     * every body of B that started has ended, A's task ends SUCCESS when its cancel() returned
     * false and CANCELLED otherwise, nothing is reported.
     */
    @ParameterizedTest
    @CsvSource({"SINGLE_THREAD,SINGLE_THREAD", "DEFAULT_DISPATCHER,DEFAULT_DISPATCHER", "SINGLE_THREAD,DEFAULT_DISPATCHER", "DEFAULT_DISPATCHER,SINGLE_THREAD"})
    void aTaskOfOneLoopClosesAnotherAndIsCancelledMeanwhile(Threading ta, Threading tb) throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        List<String> reports = new ArrayList<>();
        int cancelledA = 0;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "cross-user-pool");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int round = 0; round < ROUNDS / 2; round++) {
                Loop b = Async.newLoop(LoopOptions.defaults().withThreading(tb));
                b.setExceptionHandler((lp, ctx) -> { synchronized (reports) { reports.add("B: " + ctx.message() + " " + ctx.exception()); } });
                List<Task<Integer>> ofB = new ArrayList<>();
                for (int k = 0; k < 4; k++) ofB.add(work(b, k % 2 == 0, TimeUnit.MINUTES.toNanos(1), k));
                ofB.add(b.runInExecutor(pool, () -> {
                    workStarted.incrementAndGet();
                    try {
                        Thread.sleep(60_000);
                        return 0;
                    } finally {
                        workEnded.incrementAndGet();
                    }
                }));
                ofB.add(b.createPromise());
                int r0 = round;
                long micros = ThreadLocalRandom.current().nextLong(0, 2_000);
                AtomicBoolean cancelReturned = new AtomicBoolean();
                TaskState aState = Async.run(LoopOptions.defaults().withThreading(ta), a -> {
                    a.setExceptionHandler((lp, ctx) -> { synchronized (reports) { reports.add("A: " + ctx.message() + " " + ctx.exception()); } });
                    Task<String> closer = a.createTask(() -> {
                        b.close();
                        return "closed";
                    });
                    Thread c = new Thread(() -> {
                        long end = System.nanoTime() + micros * 1000;
                        while (System.nanoTime() < end) Thread.onSpinWait();
                        cancelReturned.set(closer.cancel());
                    });
                    c.start();
                    Async.gatherOutcomes(closer).join();
                    c.join();
                    if (!b.isClosed() && closer.state() == TaskState.SUCCESS) failure("round " + r0 + ": B not closed once the task closing it succeeded");
                    return closer.state();
                });
                String where = "round " + round + " cancel at " + micros + "us";
                if (aState == TaskState.CANCELLED) {
                    cancelledA++;
                    if (!cancelReturned.get()) failure(where + ": the closing task ended CANCELLED but its cancel() returned false");
                } else if (aState != TaskState.SUCCESS) {
                    failure(where + ": the closing task ended " + aState);
                } else if (cancelReturned.get()) {
                    failure(where + ": cancel() returned true but the closing task succeeded");
                }
                if (!b.isClosed()) b.close(); // the closing task was cancelled before its body started
                for (Task<Integer> t : ofB) if (!t.isDone()) failure(where + ": a task of B not done after B's close: " + t.state());
                if (workStarted.get() != workEnded.get()) failure(where + ": B's bodies started " + workStarted + " ended " + workEnded);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        synchronized (reports) { assertEquals(List.of(), reports, "reported to the exception handlers"); }
        List<String> left = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet())
            if (!before.contains(t) && t.isAlive() && t.getName().startsWith("aio4j")) left.add(t.getName());
        assertEquals(List.of(), left, "threads left alive");
        System.out.println(ta + "/" + tb + ": closing tasks cancelled " + cancelledA + " of " + ROUNDS / 2);
        synchronized (failures) {
            if (!failures.isEmpty()) fail(failures.size() + " failures; first: " + failures.subList(0, Math.min(6, failures.size())));
        }
    }

    @ParameterizedTest
    @CsvSource({"SINGLE_THREAD,SINGLE_THREAD", "DEFAULT_DISPATCHER,DEFAULT_DISPATCHER", "SINGLE_THREAD,DEFAULT_DISPATCHER", "DEFAULT_DISPATCHER,SINGLE_THREAD"})
    void awaitingTasksOfAnotherLoop(Threading ta, Threading tb) throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Loop a = Async.newLoop(LoopOptions.defaults().withThreading(ta));
        Loop b = Async.newLoop(LoopOptions.defaults().withThreading(tb));
        List<String> reports = new ArrayList<>();
        for (Loop l : List.of(a, b)) l.setExceptionHandler((lp, ctx) -> { synchronized (reports) { reports.add(ctx.message() + " " + ctx.exception()); } });
        Thread ra = runForever(a, "cross-A"), rb = runForever(b, "cross-B");
        int cancelledAwaiters = 0, cancelledWork = 0;
        try {
            // ---- phase 1: rounds of A awaiting B, the awaiter cancelled at a random moment
            for (int round = 0; round < ROUNDS; round++) {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                boolean workBlocking = rnd.nextBoolean(), awaiterBlocking = rnd.nextBoolean();
                Via via = Via.values()[rnd.nextInt(Via.values().length)];
                long workNanos = rnd.nextLong(0, 2_000_000), cancelMicros = rnd.nextLong(0, 3_000);
                String where = "round " + round + " work " + (workBlocking ? "blocking" : "async") + " awaiter "
                        + (awaiterBlocking ? "blocking" : "async") + " via " + via + " cancel at " + cancelMicros + "us";
                Task<Integer> w = work(b, workBlocking, workNanos, round);
                AtomicBoolean entered = new AtomicBoolean(), wDoneWhenAwDone = new AtomicBoolean();
                Task<Integer> aw = awaiter(a, awaiterBlocking, via, w, entered, new CountDownLatch(1));
                Task<Integer> watch = aw.whenComplete((v, e) -> wDoneWhenAwDone.set(w.isDone()));
                AtomicBoolean cancelled = new AtomicBoolean();
                Thread canceller = new Thread(() -> {
                    long end = System.nanoTime() + cancelMicros * 1000;
                    while (System.nanoTime() < end) Thread.onSpinWait();
                    cancelled.set(aw.cancel());
                });
                canceller.start();
                canceller.join();
                if (!awaitDone(aw, 10) || !awaitDone(w, 10) || !awaitDone(watch, 10)) {
                    ComposedSupport.dumpThreads();
                    fail(where + ": hung: awaiter " + aw.state() + ", B's task " + w.state());
                }
                TaskState as = aw.state(), ws = w.state();
                if (as == TaskState.CANCELLED) cancelledAwaiters++;
                if (ws == TaskState.CANCELLED) cancelledWork++;
                if (!cancelled.get() && as != TaskState.SUCCESS) failure(where + ": cancel() returned false but the awaiter ended " + as);
                if (cancelled.get() && as == TaskState.SUCCESS) failure(where + ": cancel() returned true but the awaiter succeeded");
                switch (as) {
                    case SUCCESS:
                        if (aw.resultNow() != round) failure(where + ": awaiter's value " + aw.resultNow());
                        if (ws != TaskState.SUCCESS) failure(where + ": awaiter succeeded, B's task " + ws);
                        break;
                    case CANCELLED:
                        if (entered.get() && CANCELS_DOWN.contains(via) && !wDoneWhenAwDone.get())
                            failure(where + ": the awaiter ended before the task it awaits (chain of awaits)");
                        if ((!entered.get() || !CANCELS_DOWN.contains(via)) && ws != TaskState.SUCCESS)
                            failure(where + ": the awaiter's cancellation reached B's task (entered " + entered.get() + "): " + ws);
                        break;
                    default:
                        failure(where + ": awaiter ended " + as + " with " + aw.exceptionNow());
                }
                if (ws == TaskState.FAILED) failure(where + ": B's task failed: " + w.exceptionNow());
            }
            assertEquals(workStarted.get(), workEnded.get(), "B's bodies started vs ended after the rounds");

            // ---- phase 2: loop A2 closes while its tasks await B's long tasks
            Loop a2 = Async.newLoop(LoopOptions.defaults().withThreading(ta));
            a2.setExceptionHandler((lp, ctx) -> { synchronized (reports) { reports.add("A2: " + ctx.message() + " " + ctx.exception()); } });
            Thread ra2 = runForever(a2, "cross-A2");
            List<Task<Integer>> longWork = new ArrayList<>(), awaiters = new ArrayList<>();
            List<Via> vias = new ArrayList<>();
            CountDownLatch enteredAll = new CountDownLatch(Via.values().length * 4);
            for (Via via : Via.values()) {
                for (int k = 0; k < 4; k++) {
                    Task<Integer> w = work(b, k % 2 == 0, TimeUnit.MINUTES.toNanos(1), -1);
                    longWork.add(w);
                    vias.add(via);
                    awaiters.add(awaiter(a2, k / 2 == 0, via, w, new AtomicBoolean(), enteredAll));
                }
            }
            assertTrue(enteredAll.await(10, TimeUnit.SECONDS), "awaiters of A2 did not start");
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                try {
                    stopAndClose(a2, ra2);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            try {
                closing.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                ComposedSupport.dumpThreads();
                for (Task<Integer> w : longWork) w.cancel();
                fail("A2's close hung while its tasks awaited B's tasks");
            }
            for (int i = 0; i < awaiters.size(); i++) {
                Task<Integer> aw = awaiters.get(i), w = longWork.get(i);
                String where = "A2 closed: awaiter " + i + " via " + vias.get(i);
                if (!aw.isDone()) failure(where + ": awaiter not done after its loop closed: " + aw.state());
                else if (!aw.isCancelled()) failure(where + ": awaiter ended " + aw.state());
                if (CANCELS_DOWN.contains(vias.get(i))) {
                    if (!w.isDone()) failure(where + ": B's task still running: the close's cancellation did not go down the chain");
                } else if (w.isDone()) {
                    failure(where + ": B's task ended " + w.state() + ": the close's cancellation went past " + vias.get(i));
                }
            }

            // ---- phase 3: B closes while tasks of A await B's tasks (the ones left, and new ones)
            List<Task<Integer>> awaitersOfB = new ArrayList<>();
            List<AtomicLong> calledAt3 = new ArrayList<>();
            List<Via> vias3 = new ArrayList<>();
            CountDownLatch entered3 = new CountDownLatch(Via.values().length * 4);
            for (Via via : Via.values()) {
                for (int k = 0; k < 4; k++) {
                    Task<Integer> w = work(b, k % 2 == 0, TimeUnit.MINUTES.toNanos(1), -1);
                    longWork.add(w);
                    vias3.add(via);
                    AtomicLong calledAt = new AtomicLong(Long.MIN_VALUE);
                    calledAt3.add(calledAt);
                    awaitersOfB.add(awaiter(a, k / 2 == 0, via, w, new AtomicBoolean(), entered3, calledAt));
                }
            }
            assertTrue(entered3.await(10, TimeUnit.SECONDS), "awaiters of A did not start");
            long bCloseBegan = System.nanoTime();
            CompletableFuture<Void> closingB = CompletableFuture.runAsync(() -> {
                try {
                    stopAndClose(b, rb);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            try {
                closingB.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                ComposedSupport.dumpThreads();
                fail("B's close hung");
            }
            for (Task<Integer> w : longWork) if (!w.isDone()) failure("B closed: a task of B is not done: " + w.state());
            for (int i = 0; i < awaitersOfB.size(); i++) {
                Task<Integer> aw = awaitersOfB.get(i);
                String where = "B closed: awaiter " + i + " via " + vias3.get(i);
                if (!awaitDone(aw, 10)) {
                    failure(where + ": awaiter of A still pending 10 s after B closed: " + aw.state());
                    continue;
                }
                // a wait may complete, with B's task cancelled in its done set, before the close's sweep reaches it
                // (under DEFAULT_DISPATCHER its step runs on a worker while the sweep goes on)
                // an awaiter whose thread got to its call only once B's close had begun (on a loaded machine) may be refused
                // the combinator: a task of a closed loop (its documented IllegalStateException), a race of this test's own
                boolean calledDuringTheClose = calledAt3.get(i).get() - bCloseBegan > 0;
                boolean refusedAfterTheClose = calledDuringTheClose && aw.state() == TaskState.FAILED
                        && aw.exceptionNow() instanceof IllegalStateException && "loop is closed".equals(aw.exceptionNow().getMessage());
                if (!aw.isCancelled() && !refusedAfterTheClose && !(vias3.get(i) == Via.WAIT && aw.state() == TaskState.SUCCESS && aw.resultNow() == -2))
                    failure(where + ": awaiter ended " + aw.state() + (aw.state() == TaskState.FAILED ? " " + aw.exceptionNow() : ""));
            }
        } finally {
            if (!b.isClosed()) stopAndClose(b, rb);
            stopAndClose(a, ra);
        }
        assertEquals(workStarted.get(), workEnded.get(), "B's bodies started vs ended");
        synchronized (reports) { assertEquals(List.of(), reports, "reported to the exception handlers"); }
        List<String> left = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet())
            if (!before.contains(t) && t.isAlive() && (t.getName().startsWith("aio4j") || t.getName().startsWith("cross-"))) left.add(t.getName());
        assertEquals(List.of(), left, "threads left alive");
        System.out.println(ta + "/" + tb + ": awaiters cancelled " + cancelledAwaiters + ", B's tasks cancelled " + cancelledWork + " of " + ROUNDS);
        synchronized (failures) {
            if (!failures.isEmpty()) fail(failures.size() + " failures; first: " + failures.subList(0, Math.min(6, failures.size())));
        }
    }
}
