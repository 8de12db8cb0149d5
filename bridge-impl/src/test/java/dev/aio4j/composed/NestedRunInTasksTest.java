package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Outcome;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Async.run nested inside tasks of an outer run: each outer task (a createTask body, a toThread
 * body, a runInExecutor body on the user's own hand-rolled workers, PlainWorkers) runs an inner Async.run whose main starts
 * workers of both styles and a to_thread worker, gathers them, awaits a task of the outer loop
 * through a shield, and leaves one worker pending for the inner run's close. The outer main cancels some outer tasks from another thread at random moments.
 *
 * <p>The Javadoc of Async.run refuses only a loop's own thread, and promises that interrupting the
 * calling thread cancels main and that no task of the run outlives it. Checked: each outer task
 * ends with the inner result or CANCELLED (SUCCESS whenever its cancel() returned false); every
 * body of the inner runs that started has ended by the time its outer task is done; inside the inner
 * main Loop.current() is the inner loop, and after the inner run the outer loop and the outer task
 * are current again; the user's pool threads never start a job of their own with an interrupt left
 * over; the outer loop's task awaited through the shield is never cancelled by it; no aio4j thread
 * is alive once the outer run has returned; nothing is reported.
 */
class NestedRunInTasksTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 120);

    final AtomicInteger started = new AtomicInteger(), ended = new AtomicInteger();
    final List<String> failures = new ArrayList<>();

    void failure(String s) {
        synchronized (failures) { failures.add(s); }
    }

    static long rndNanos(long max) {
        return ThreadLocalRandom.current().nextLong(0, max);
    }

    int nestedRun(Loop outer, int value, Threading innerThreading, AtomicBoolean innerStarted, Task<Integer> ofOuter) {
        Task<?> me = Async.currentTask();
        if (me == null) failure("no current task in the outer task's body");
        int r;
        try {
            r = Async.run(LoopOptions.defaults().withThreading(innerThreading), inner -> {
                innerStarted.set(true);
                inner.setExceptionHandler((l, ctx) -> failure("reported by an inner loop: " + ctx.message() + " " + ctx.exception()));
                if (inner == outer) failure("the inner run's loop is the outer one");
                if (Loop.current() != inner) failure("inside the inner main, Loop.current() is not the inner loop");
                started.incrementAndGet();
                try {
                    Task<Integer> x = inner.createTask(() -> {
                        started.incrementAndGet();
                        try {
                            Async.sleep(Duration.ofNanos(rndNanos(1_000_000)));
                            return 1;
                        } finally {
                            ended.incrementAndGet();
                        }
                    });
                    Task<Integer> y = inner.createTaskAsync(() -> {
                        started.incrementAndGet();
                        return Async.sleepAsync(Duration.ofNanos(rndNanos(1_000_000))).thenApply(v -> 2).whenComplete((v, e) -> ended.incrementAndGet());
                    });
                    Task<Integer> z = Async.toThread(() -> {
                        started.incrementAndGet();
                        try {
                            Thread.sleep(0, (int) rndNanos(999_999));
                            return 3;
                        } finally {
                            ended.incrementAndGet();
                        }
                    });
                    inner.createTask(() -> { // never awaited: the inner run's close cancels it
                        started.incrementAndGet();
                        try {
                            Async.sleep(Duration.ofMinutes(1));
                        } finally {
                            ended.incrementAndGet();
                        }
                    });
                    int sum = Async.shield(ofOuter).join(); // a task of the outer loop, awaited from the inner run's main
                    for (int v : Async.gather(x, y, z).join()) sum += v;
                    return value + sum;
                } finally {
                    ended.incrementAndGet();
                }
            });
        } finally {
            if (Loop.current() != outer) failure("after the inner run, Loop.current() is not the outer loop");
            if (Async.currentTask() != me) failure("after the inner run, Async.currentTask() is not the outer task");
        }
        return r;
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void nestedRunsCancelledFromOutside(Threading threading) throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        PlainWorkers userPool = new PlainWorkers(2, "nested-plain-workers");
        int cancelled = 0, succeeded = 0;
        List<String> reports = new ArrayList<>();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                int r0 = round;
                Threading innerThreading = ThreadLocalRandom.current().nextBoolean() ? Threading.SINGLE_THREAD : Threading.DEFAULT_DISPATCHER;
                List<Outcome<Integer>> outs = Async.run(LoopOptions.defaults().withThreading(threading), outer -> {
                    outer.setExceptionHandler((l, ctx) -> { synchronized (reports) { reports.add(ctx.message() + " " + ctx.exception()); } });
                    List<Task<Integer>> tasks = new ArrayList<>();
                    List<AtomicBoolean> innerStarted = new ArrayList<>();
                    List<Task<Integer>> ofOuter = new ArrayList<>();
                    for (int k = 0; k < 3; k++) {
                        int value = r0 * 10 + k;
                        AtomicBoolean s = new AtomicBoolean();
                        innerStarted.add(s);
                        long nanos = rndNanos(1_000_000);
                        Task<Integer> x = outer.createTask(() -> {
                            Async.sleep(Duration.ofNanos(nanos));
                            return 100;
                        });
                        ofOuter.add(x);
                        if (k == 0) tasks.add(outer.createTask(() -> nestedRun(outer, value, innerThreading, s, x)));
                        else if (k == 1) tasks.add(Async.toThread(() -> nestedRun(outer, value, innerThreading, s, x)));
                        else tasks.add(outer.runInExecutor(userPool, () -> nestedRun(outer, value, innerThreading, s, x)));
                    }
                    // a job of the user's own on the pool: it must never start interrupted
                    userPool.execute(() -> {});
                    boolean[] cancelReturned = new boolean[3];
                    List<Thread> cancellers = new ArrayList<>();
                    for (int k = 0; k < 3; k++) {
                        if (ThreadLocalRandom.current().nextInt(3) == 0) continue;
                        int kk = k;
                        long micros = rndNanos(3_000_000) / 1000;
                        Thread c = new Thread(() -> {
                            long end = System.nanoTime() + micros * 1000;
                            while (System.nanoTime() < end) Thread.onSpinWait();
                            cancelReturned[kk] = tasks.get(kk).cancel();
                        });
                        c.start();
                        cancellers.add(c);
                    }
                    List<Outcome<Integer>> o = Async.gatherOutcomes(tasks).join();
                    for (Thread c : cancellers) c.join();
                    for (int k = 0; k < 3; k++) {
                        String where = "round " + r0 + " task " + k + " inner " + innerThreading;
                        Task<Integer> t = tasks.get(k);
                        if (t.state() == TaskState.SUCCESS) {
                            if (t.resultNow() != r0 * 10 + k + 106) failure(where + ": value " + t.resultNow());
                            if (cancelReturned[k]) failure(where + ": cancel() returned true but the task succeeded");
                        } else if (t.state() == TaskState.CANCELLED) {
                            if (!cancelReturned[k]) failure(where + ": CANCELLED although nobody's cancel() returned true");
                        } else {
                            failure(where + ": ended " + t.state() + " " + t.exceptionNow());
                        }
                        userPool.execute(() -> {});
                        Task<Integer> x = ofOuter.get(k);
                        if (x.join() != 100 || x.state() != TaskState.SUCCESS) failure(where + ": the outer loop's task awaited through a shield ended " + x.state());
                    }
                    return o;
                });
                for (Outcome<Integer> o : outs) {
                    if (o instanceof Outcome.Cancelled<?>) cancelled++;
                    else succeeded++;
                }
                if (started.get() != ended.get()) failure("round " + round + ": bodies started " + started + " ended " + ended + " after the outer run");
                for (Thread t : Thread.getAllStackTraces().keySet())
                    if (!before.contains(t) && t.isAlive() && t.getName().startsWith("aio4j")) failure("round " + round + ": alive after the run returned: " + t.getName());
            }
            // the pool's last jobs have run
            java.util.concurrent.CountDownLatch last = new java.util.concurrent.CountDownLatch(2);
            userPool.execute(last::countDown);
            userPool.execute(last::countDown);
            assertTrue(last.await(10, TimeUnit.SECONDS));
        } finally {
            userPool.close();
        }
        assertEquals(0, userPool.leftoverInterrupts.get(), "interrupts left on the user's workers (of " + userPool.jobsRun + " jobs)");
        synchronized (reports) { assertEquals(List.of(), reports, "reported"); }
        System.out.println(threading + ": outer tasks succeeded " + succeeded + ", cancelled " + cancelled + ", bodies " + started);
        assertTrue(cancelled > 0 && succeeded > 0, "the cancellations never, or always, won");
        synchronized (failures) {
            if (!failures.isEmpty()) fail(failures.size() + " failures; first: " + failures.subList(0, Math.min(6, failures.size())));
        }
    }
}
