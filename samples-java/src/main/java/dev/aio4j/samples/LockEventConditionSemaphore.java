package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncCondition;
import dev.aio4j.sync.AsyncEvent;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncSemaphore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sample 6: asyncio's synchronisation primitives, in both body styles. An {@link AsyncLock}
 * serialises three jobs of one unit each; an {@link AsyncEvent} holds several waiters until a
 * "response" arrives and sets it; an {@link AsyncCondition} whose {@code signal(2)} (asyncio's
 * {@code notify(2)}) releases exactly two of four waiters; an {@link AsyncSemaphore} of two permits
 * runs three jobs at most two at a time.
 *
 * <p>Shows: ≈ 3 units with the lock (not ≈ 1); the event's waiters wake only after it is set, all
 * of them; exactly 2 released by {@code signal(2)}, the other two only by {@code signalAll()};
 * never more than 2 jobs inside the semaphore, ≈ 2 units for the three.
 */
public final class LockEventConditionSemaphore {
    private LockEventConditionSemaphore() {}

    /** The tutorial's "1 second". */
    private static final Duration UNIT = Duration.ofMillis(300);

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("Lock, Event, Condition and Semaphore (the tutorial's 1 s is " + UNIT.toMillis() + " ms here)");
        Async.run(loop -> {
            lock(loop);
            event(loop);
            condition(loop);
            semaphore(loop);
            return null;
        });
    }

    /** Three jobs of one unit each, two blocking-style and one non-blocking, under one lock. */
    private static void lock(Loop loop) {
        AsyncLock lock = AsyncLock.create();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        long start = System.nanoTime();
        List<Task<String>> jobs = new ArrayList<>();
        for (String name : List.of("job-1", "job-2")) {
            jobs.add(loop.createTask(() -> lock.withLock(() -> { // async with lock: ...
                most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                Async.sleep(UNIT);
                inside.decrementAndGet();
                return name;
            })));
        }
        jobs.add(lock.withLockAsync(() -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            return Async.sleepAsync(UNIT).thenApply(v -> {
                inside.decrementAndGet();
                return "job-3";
            });
        }));
        List<String> done = Async.gather(jobs).join();
        double units = unitsSince(start);
        System.out.printf("  lock: %s took %.1f units, at most %d inside at once%n", done, units, most.get());
        check(most.get() == 1, "the lock lets one job in at a time, saw " + most.get());
        check(units > 2.5, "three one-unit jobs under a lock take about 3 units, took " + units);
    }

    /** Three waiters, two blocking-style and one non-blocking, released together by a "response". */
    private static void event(Loop loop) throws InterruptedException {
        AsyncEvent responded = AsyncEvent.create();
        AtomicInteger step = new AtomicInteger();
        int[] setAt = new int[1];
        List<Integer> wokeAt = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch waiting = new CountDownLatch(2);
        List<Task<?>> waiters = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiters.add(loop.createTask(() -> {
                waiting.countDown();
                responded.await(); // await event.wait()
                wokeAt.add(step.incrementAndGet());
                return null;
            }));
        }
        waiters.add(responded.awaitAsync().thenRun(() -> wokeAt.add(step.incrementAndGet()))); // a derived stage is a task
        waiting.await();
        Task<Void> response = loop.createTask(() -> {
            Async.sleep(UNIT); // the response takes a while
            check(wokeAt.isEmpty(), "no waiter wakes before the event is set, but " + wokeAt.size() + " did");
            setAt[0] = step.incrementAndGet();
            responded.set();
            return null;
        });
        response.join();
        Async.gather(waiters).join();
        System.out.printf("  event: set at step %d, the %d waiters woke at steps %s%n", setAt[0], wokeAt.size(), wokeAt);
        check(wokeAt.size() == 3, "every waiter wakes when the event is set, " + wokeAt.size() + " of 3 did");
        check(wokeAt.stream().allMatch(s -> s > setAt[0]), "the waiters wake only after the event is set: " + wokeAt);
    }

    /** Four waiters of a condition: signal(2) releases exactly two of them. */
    private static void condition(Loop loop) throws InterruptedException {
        AsyncCondition ready = AsyncCondition.create();
        AtomicInteger released = new AtomicInteger();
        CountDownLatch waiting = new CountDownLatch(2);
        List<Task<?>> waiters = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiters.add(loop.createTask(() -> ready.withLock(() -> { // async with cond: await cond.wait()
                waiting.countDown();
                ready.await();
                released.incrementAndGet();
                return null;
            })));
        }
        waiting.await();
        for (int i = 0; i < 2; i++) { // non-blocking waiters: take the lock, wait (releasing it), count, release
            waiters.add(ready.acquireAsync()
                    .thenCompose(v -> ready.awaitAsync())
                    .thenRun(() -> {
                        released.incrementAndGet();
                        ready.release();
                    }));
        }
        ready.withLock(() -> { // the lock comes after the four waiters have taken it and waited
            ready.signal(2); // asyncio's notify(2)
        });
        Async.sleep(UNIT); // time enough for a third to wake, if one could
        int afterSignal2 = released.get();
        ready.withLock(() -> {
            ready.signalAll();
            return null;
        });
        Async.gather(waiters).join();
        System.out.printf("  condition: signal(2) released %d of 4 waiters, signalAll() the other %d%n",
                afterSignal2, released.get() - afterSignal2);
        check(afterSignal2 == 2, "signal(2) releases exactly 2 waiters, released " + afterSignal2);
        check(released.get() == 4, "signalAll() releases the rest, " + released.get() + " of 4 in all");
    }

    /** Three jobs of one unit each under a semaphore of two permits. */
    private static void semaphore(Loop loop) {
        AsyncSemaphore twoAtATime = AsyncSemaphore.create(2);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        long start = System.nanoTime();
        List<Task<?>> jobs = new ArrayList<>();
        jobs.add(twoAtATime.withPermitAsync(() -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            return Async.sleepAsync(UNIT).whenComplete((v, e) -> inside.decrementAndGet());
        }));
        for (int i = 0; i < 2; i++) {
            jobs.add(loop.createTask(() -> twoAtATime.withPermit(() -> {
                most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                Async.sleep(UNIT);
                inside.decrementAndGet();
                return null;
            })));
        }
        Async.gather(jobs).join();
        double units = unitsSince(start);
        System.out.printf("  semaphore(2): 3 jobs took %.1f units, at most %d at once%n", units, most.get());
        check(most.get() == 2, "a semaphore of 2 runs at most 2 jobs at once (and here 2 did), saw " + most.get());
        checkTiming(units > 1.7 && units < 2.9, "three one-unit jobs two at a time take about 2 units, took " + units);
        check(twoAtATime.availablePermits() == 2, "both permits are back");
    }

    private static double unitsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / (double) UNIT.toNanos();
    }

    private static void check(boolean claim, String message) {
        if (!claim) {
            throw new AssertionError("claim failed: " + message);
        }
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
