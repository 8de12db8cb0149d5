package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskFailedException;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Blocking code run as tasks on threads: Loop.createTask (a virtual thread on JDK 21+, a pooled
 * platform thread on 17), Async.toThread (the loop's pool) and Loop.runInExecutor on the user's
 * workers (a hand-rolled pool that, unlike ThreadPoolExecutor, does not clear the interrupt flag
 * between jobs), cancelled from another thread at random moments, with bodies that sleep, swallow
 * the interrupt and go on, answer it with a failure of their own, or spin without looking.
 *
 * <p>What the Javadoc says and is checked: cancel() that returned false leaves the task to succeed
 * with its value; one that returned true ends it CANCELLED once the body has returned, or FAILED
 * with the body's own exception (the same instance) if it threw something else; a body never
 * starts with an interrupt it was not sent (the interrupt is delivered once and never to a pooled
 * thread's next job, the user's own jobs included); the loop's close cancels what is left and hands
 * the failures of the bodies it cancelled to the exception handler, each once, before Async.run
 * returns; a user's pool shut down mid-run fails the running body with its interrupt, leaves the
 * queued ones to cancel() (done at once, body never run, even if the user runs the dropped
 * Runnables) and to the close, and a later runInExecutor fails its task with the rejection.
 */
class ThreadBodiesCancelTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 150);

    enum Kind { SLEEP, SWALLOW, FAIL_ON_INTERRUPT, SPIN }

    static final class CleanupFailed extends IllegalStateException {
        CleanupFailed() { super("clean-up after the interrupt failed"); }
    }

    final List<String> failures = new ArrayList<>();

    void failure(String s) {
        synchronized (failures) { failures.add(s); }
    }

    static ExecutorService userPool(int n, String name) {
        return Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** A body of [kind] that records its thrown failure in [thrown] and checks it did not start interrupted unless [cancelRequested]. */
    Callable<Integer> body(Kind kind, int value, AtomicBoolean cancelRequested, AtomicReference<Throwable> thrown, AtomicInteger running, String where) {
        long nanos = ThreadLocalRandom.current().nextLong(200_000, 2_000_000);
        return () -> {
            if (Thread.currentThread().isInterrupted() && !cancelRequested.get()) failure(where + ": the body started with an interrupt it was not sent");
            running.incrementAndGet();
            try {
                long end = System.nanoTime() + nanos;
                switch (kind) {
                    case SLEEP:
                        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
                        break;
                    case SWALLOW:
                        while (System.nanoTime() < end) {
                            try {
                                Thread.sleep(0, 200_000);
                            } catch (InterruptedException e) {
                                // swallowed: this body finishes its work whatever happens
                            }
                        }
                        break;
                    case FAIL_ON_INTERRUPT:
                        try {
                            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
                        } catch (InterruptedException e) {
                            CleanupFailed f = new CleanupFailed();
                            thrown.set(f);
                            throw f;
                        }
                        break;
                    default:
                        while (System.nanoTime() < end) Thread.onSpinWait();
                }
                return value;
            } finally {
                running.decrementAndGet();
            }
        };
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void cancelledAtRandomMoments(Threading threading) throws Exception {
        PlainWorkers pool = new PlainWorkers(2, "bodies-plain-workers");
        AtomicInteger running = new AtomicInteger();
        int[] ends = new int[4]; // success, cancelled, failed-own, other
        try {
            for (int round = 0; round < ROUNDS; round++) {
                int r0 = round;
                List<String> reports = new ArrayList<>();
                Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                    loop.setExceptionHandler((l, ctx) -> { synchronized (reports) { reports.add(ctx.message() + " " + ctx.exception()); } });
                    int n = 6;
                    List<Task<Integer>> tasks = new ArrayList<>();
                    List<Kind> kinds = new ArrayList<>();
                    List<AtomicBoolean> requested = new ArrayList<>();
                    List<AtomicReference<Throwable>> thrown = new ArrayList<>();
                    List<AtomicBoolean> cancelResult = new ArrayList<>();
                    for (int k = 0; k < n; k++) {
                        Kind kind = Kind.values()[ThreadLocalRandom.current().nextInt(4)];
                        AtomicBoolean req = new AtomicBoolean();
                        AtomicReference<Throwable> th = new AtomicReference<>();
                        String where = "round " + r0 + " task " + k + " " + kind;
                        Callable<Integer> b = body(kind, k, req, th, running, where);
                        Task<Integer> t = k % 3 == 0 ? loop.createTask(b) : k % 3 == 1 ? Async.toThread(b) : loop.runInExecutor(pool, b);
                        tasks.add(t);
                        kinds.add(kind);
                        requested.add(req);
                        thrown.add(th);
                        cancelResult.add(new AtomicBoolean());
                    }
                    List<Thread> cancellers = new ArrayList<>();
                    for (int k = 0; k < n; k++) {
                        if (ThreadLocalRandom.current().nextBoolean()) continue;
                        int kk = k;
                        long micros = ThreadLocalRandom.current().nextLong(0, 1_500);
                        Thread c = new Thread(() -> {
                            long end = System.nanoTime() + micros * 1000;
                            while (System.nanoTime() < end) Thread.onSpinWait();
                            requested.get(kk).set(true);
                            cancelResult.get(kk).set(tasks.get(kk).cancel());
                        });
                        c.start();
                        cancellers.add(c);
                    }
                    Async.gatherOutcomes(tasks).join();
                    for (Thread c : cancellers) c.join();
                    pool.execute(() -> {});
                    pool.execute(() -> {});
                    for (int k = 0; k < n; k++) {
                        Task<Integer> t = tasks.get(k);
                        String where = "round " + r0 + " task " + k + " " + kinds.get(k) + " (" + (k % 3 == 0 ? "createTask" : k % 3 == 1 ? "toThread" : "runInExecutor") + ")";
                        TaskState s = t.state();
                        if (!cancelResult.get(k).get()) {
                            if (s != TaskState.SUCCESS || t.resultNow() != k) failure(where + ": cancel() returned false (or none), the task ended " + s);
                            ends[0]++;
                        } else if (s == TaskState.CANCELLED) {
                            ends[1]++;
                        } else if (s == TaskState.FAILED && kinds.get(k) == Kind.FAIL_ON_INTERRUPT && t.exceptionNow() == thrown.get(k).get()) {
                            ends[2]++;
                        } else {
                            ends[3]++;
                            failure(where + ": cancel() returned true, the task ended " + s + (s == TaskState.FAILED ? " " + t.exceptionNow() : (s == TaskState.SUCCESS ? " " + t.resultNow() : "")));
                        }
                    }
                    return null;
                });
                if (running.get() != 0) failure("round " + round + ": bodies still running after Async.run returned: " + running.get());
                synchronized (reports) { if (!reports.isEmpty()) failure("round " + round + ": reported " + reports); }
            }
            CountDownLatch last = new CountDownLatch(2);
            pool.execute(last::countDown);
            pool.execute(last::countDown);
            assertTrue(last.await(10, TimeUnit.SECONDS));
        } finally {
            pool.close();
        }
        System.out.println(threading + ": succeeded " + ends[0] + " cancelled " + ends[1] + " failed with their own " + ends[2] + " other " + ends[3]);
        assertEquals(0, pool.leftoverInterrupts.get(), "interrupts left on the user's workers after a cancelled body (of " + pool.jobsRun + " jobs)");
        synchronized (failures) {
            if (!failures.isEmpty()) fail(failures.size() + " failures; first: " + failures.subList(0, Math.min(6, failures.size())));
        }
        assertTrue(ends[1] > 0 && ends[0] > 0, "the race never went both ways");
    }

    /**
     * main returns at a random moment while bodies run: the close cancels them; the failures they
     * answer the interrupt with go to the exception handler, each exactly once, before the run returns.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void failuresOfBodiesTheCloseCancelledAreReportedOnce(Threading threading) throws Exception {
        ExecutorService pool = userPool(2, "bodies-user-pool-2");
        int reportedInAll = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                Map<Throwable, Integer> reported = new IdentityHashMap<>();
                List<Throwable> thrown = new ArrayList<>();
                List<Task<Integer>> tasks = new ArrayList<>();
                List<AtomicReference<Throwable>> thrownBy = new ArrayList<>();
                long[] thrownAt = new long[1];
                AtomicBoolean runReturned = new AtomicBoolean();
                AtomicInteger running = new AtomicInteger();
                List<String> late = new ArrayList<>();
                long micros = ThreadLocalRandom.current().nextLong(0, 2_000);
                Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                    loop.setExceptionHandler((l, ctx) -> {
                        synchronized (reported) {
                            if (runReturned.get()) late.add(ctx.message());
                            if (ctx.exception() != null) reported.merge(ctx.exception(), 1, Integer::sum);
                            else late.add("no exception: " + ctx.message());
                        }
                    });
                    for (int k = 0; k < 6; k++) {
                        AtomicReference<Throwable> mine = new AtomicReference<>();
                        thrownBy.add(mine);
                        Callable<Integer> b = () -> {
                            running.incrementAndGet();
                            try {
                                try {
                                    Thread.sleep(60_000);
                                } catch (InterruptedException e) {
                                    long end = System.nanoTime() + 200_000; // a clean-up that takes a moment, then fails
                                    while (System.nanoTime() < end) Thread.onSpinWait();
                                    CleanupFailed f = new CleanupFailed();
                                    thrownAt[0] = Math.max(thrownAt[0], System.nanoTime());
                                    mine.set(f);
                                    synchronized (thrown) { thrown.add(f); }
                                    throw f;
                                }
                                return 0;
                            } finally {
                                running.decrementAndGet();
                            }
                        };
                        if (k % 3 == 0) tasks.add(loop.createTask(b));
                        else if (k % 3 == 1) tasks.add(Async.toThread(b));
                        else tasks.add(loop.runInExecutor(pool, b));
                    }
                    long end = System.nanoTime() + micros * 1000;
                    while (System.nanoTime() < end) Thread.onSpinWait();
                    return null;
                });
                long returnedAt = System.nanoTime();
                runReturned.set(true);
                String where = "round " + round + " main returned after " + micros + "us";
                synchronized (thrown) {
                    if (thrownAt[0] > returnedAt) failure(where + ": a body threw " + (thrownAt[0] - returnedAt) / 1000 + "us after Async.run returned");
                }
                if (running.get() != 0) failure(where + ": bodies still running after Async.run returned");
                synchronized (reported) {
                    synchronized (thrown) {
                        for (int k = 0; k < 6; k++) {
                            Throwable f = thrownBy.get(k).get();
                            if (f == null) continue;
                            Integer times = reported.get(f);
                            if (times == null || times != 1) {
                                Task<Integer> t = tasks.get(k);
                                String how = t.state() + (t.state() == TaskState.FAILED ? (t.exceptionNow() == f ? " with it" : " with " + t.exceptionNow()) : "");
                                failure(where + ": the failure of a " + (k % 3 == 0 ? "createTask" : k % 3 == 1 ? "toThread" : "runInExecutor")
                                        + " body, thrown after the close's cancellation, was reported " + (times == null ? 0 : times) + " times; the task ended " + how);
                            }
                        }
                        if (reported.size() != thrown.size()) failure(where + ": " + reported.size() + " reported for " + thrown.size() + " thrown");
                        reportedInAll += thrown.size();
                    }
                    if (!late.isEmpty()) failure(where + ": reported after Async.run returned, or without the exception: " + late);
                }
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        System.out.println(threading + ": failures thrown after the close's cancellation " + reportedInAll);
        assertTrue(reportedInAll > ROUNDS, "the bodies hardly ran: " + reportedInAll);
        synchronized (failures) {
            if (!failures.isEmpty()) fail(failures.size() + " failures; first: " + failures.subList(0, Math.min(6, failures.size())));
        }
    }

    /**
     * The user's pool is shut down (shutdownNow) while one body runs on it and two wait in its
     * queue; then a third runInExecutor is refused by it.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void theUsersPoolShutDownMidRun(Threading threading) throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        for (int round = 0; round < ROUNDS / 3; round++) {
            ExecutorService pool = userPool(1, "bodies-user-pool-3");
            AtomicInteger bodiesRun = new AtomicInteger();
            List<Runnable> dropped = new ArrayList<>();
            AtomicReference<Task<Integer>> left = new AtomicReference<>();
            String where = "round " + round;
            try {
                Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                    CountDownLatch first = new CountDownLatch(1);
                    Task<Integer> running = loop.runInExecutor(pool, () -> {
                        first.countDown();
                        Thread.sleep(60_000);
                        return 1;
                    });
                    Task<Integer> queued = loop.runInExecutor(pool, () -> bodiesRun.incrementAndGet());
                    Task<Integer> queued2 = loop.runInExecutor(pool, () -> bodiesRun.incrementAndGet());
                    left.set(queued2);
                    assertTrue(first.await(10, TimeUnit.SECONDS), where + ": the first body did not start");
                    long micros = ThreadLocalRandom.current().nextLong(0, 500);
                    long end = System.nanoTime() + micros * 1000;
                    while (System.nanoTime() < end) Thread.onSpinWait();
                    dropped.addAll(pool.shutdownNow());
                    // the running body ends with the pool's interrupt: no cancellation, so a failure
                    TaskFailedException e = assertThrows(TaskFailedException.class, running::join, where + ": the interrupted body's task");
                    assertInstanceOf(InterruptedException.class, e.getCause(), where);
                    assertEquals(TaskState.FAILED, running.state(), where);
                    // a queued one, dropped by the pool: cancel() ends it at once
                    assertEquals(TaskState.PENDING, queued.state(), where + ": a body the pool dropped");
                    assertTrue(queued.cancel(), where);
                    assertTrue(queued.isDone() && queued.isCancelled(), where + ": a task whose body never started is not done when cancel() returns: " + queued.state());
                    // the pool refuses now: the task fails with the rejection, nothing is thrown here
                    Task<Integer> refused = loop.runInExecutor(pool, () -> bodiesRun.incrementAndGet());
                    assertThrows(RejectedExecutionException.class, () -> {
                        try {
                            refused.join();
                        } catch (TaskFailedException x) {
                            throw x.getCause();
                        }
                    }, where + ": refused");
                    seen.add("ok");
                    return null; // queued2 is left for the close
                });
            } finally {
                pool.shutdownNow();
            }
            assertTrue(left.get().isCancelled(), where + ": the task the pool dropped, left pending at the close: " + left.get().state());
            assertEquals(2, dropped.size(), where + ": the pool's queue");
            for (Runnable r : dropped) r.run(); // the user runs what the pool handed back: the cancelled tasks' bodies must not run
            assertEquals(0, bodiesRun.get(), where + ": bodies of cancelled tasks ran");
        }
        assertFalse(seen.isEmpty());
    }

    /** A pool that drops the oldest queued body to take a new one: the dropped task stays pending until cancelled; the close ends it. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aTaskThePoolDroppedSilentlyIsEndedByTheClose(Threading threading) throws Exception {
        for (int round = 0; round < 20; round++) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1), r -> {
                Thread t = new Thread(r, "bodies-discarding-pool");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardOldestPolicy());
            AtomicReference<Task<Integer>> droppedTask = new AtomicReference<>();
            AtomicInteger ran = new AtomicInteger();
            try {
                Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                    CountDownLatch go = new CountDownLatch(1);
                    Task<Integer> busy = loop.runInExecutor(pool, () -> { go.await(); return 0; });
                    Task<Integer> dropped = loop.runInExecutor(pool, () -> ran.incrementAndGet());
                    Task<Integer> kept = loop.runInExecutor(pool, () -> ran.incrementAndGet() * 0 + 2); // the pool discards `dropped` for it
                    droppedTask.set(dropped);
                    go.countDown();
                    assertEquals(0, busy.join());
                    assertEquals(2, kept.join());
                    assertEquals(TaskState.PENDING, dropped.state());
                    return null;
                });
            } finally {
                pool.shutdownNow();
            }
            assertTrue(droppedTask.get().isCancelled(), "the dropped task after the close: " + droppedTask.get().state());
            assertEquals(1, ran.get());
        }
    }
}
