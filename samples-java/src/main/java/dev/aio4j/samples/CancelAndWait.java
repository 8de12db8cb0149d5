package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Done;
import dev.aio4j.Loop;
import dev.aio4j.Outcome;
import dev.aio4j.ReturnWhen;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.samples.support.Pace;
import dev.aio4j.samples.support.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Sample 9: cancellation and waiting with timeouts. Tasks cancelled while they sleep (a
 * blocking-style one and a non-blocking one); {@link Async#wait} with a timeout, then the tasks
 * still pending cancelled; {@link Async#waitFor} timing out; and a task left running on purpose
 * when the main task returns.
 *
 * <p>Shows: cancelled tasks end {@code CANCELLED}, their cleanup runs, and cancelling a task
 * that waits on another cancels that one too; {@code wait} splits done and pending correctly and
 * cancels nothing; {@code waitFor} cancels its task and fails with {@link AsyncTimeoutException};
 * when {@link Async#run} returns, nothing it started is still running.
 */
public final class CancelAndWait {
    private CancelAndWait() {}

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("Cancelling sleeping tasks, wait with a timeout, waitFor timing out " + Pace.scaleNote());
        AtomicInteger bodiesRunning = new AtomicInteger();
        List<String> cleanups = Collections.synchronizedList(new ArrayList<>());
        Loop[] theLoop = new Loop[1];
        Task<?> forgotten = Async.run(loop -> {
            theLoop[0] = loop;
            cancelSleepers(loop, bodiesRunning, cleanups);
            waitWithTimeout(loop);
            waitForTimingOut(loop);

            // 4. A task left running on purpose: Async.run cancels it, and waits for it, before it returns.
            CountDownLatch started = new CountDownLatch(1);
            Task<@Nullable Void> left = loop.createTask("forgotten", () -> {
                bodiesRunning.incrementAndGet();
                try {
                    started.countDown();
                    Async.sleep(Pace.units(25));
                    return null;
                } finally {
                    cleanups.add("forgotten: cleanup ran");
                    bodiesRunning.decrementAndGet();
                }
            });
            check(started.await(5, TimeUnit.SECONDS), "the forgotten task starts");
            Set<String> others = loop.allTasks().stream().filter(t -> t != Async.currentTask()).map(Task::name).collect(Collectors.toSet());
            System.out.printf("  main returns while these tasks still run: %s%n", others);
            checkEquals(Set.of("forgotten"), others, "only the forgotten task is left when main returns");
            return left;
        });
        System.out.printf("  after Async.run: forgotten is %s; bodies still running: %d; tasks left: %s%n",
                forgotten.state(), bodiesRunning.get(), theLoop[0].allTasks());
        System.out.printf("  cleanups: %s%n", cleanups);
        checkEquals(TaskState.CANCELLED, forgotten.state(), "Async.run cancels what is left at exit");
        checkEquals(0, bodiesRunning.get(), "no task body is still running when Async.run returns");
        check(theLoop[0].allTasks().isEmpty(), "no task is left when Async.run returns: " + theLoop[0].allTasks());
        checkEquals(new TreeSet<>(List.of("blocking sleeper: cleanup ran", "non-blocking sleeper's nap: CANCELLED", "forgotten: cleanup ran")),
                new TreeSet<>(cleanups), "every cancelled task's cleanup ran");
        checkEquals(3, cleanups.size(), "each cleanup ran once");
    }

    /** 1. Two tasks cancelled while they sleep. */
    private static void cancelSleepers(Loop loop, AtomicInteger bodiesRunning, List<String> cleanups) throws Exception {
        CountDownLatch asleep = new CountDownLatch(2);
        Task<String> blocking = loop.createTask("blocking sleeper", () -> {
            bodiesRunning.incrementAndGet();
            try {
                asleep.countDown();
                Async.sleep(Pace.units(25));
                return "woke up";
            } finally {
                cleanups.add("blocking sleeper: cleanup ran");
                bodiesRunning.decrementAndGet();
            }
        });
        List<Task<@Nullable Void>> nap = new ArrayList<>();
        Task<@Nullable Void> nonBlocking = loop.createTaskAsync("non-blocking sleeper", () -> {
            Task<@Nullable Void> sleep = Async.sleepAsync(Pace.units(25));
            sleep.addDoneCallback(t -> cleanups.add("non-blocking sleeper's nap: " + t.state()));
            nap.add(sleep);
            asleep.countDown();
            return sleep; // returning the task itself lets cancellation reach it
        });
        check(asleep.await(5, TimeUnit.SECONDS), "both sleepers start");
        blocking.cancel();
        nonBlocking.cancel();
        for (Task<?> task : List.of(blocking, nonBlocking)) {
            String how;
            try {
                task.join();
                how = "returned";
            } catch (CancellationException e) {
                how = "CancellationException";
            }
            System.out.printf("  %s, cancelled while sleeping: await() threw %s; state %s%n", task.name(), how, task.state());
            checkEquals(TaskState.CANCELLED, task.state(), task.name() + " ends CANCELLED");
        }
        checkEquals(TaskState.CANCELLED, nap.get(0).state(), "cancelling the non-blocking task cancels the sleep it waits on");
    }

    /** 2. wait() with a timeout: what is done, what is pending; then cancel the pending ones. */
    private static void waitWithTimeout(Loop loop) throws Exception {
        Task<@Nullable Object> fast = loop.createTask("fast", () -> {
            Async.sleep(Pace.units(0.25));
            return "fast";
        });
        Task<@Nullable Object> medium = loop.createTask("medium", () -> {
            Async.sleep(Pace.units(2.5));
            return "medium";
        });
        // A non-blocking body returns the sleep task, so that cancelling "slow" cancels the sleep (a stage
        // derived from it, such as sleepAsync(...).thenApply(...), would pass the cancellation on as well).
        Task<@Nullable Object> slow = loop.createTaskAsync("slow", () -> Async.sleepAsync(Pace.units(5)));
        Duration timeout = Pace.UNIT;
        Timing.Timed<Done<@Nullable Object>> waited = Timing.measure(() -> Async.wait(List.of(fast, medium, slow), ReturnWhen.ALL_COMPLETED, timeout).join());
        Set<String> done = names(waited.value().done());
        Set<String> pending = names(waited.value().pending());
        System.out.printf("  wait(fast %d ms, medium %d ms, slow %d ms; timeout %d ms) after %d ms: done %s, pending %s (states %s, %s)%n",
                Pace.units(0.25).toMillis(), Pace.units(2.5).toMillis(), Pace.units(5).toMillis(), timeout.toMillis(), waited.millis(),
                done, pending, medium.state(), slow.state());
        checkEquals(Set.of("fast"), done, "done after the timeout");
        checkEquals(Set.of("medium", "slow"), pending, "pending after the timeout");
        checkEquals(TaskState.RUNNING, medium.state(), "wait() does not cancel what is pending");
        checkTiming(waited.elapsed().compareTo(timeout) >= 0 && waited.elapsed().compareTo(timeout.plus(Pace.units(0.5))) < 0,
                "wait() returns at its timeout (" + timeout.toMillis() + " ms): " + waited.millis() + " ms");

        for (Task<@Nullable Object> task : waited.value().pending()) {
            task.cancel();
        }
        List<Outcome<@Nullable Object>> outcomes = Async.gatherOutcomes(fast, medium, slow).join();
        System.out.printf("  after cancelling the pending ones: fast %s, medium %s, slow %s%n", fast.state(), medium.state(), slow.state());
        check(outcomes.get(0) instanceof Outcome.Success<@Nullable Object> s && "fast".equals(s.value()), "fast succeeded: " + outcomes.get(0));
        check(outcomes.get(1) instanceof Outcome.Cancelled<@Nullable Object>, "medium was cancelled: " + outcomes.get(1));
        check(outcomes.get(2) instanceof Outcome.Cancelled<@Nullable Object>, "slow was cancelled: " + outcomes.get(2));
        checkEquals(List.of(TaskState.SUCCESS, TaskState.CANCELLED, TaskState.CANCELLED),
                List.of(fast.state(), medium.state(), slow.state()), "states after cancelling the pending tasks");
    }

    /** 3. waitFor() cancels its task when the time is up. */
    private static void waitForTimingOut(Loop loop) throws Exception {
        Task<String> job = loop.createTask("slow job", () -> {
            Async.sleep(Pace.units(25));
            return "finished";
        });
        Duration timeout = Pace.units(0.5);
        long start = System.nanoTime();
        String what;
        try {
            what = "returned " + Async.waitFor(job, timeout).join();
        } catch (AsyncTimeoutException e) {
            what = "AsyncTimeoutException: " + e.getMessage();
        }
        long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
        System.out.printf("  waitFor(slow job, %d ms): %s after %d ms; the job is %s%n", timeout.toMillis(), what, elapsed, job.state());
        check(what.startsWith("AsyncTimeoutException"), "waitFor times out: " + what);
        checkEquals(TaskState.CANCELLED, job.state(), "waitFor cancels the task it timed out on, and waits for it");
        checkTiming(elapsed >= timeout.toMillis() && elapsed < timeout.plus(Pace.units(0.5)).toMillis(),
                "waitFor gives up at its timeout (" + timeout.toMillis() + " ms): " + elapsed + " ms");
    }

    private static Set<String> names(Set<? extends Task<?>> tasks) {
        return tasks.stream().map(Task::name).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Runs the sample on its own.
     *
     * @param args ignored
     * @throws Exception if a claim does not hold or the sample cannot run
     */
    public static void main(String[] args) throws Exception {
        run();
    }
}
