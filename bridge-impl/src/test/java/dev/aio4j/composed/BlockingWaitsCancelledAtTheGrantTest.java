package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Blocking-style (virtual-thread) bodies whose wait is cut as the grant arrives: a task whose body
 * is {@code q::get} cancelled, {@code Async.timeout(d, q::get)}, {@code Async.timeout} around
 * {@code lock.withLock}/{@code semaphore.withPermit}, and a TaskGroup whose sibling fails as a
 * child's get is served. Invariants: every item is exactly once in a consumer's hands (a task that
 * ended SUCCESS with it, or a value returned to the body) or left in the queue; the lock is free
 * and every permit back at the end; a body that got a value from {@code Async.timeout} has no
 * interrupt pending afterwards (its next wait is not cancelled by a deadline that did not cut it).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BlockingWaitsCancelledAtTheGrantTest {
    static final int ROUNDS = Math.min(Integer.getInteger("composed.rounds", 300), 300);
    static final int ITEMS = 40;

    private static Duration jitter(int maxMicros) {
        return Duration.ofNanos(ThreadLocalRandom.current().nextInt(maxMicros * 1000));
    }

    private static void report(String label, List<String> failures, int rounds) {
        String s = summary(label, failures, rounds);
        if (s != null) fail(s);
    }

    private static String summary(String label, List<String> failures, int rounds) {
        if (failures.isEmpty()) return null;
        return label + ": " + failures.size() + " of " + rounds + " rounds failed; first " + failures.get(0)
                + "\nlast " + failures.get(failures.size() - 1);
    }

    private static void reportAll(List<String> summaries) {
        summaries.removeIf(java.util.Objects::isNull);
        if (!summaries.isEmpty()) fail(String.join("\n", summaries));
    }

    private static List<String> conservation(AsyncQueue<Integer> q, List<Integer> taken, int items) {
        List<Integer> left = SelectOverTwoQueuesLosesNoItemTest.drain(q);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            int n = Collections.frequency(taken, i) + Collections.frequency(left, i);
            if (n != 1) wrong.add(i + " x" + n);
        }
        return wrong;
    }

    /**
     * A task whose body is a queue get, {@code loop.createTask(() -> q.get())}, cancelled after a
     * random pause while a producer puts. A task that ends CANCELLED holds nothing, so the item is
     * the task's (SUCCESS) or still in the queue; a cancellation that came while the get was
     * served but its thread had not taken the item gives it back. What remains is the body's own
     * window (the get returned, the body had the item, the cancellation came before the task
     * completed), where rule 1 drops the result: an item the body got is counted as taken (the
     * body notes it), so this checks that nothing is lost or doubled outside that window. Before
     * the give-back, 14-38 of 100 rounds lost an item here as the test stood then (the body was
     * {@code q::get}, nothing noted); the give-back itself is pinned by
     * {@link #aBlockingGetterCancelledInTheStepThatServesItGivesTheItemBack}.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void aTaskWhoseBodyIsQueueGetCancelledAtRandomMomentsLosesNoItem(LoopOptions.Threading threading) {
        producerConsumerRounds("createTask(q::get) cancelled on " + threading, threading, (q, taken, stale) -> {
            AtomicReference<Integer> bodyGot = new AtomicReference<>();
            Task<Integer> t = Loop.current().createTask(() -> {
                Integer x = q.get();
                bodyGot.set(x);
                return x;
            });
            Async.sleep(jitter(300));
            t.cancel();
            try {
                taken.add(t.join());
            } catch (CancellationException e) {
                if (bodyGot.get() != null) taken.add(bodyGot.get()); // the body's window: the item was the body's
            }
        });
    }

    /**
     * The cancellation in the same loop step as the put that serves the parked getter: the thread
     * has been unparked but has usually not run yet, so its task's cancel() must give the item
     * back (to the head of the queue) and the task end CANCELLED, as asyncio's Queue.get leaves the
     * item when its task is cancelled before it resumed. A thread fast enough to take the item
     * first (its get returned, which the body counts) makes the task SUCCESS with it, or CANCELLED
     * without it in the body's own window after the get; an item neither in the queue nor taken
     * by the body is lost. The give-back must be seen in a quarter of the tries at
     * least (one would show it; before it, never: the thread always took the item and the task
     * ended CANCELLED; after it, 32-38 of 40 while idle).
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void aBlockingGetterCancelledInTheStepThatServesItGivesTheItemBack(LoopOptions.Threading threading) {
        int tries = 40;
        int givenBack = 0;
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < tries; i++) {
            int item = i;
            AsyncQueue<Integer> q = AsyncQueue.create();
            AtomicInteger bodyGot = new AtomicInteger();
            Task<Integer> t;
            try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))) {
                t = loop.createTask(() -> {
                    Integer x = q.get();
                    bodyGot.incrementAndGet();
                    return x;
                });
                loop.runUntilComplete(loop.createTask(() -> {
                    Async.sleep(Duration.ofMillis(3)); // the getter parks meanwhile
                    loop.callSoon(() -> { // one step: serve, then cancel
                        q.putNow(item);
                        t.cancel();
                    });
                    Async.sleep(Duration.ofMillis(1));
                }));
                loop.runUntilComplete(Async.wait(List.of(t)));
            }
            boolean inQueue = !q.isEmpty() && q.getNow() == item;
            String seen = "try " + i + ": task " + t.state() + ", item in the queue " + inQueue + ", body got it " + bodyGot.get();
            if (t.state() == TaskState.CANCELLED && inQueue && bodyGot.get() == 0) givenBack++;
            else if (t.state() == TaskState.SUCCESS && t.resultNow() == item && !inQueue) continue; // took it before the cancel
            else if (t.state() == TaskState.CANCELLED && !inQueue && bodyGot.get() == 1) continue; // the body's window
            else wrong.add(seen);
        }
        if (!wrong.isEmpty() || givenBack < tries / 4)
            fail(threading + ": given back in " + givenBack + " of " + tries + " tries; wrong: " + wrong);
    }

    /**
     * {@code Async.timeout(d, q::get)} in a blocking body, the deadline about as long as the
     * producer's pauses. The item returned or left; no interrupt pending after a value came back.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void asyncTimeoutAroundABlockingGetLosesNoItemAndLeavesNoInterrupt(LoopOptions.Threading threading) {
        producerConsumerRounds("Async.timeout(d, q::get) on " + threading, threading, (q, taken, stale) -> {
            try {
                Integer x = Async.timeout(jitter(300), q::get);
                taken.add(x);
                if (Thread.currentThread().isInterrupted()) stale.add("interrupt pending after item " + x);
                try {
                    Async.sleep(Duration.ZERO);
                } catch (CancellationException e) {
                    stale.add("the wait after item " + x + " was cancelled: " + e);
                }
            } catch (AsyncTimeoutException e) {
                // nothing in time
            }
        });
    }

    /** One attempt of a consumer's loop: takes from {@code q} into {@code taken}, notes wrong states in {@code stale}. */
    interface Attempt {
        void run(AsyncQueue<Integer> q, List<Integer> taken, List<String> stale) throws Exception;
    }

    /**
     * Rounds of a producer putting {@link #ITEMS} items at random pauses and a blocking consumer
     * repeating {@code attempt} until the producer is done and the queue empty; every item must be
     * taken once or left, and nothing stale noted.
     */
    private static void producerConsumerRounds(String label, LoopOptions.Threading threading, Attempt attempt) {
        List<String> failures = new ArrayList<>();
        int rounds = Math.max(1, ROUNDS / 3);
        for (int round = 0; round < rounds; round++) {
            AsyncQueue<Integer> q = AsyncQueue.create();
            List<Integer> taken = Collections.synchronizedList(new ArrayList<>());
            List<String> stale = Collections.synchronizedList(new ArrayList<>());
            try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))) {
                Task<Void> producer = loop.createTask(() -> {
                    for (int i = 0; i < ITEMS; i++) {
                        Async.sleep(jitter(300));
                        q.putNow(i);
                    }
                });
                Task<Void> consumer = loop.createTask(() -> {
                    while (!(producer.isDone() && q.isEmpty())) attempt.run(q, taken, stale);
                });
                loop.runUntilComplete(Async.gather(producer, consumer));
                SelectOverTwoQueuesLosesNoItemTest.settle(loop);
            } catch (Throwable t) {
                failures.add("round " + round + ": run threw " + t);
                continue;
            }
            List<String> wrong = conservation(q, taken, ITEMS);
            wrong.addAll(stale);
            if (!wrong.isEmpty()) failures.add("round " + round + ": " + wrong);
        }
        report(label, failures, rounds);
    }

    enum Guarded { LOCK, SEMAPHORE }

    /**
     * Two blocking workers and one non-blocking one contend for a lock (or a 2-permit semaphore)
     * under {@code Async.timeout} with deadlines about as long as the critical sections: the lock
     * never has two holders, and it is free (every permit back) at the end.
     */
    @ParameterizedTest
    @EnumSource(Guarded.class)
    void asyncTimeoutAroundLockAndPermitLeavesThemFree(Guarded what) {
        List<String> summaries = new ArrayList<>();
        for (LoopOptions.Threading threading : LoopOptions.Threading.values()) {
            List<String> failures = new ArrayList<>();
            int rounds = Math.max(1, ROUNDS / 3);
            for (int round = 0; round < rounds; round++) {
                AsyncLock lock = AsyncLock.create();
                AsyncSemaphore sem = AsyncSemaphore.create(2);
                int max = what == Guarded.LOCK ? 1 : 2;
                AtomicInteger inside = new AtomicInteger();
                List<String> wrong = Collections.synchronizedList(new ArrayList<>());
                try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))) {
                    List<Task<Void>> workers = new ArrayList<>();
                    for (int w = 0; w < 3; w++) {
                        workers.add(loop.createTask(() -> {
                            for (int i = 0; i < 20; i++) {
                                try {
                                    Async.timeout(jitter(200), () -> {
                                        ThrowingBody body = () -> {
                                            if (inside.incrementAndGet() > max) wrong.add("too many holders");
                                            try {
                                                Async.sleep(jitter(150));
                                            } finally {
                                                inside.decrementAndGet();
                                            }
                                        };
                                        if (what == Guarded.LOCK) lock.withLock(body::run);
                                        else sem.withPermit(body::run);
                                        return null;
                                    });
                                } catch (AsyncTimeoutException e) {
                                    // timed out
                                }
                            }
                        }));
                    }
                    loop.runUntilComplete(Async.gather(workers));
                    SelectOverTwoQueuesLosesNoItemTest.settle(loop);
                } catch (Throwable t) {
                    wrong.add("run threw " + t);
                }
                if (what == Guarded.LOCK && lock.isLocked()) wrong.add("the lock is still locked; nobody holds it");
                if (what == Guarded.SEMAPHORE && sem.availablePermits() != 2) wrong.add("permits " + sem.availablePermits() + " of 2");
                if (!wrong.isEmpty()) failures.add("round " + round + ": " + wrong);
            }
            summaries.add(summary(what + " under Async.timeout on " + threading, failures, rounds));
        }
        reportAll(summaries);
    }

    interface ThrowingBody {
        void run() throws Exception;
    }

    enum ChildStyle { NON_BLOCKING_GET_ASYNC, BLOCKING_GET }

    @Test
    void aTaskGroupWhoseSiblingFailsAsABlockingGetIsServedLosesNoItem() {
        aTaskGroupWhoseSiblingFailsAsAGetIsServedLosesNoItem(ChildStyle.BLOCKING_GET);
    }

    /**
     * A TaskGroup with a getter child and a sibling that puts an item and then fails (at once or
     * after a random pause): the group cancels the getter child as it is being served. The item
     * must be the child's (it ended SUCCESS with it) or back in the queue; a blocking child's
     * body that got it counts as having it (the body's window, see
     * {@link #aTaskWhoseBodyIsQueueGetCancelledAtRandomMomentsLosesNoItem}). The blocking child
     * lost the item in 10-54 of 150 rounds before its wait gave back what it had not taken.
     */
    @ParameterizedTest
    @EnumSource(value = ChildStyle.class, names = "NON_BLOCKING_GET_ASYNC")
    void aTaskGroupWhoseSiblingFailsAsAGetIsServedLosesNoItem(ChildStyle style) {
        List<String> summaries = new ArrayList<>();
        for (LoopOptions.Threading threading : LoopOptions.Threading.values()) {
            List<String> failures = new ArrayList<>();
            int rounds = Math.max(1, ROUNDS / 2);
            for (int round = 0; round < rounds; round++) {
                AsyncQueue<Integer> q = AsyncQueue.create();
                List<Task<Integer>> child = Collections.synchronizedList(new ArrayList<>());
                AtomicReference<Integer> bodyGot = new AtomicReference<>();
                List<String> wrong = new ArrayList<>();
                try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))) {
                    Task<Object> main = loop.createTask(() -> {
                        try {
                            Async.taskGroup(tg -> {
                                child.add(style == ChildStyle.NON_BLOCKING_GET_ASYNC ? tg.createTaskAsync(q::getAsync) : tg.createTask(() -> {
                                    Integer x = q.get();
                                    bodyGot.set(x);
                                    return x;
                                }));
                                tg.createTask(() -> {
                                    Async.sleep(jitter(100));
                                    q.putNow(7);
                                    if (ThreadLocalRandom.current().nextBoolean()) Async.sleep(jitter(50));
                                    throw new IllegalStateException("sibling fails");
                                });
                            });
                        } catch (IllegalStateException e) {
                            // the sibling's failure
                        }
                        return null;
                    });
                    loop.runUntilComplete(main);
                    SelectOverTwoQueuesLosesNoItemTest.settle(loop);
                } catch (Throwable t) {
                    wrong.add("run threw " + t);
                }
                Task<Integer> c = child.get(0);
                List<Integer> taken = new ArrayList<>();
                if (c.state() == TaskState.SUCCESS) taken.add(c.resultNow());
                else if (bodyGot.get() != null) taken.add(bodyGot.get()); // the blocking body's window: the item was the body's
                List<Integer> left = SelectOverTwoQueuesLosesNoItemTest.drain(q);
                int n = taken.size() + left.size();
                if (n != 1) wrong.add("item 7 x" + n + " (child ended " + c.state() + ")");
                if (!wrong.isEmpty()) failures.add("round " + round + ": " + wrong);
            }
            summaries.add(summary(style + " child in a failing group on " + threading, failures, rounds));
        }
        reportAll(summaries);
    }
}
