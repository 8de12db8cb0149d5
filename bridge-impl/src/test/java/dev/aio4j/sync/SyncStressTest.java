package dev.aio4j.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Thousands of tasks of both styles hammer one semaphore and one queue while a canceller cancels
 * them at random; the invariants are checked at the end: permits conserved and never exceeded,
 * every item put delivered exactly once or still in the queue, nothing delivered that was not put.
 * Off by default; {@code -Dgroups=stress -DexcludedTestGroups= [-Dstress=N]} runs it (N scales it).
 */
@Tag("stress")
class SyncStressTest {
    private static final int SCALE = Integer.getInteger("stress", 1);
    private static final Duration GENEROUS = Duration.ofMinutes(2);

    /** Cancels tasks of {@code victims} at random until {@code stop}; counts its cancels. */
    private static Task<Integer> canceller(Loop loop, List<Task<?>> victims, AtomicBoolean stop, long seed) {
        return Async.toThread(() -> {
            Random random = new Random(seed);
            int cancelled = 0;
            while (!stop.get()) {
                int n = victims.size();
                if (n > 0) {
                    // mostly one of the newest, which are likelier to be waiting still
                    int i = random.nextInt(4) != 0 ? n - 1 - random.nextInt(Math.min(n, 8)) : random.nextInt(n);
                    if (victims.get(i).cancel()) {
                        cancelled++;
                    }
                }
                if (random.nextInt(4) == 0) {
                    Thread.sleep(0, random.nextInt(200_000));
                } else {
                    Thread.onSpinWait();
                }
            }
            return cancelled;
        });
    }

    /** What the hammer needs of a lock or a semaphore, in both styles. */
    private interface Gate {
        <T> T with(Callable<T> body) throws Exception;

        <T> Task<T> withAsync(Callable<CompletionStage<T>> body);

        Task<Void> acquireAsync();

        Held acquire();

        void release();
    }

    @Test
    void aSemaphoreHammeredWithRandomCancellationKeepsItsPermits() throws Exception {
        int permits = 3;
        AsyncSemaphore sem = AsyncSemaphore.bounded(permits);
        hammer("semaphore", permits, new Gate() {
            @Override
            public <T> T with(Callable<T> body) {
                return sem.withPermit(body);
            }

            @Override
            public <T> Task<T> withAsync(Callable<CompletionStage<T>> body) {
                return sem.withPermitAsync(body);
            }

            @Override
            public Task<Void> acquireAsync() {
                return sem.acquireAsync();
            }

            @Override
            public Held acquire() {
                return sem.acquire();
            }

            @Override
            public void release() {
                sem.release();
            }
        });
        assertEquals(permits, sem.availablePermits(), "permits lost or made");
    }

    @Test
    void aLockHammeredWithRandomCancellationEndsUnlockedAndNeverHasTwoHolders() throws Exception {
        AsyncLock lock = AsyncLock.create();
        hammer("lock", 1, new Gate() {
            @Override
            public <T> T with(Callable<T> body) {
                return lock.withLock(body);
            }

            @Override
            public <T> Task<T> withAsync(Callable<CompletionStage<T>> body) {
                return lock.withLockAsync(body);
            }

            @Override
            public Task<Void> acquireAsync() {
                return lock.acquireAsync();
            }

            @Override
            public Held acquire() {
                return lock.lock();
            }

            @Override
            public void release() {
                lock.release();
            }
        });
        assertFalse(lock.isLocked(), "the lock was left locked");
    }

    /** Two loops share [gate], each with thousands of tasks of four kinds and a canceller. */
    private static void hammer(String what, int permits, Gate sem) throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicLong entered = new AtomicLong();
        AtomicLong cancels = new AtomicLong();
        long seed = System.nanoTime();
        int tasksPerLoop = 2_000 * SCALE;
        Runnable enter = () -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            entered.incrementAndGet();
        };
        Runnable exit = inside::decrementAndGet;
        // Two loops share the semaphore, each with its own tasks and canceller.
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> loops = new ArrayList<>();
        for (int l = 0; l < 2; l++) {
            long loopSeed = seed + l;
            Thread t = new Thread(() -> {
                try {
                    Async.run(loop -> {
                        // anything reported to the loop (a release that threw in a completion handler...) fails the test
                        loop.setExceptionHandler((where, context) -> failures.add(new AssertionError(context.message(), context.exception())));
                        Random random = new Random(loopSeed);
                        List<Task<?>> tasks = Collections.synchronizedList(new ArrayList<>());
                        AtomicBoolean stop = new AtomicBoolean();
                        Task<Integer> canceller = canceller(loop, tasks, stop, loopSeed);
                        for (int i = 0; i < tasksPerLoop; i++) {
                            switch (random.nextInt(4)) {
                                case 0 -> tasks.add(loop.createTask(() -> sem.with(() -> {
                                    enter.run();
                                    try {
                                        Async.sleep(Duration.ofNanos(random.nextInt(50_000)));
                                    } finally {
                                        exit.run();
                                    }
                                    return null;
                                })));
                                case 1 -> tasks.add(sem.<Void>withAsync(() -> {
                                    enter.run();
                                    // the body's task: cancelled with the guarded task, and waited for
                                    Task<Void> sleep = Async.sleepAsync(Duration.ofNanos(random.nextInt(50_000)));
                                    sleep.toCompletableFuture().whenComplete((v, e) -> exit.run());
                                    return sleep;
                                }));
                                case 2 -> {
                                    // raw acquireAsync: a task that succeeds holds a permit, a cancelled one none
                                    Task<Void> acquired = sem.acquireAsync();
                                    tasks.add(acquired);
                                    acquired.addDoneCallback(a -> {
                                        if (a.state() == TaskState.SUCCESS) {
                                            enter.run();
                                            exit.run();
                                            sem.release();
                                        }
                                    });
                                }
                                default -> tasks.add(loop.createTask(() -> {
                                    Held held = sem.acquire();
                                    try {
                                        enter.run();
                                        try {
                                            Thread.onSpinWait();
                                        } finally {
                                            exit.run();
                                        }
                                    } finally {
                                        held.close();
                                    }
                                    return null;
                                }));
                            }
                            if (i % 100 == 99) {
                                Async.sleep(Duration.ofMillis(1)); // let the batch run
                            }
                        }
                        Async.gatherOutcomes(new ArrayList<>(tasks)).join(GENEROUS);
                        stop.set(true);
                        cancels.addAndGet(canceller.join(GENEROUS));
                        Async.sleepAsync(Duration.ZERO).join(); // after the done callbacks of the acquires
                        return null;
                    });
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            loops.add(t);
            t.start();
        }
        for (Thread t : loops) {
            t.join();
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("a loop failed (seed " + seed + ")", failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
        System.out.printf("%s stress: %d tasks on 2 loops, %d entered, %d cancelled, most inside %d of %d (seed %d)%n",
                what, 2 * tasksPerLoop, entered.get(), cancels.get(), most.get(), permits, seed);
        assertTrue(most.get() <= permits, "more holders than permits: " + most.get() + " (seed " + seed + ")");
        assertTrue(cancels.get() > 0, "the canceller cancelled nothing: the test tested nothing");
        assertTrue(entered.get() > 0);
    }

    @Test
    void aQueueHammeredWithRandomCancellationDeliversEveryItemOnce() throws Exception {
        AsyncQueue<Integer> q = AsyncQueue.create(8);
        int items = 5_000 * SCALE;
        long seed = System.nanoTime();
        ConcurrentLinkedQueue<Integer> put = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> delivered = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        int[] summary = Async.run(loop -> {
            Random random = new Random(seed);
            List<Task<?>> victims = Collections.synchronizedList(new ArrayList<>());
            List<Task<Void>> putAsyncs = new ArrayList<>();
            List<Integer> putAsyncItems = new ArrayList<>();
            List<Task<Integer>> getAsyncs = new ArrayList<>();
            List<Task<Void>> workers = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Task<Integer> canceller = canceller(loop, victims, stop, seed);
            // thousands of tasks in a random walk of the four kinds of operation, so that getters
            // and putters of both styles pile up, wait, and are cancelled while they wait
            while (next.get() < items) {
                switch (random.nextInt(4)) {
                    case 0 -> {
                        int item = next.getAndIncrement();
                        Task<Void> putting = q.putAsync(item);
                        putAsyncs.add(putting);
                        putAsyncItems.add(item);
                        victims.add(putting);
                    }
                    case 1 -> {
                        Task<Integer> getting = q.getAsync();
                        getAsyncs.add(getting);
                        victims.add(getting);
                    }
                    case 2 -> {
                        Task<Void> producer = loop.createTask(() -> {
                            for (int k = 0; k < 4; k++) {
                                int item = next.getAndIncrement();
                                q.put(item);
                                put.add(item); // put() returned: the item is in
                            }
                            return null;
                        });
                        workers.add(producer);
                        victims.add(producer);
                    }
                    default -> {
                        Task<Void> consumer = loop.createTask(() -> {
                            for (int k = 0; k < 4; k++) {
                                delivered.add(q.get()); // get() returned: the item is ours
                            }
                            return null;
                        });
                        workers.add(consumer);
                        victims.add(consumer);
                    }
                }
                if (random.nextInt(32) == 0) {
                    Async.sleep(Duration.ofMillis(1)); // the canceller and the blocking tasks get a turn
                }
            }
            // wind down: stop the canceller, then cancel whatever still waits
            stop.set(true);
            int cancelled = canceller.join(GENEROUS);
            for (Task<Void> w : workers) {
                w.cancel();
            }
            for (Task<Void> t : putAsyncs) {
                t.cancel();
            }
            for (Task<Integer> g : getAsyncs) {
                g.cancel();
            }
            Async.gatherOutcomes(new ArrayList<>(workers)).join(GENEROUS);
            Async.gatherOutcomes(new ArrayList<>(putAsyncs)).join(GENEROUS);
            Async.gatherOutcomes(new ArrayList<>(getAsyncs)).join(GENEROUS);
            for (int i = 0; i < putAsyncs.size(); i++) {
                if (putAsyncs.get(i).state() == TaskState.SUCCESS) {
                    put.add(putAsyncItems.get(i));
                }
            }
            int servedAsync = 0;
            for (Task<Integer> g : getAsyncs) {
                if (g.state() == TaskState.SUCCESS) {
                    delivered.add(g.resultNow());
                    servedAsync++;
                }
            }
            return new int[] {cancelled, servedAsync, putAsyncs.size(), workers.size()};
        });
        List<Integer> left = new ArrayList<>();
        while (!q.isEmpty()) {
            left.add(q.getNow());
        }
        Map<Integer, Integer> seen = new HashMap<>();
        for (Integer i : delivered) {
            seen.merge(i, 1, Integer::sum);
        }
        for (Integer i : left) {
            seen.merge(i, 1, Integer::sum);
        }
        List<Integer> putList = new ArrayList<>(put);
        System.out.printf("queue stress: %d putAsync tasks and %d blocking tasks; %d items put, %d delivered (%d to getAsync tasks), %d left in the queue, %d tasks cancelled (seed %d)%n",
                summary[2], summary[3], putList.size(), delivered.size(), summary[1], left.size(), summary[0], seed);
        assertEquals(putList.size(), new java.util.HashSet<>(putList).size(), "an item was put twice");
        for (Integer i : putList) {
            Integer times = seen.remove(i);
            if (times == null) {
                fail("item " + i + " was put but neither delivered nor left in the queue (seed " + seed + ")");
            }
            if (times != 1) {
                fail("item " + i + " was delivered " + times + " times (seed " + seed + ")");
            }
        }
        assertTrue(seen.isEmpty(), "delivered but never put: " + seen.keySet());
        assertTrue(summary[0] > 0, "the canceller cancelled nothing: the test tested nothing");
        // every put counted once for join: as many taskDone() as items put, and no more
        for (int i = 0; i < putList.size(); i++) {
            q.taskDone();
        }
        assertThrows(IllegalStateException.class, q::taskDone);
        Async.run(loop -> {
            q.joinAsync().join(Duration.ofSeconds(1));
            return null;
        });
    }

}
