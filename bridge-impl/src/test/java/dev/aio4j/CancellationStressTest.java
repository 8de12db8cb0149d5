package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of tasks of both styles, chained through awaits, gathers, wait_for, shields and task
 * groups, cancelled at random moments from several threads. Invariants: every body that started
 * ran its finally block exactly once; every task ends in a final state that its outcome agrees
 * with; nothing reaches the exception handler; nothing of the run is left when Async.run returns.
 */
@Tag("stress")
@Timeout(300)
class CancellationStressTest {
    private static final int ROUNDS = 4 * Integer.getInteger("stress", 1);
    private static final int TASKS = 1_500;

    @Test
    void randomCancellationLeavesEveryTaskFinishedOnce() {
        for (int round = 0; round < ROUNDS; round++) {
            runRound(round, LoopOptions.defaults());
            runRound(round, LoopOptions.defaults().withThreading(LoopOptions.Threading.DEFAULT_DISPATCHER));
        }
    }

    private static void runRound(long seed, LoopOptions options) {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        ConcurrentLinkedQueue<ExceptionContext> reports = new ConcurrentLinkedQueue<>();
        List<Task<?>> all = new ArrayList<>();
        Loop[] runLoop = new Loop[1];
        Async.run(options, loop -> {
            runLoop[0] = loop;
            loop.setExceptionHandler((l, c) -> reports.add(c));
            Random random = new Random(seed);
            List<Task<Integer>> made = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                Task<Integer> t = make(loop, random, made, started, finished);
                made.add(t);
            }
            all.addAll(made);
            // cancellers on two threads, at random moments
            List<Task<Void>> cancellers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                long s = seed * 31 + c;
                cancellers.add(loop.createTask(() -> {
                    Random r = new Random(s);
                    for (int k = 0; k < TASKS / 3; k++) {
                        made.get(r.nextInt(made.size())).cancel("stress");
                        if (r.nextInt(8) == 0) Async.sleep(Duration.ofNanos(r.nextInt(200_000)));
                    }
                    return null;
                }));
            }
            Async.gather(cancellers).join();
            List<Outcome<Integer>> outcomes = Async.gatherOutcomes(made).join();
            for (int i = 0; i < made.size(); i++) {
                Task<Integer> t = made.get(i);
                assertTrue(t.isDone(), t.toString());
                Outcome<Integer> o = outcomes.get(i);
                switch (t.state()) {
                    case SUCCESS -> assertTrue(o instanceof Outcome.Success, t + " " + o);
                    case CANCELLED -> assertTrue(o instanceof Outcome.Cancelled, t + " " + o);
                    case FAILED -> assertTrue(o instanceof Outcome.Failure, t + " " + o);
                    default -> throw new AssertionError("not final: " + t);
                }
            }
            return null;
        });
        assertEquals(started.get(), finished.get(), "every body that started ran its finally block once");
        assertEquals(0, doneWhileRunning.getAndSet(0), "a task was done while its body still ran (cancellation must be a request)");
        for (Task<?> t : all) assertTrue(t.isDone(), t.toString());
        assertTrue(runLoop[0].isClosed());
        assertEquals(List.of(), new ArrayList<>(reports), "nothing unexpected reached the exception handler");
    }

    private static final AtomicInteger doneWhileRunning = new AtomicInteger();

    /** A blocking body's finally: counts it, and checks that its task is not done before its body is. */
    private static void finishBody(AtomicInteger finished) {
        Task<?> self = Async.currentTask();
        if (self == null || self.isDone()) doneWhileRunning.incrementAndGet();
        finished.incrementAndGet();
    }

    /** One task of a random kind, possibly built on tasks made before it. */
    private static Task<Integer> make(Loop loop, Random r, List<Task<Integer>> before, AtomicInteger started, AtomicInteger finished) {
        int kind = before.size() < 10 ? r.nextInt(2) : r.nextInt(8);
        long nanos = r.nextInt(3_000_000);
        Task<Integer> other = before.isEmpty() ? null : before.get(r.nextInt(before.size()));
        switch (kind) {
            case 0: // blocking body that sleeps
                return loop.createTask(() -> {
                    started.incrementAndGet();
                    try {
                        Async.sleep(Duration.ofNanos(nanos));
                        return 1;
                    } finally {
                        finishBody(finished);
                    }
                });
            case 1: // non-blocking body that sleeps
                return loop.createTaskAsync(() -> {
                    started.incrementAndGet();
                    Task<Void> sleep = Async.sleepAsync(Duration.ofNanos(nanos));
                    sleep.addDoneCallback(t -> finished.incrementAndGet()); // the body's "finally"
                    return sleep.thenApply(v -> 1); // cancelling this stage cancels the sleep
                });
            case 2: // blocking body awaiting an earlier task (cancellation goes down the chain)
                return loop.createTask(() -> {
                    started.incrementAndGet();
                    try {
                        return other.join() + 1;
                    } finally {
                        finishBody(finished);
                    }
                });
            case 3: // a gather of earlier tasks
                return loop.adopt(Async.gather(other, before.get(r.nextInt(before.size()))).thenApply(l -> l.get(0) + l.get(1)).handle((v, e) -> 1));
            case 4: // wait_for on an earlier task
                return loop.adopt(Async.waitFor(other, Duration.ofNanos(nanos)).handle((v, e) -> 1));
            case 5: // a shield awaited by a blocking body
                return loop.createTask(() -> {
                    started.incrementAndGet();
                    try {
                        return Async.shield(other).join();
                    } finally {
                        finishBody(finished);
                    }
                });
            case 6: // a task group with two children
                return loop.createTask(() -> {
                    started.incrementAndGet();
                    try {
                        return Async.taskGroup(tg -> {
                            Task<Integer> a = tg.createTask(() -> {
                                started.incrementAndGet();
                                try {
                                    Async.sleep(Duration.ofNanos(nanos));
                                    return 1;
                                } finally {
                                    finishBody(finished);
                                }
                            });
                            Task<Integer> b = tg.createTaskAsync(() -> Async.sleepAsync(Duration.ofNanos(nanos / 2)).thenApply(v -> 1));
                            return a.join() + b.join();
                        });
                    } finally {
                        finishBody(finished);
                    }
                });
            default: // a timeout around an await
                return loop.createTask(() -> {
                    started.incrementAndGet();
                    try {
                        return Async.timeout(Duration.ofNanos(nanos), () -> other.join());
                    } catch (AsyncTimeoutException e) {
                        return -1;
                    } finally {
                        finishBody(finished);
                    }
                });
        }
    }
}
