package dev.aio4j.sync;

import static dev.aio4j.sync.CancelRaceSupport.outcome;
import static dev.aio4j.sync.CancelRaceSupport.spinMicros;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Permits and items counted across many waits that deadlines, cancels (Task.cancel, the
 * CompletableFuture view's cancel(true)), task-group failures and loop closes end while grants
 * race them: a bounded semaphore ends with all its permits and is never over-released; every item
 * whose put reported success is got once or left in the queue, and no other.
 */
@Timeout(180)
class ConservationUnderCancellationTest {

    private static LoopOptions options(Threading threading) {
        return LoopOptions.defaults().withThreading(threading);
    }

    /**
     * 25 tasks per round on a bounded semaphore of 3, each taking a permit one way (blocking
     * acquire or withPermit under Async.timeout, withPermit in Async.toThread, waitFor over
     * acquireAsync or withPermitAsync),
     * holding it a little and releasing it; the main task cancels a random third of them at random
     * moments, some through the view. At the end: 3 permits, never more than 3 holders, no
     * release too many.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aBoundedSemaphoreKeepsItsPermits(Threading threading) {
        List<String> bad = new ArrayList<>();
        int rounds = 60;
        Async.run(options(threading), loop -> {
            Random random = new Random(5);
            for (int round = 0; round < rounds; round++) {
                AsyncSemaphore sem = AsyncSemaphore.bounded(3);
                AtomicInteger holders = new AtomicInteger();
                AtomicInteger maxHolders = new AtomicInteger();
                ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
                Runnable hold = () -> {
                    int h = holders.incrementAndGet();
                    maxHolders.accumulateAndGet(h, Math::max);
                    spinMicros(20);
                    holders.decrementAndGet();
                };
                List<Task<?>> tasks = new ArrayList<>();
                for (int i = 0; i < 25; i++) {
                    Duration d = Duration.ofNanos((30 + random.nextInt(300)) * 1000L);
                    switch (i % 5) {
                        case 0 -> tasks.add(loop.createTask(() -> {
                            try {
                                Async.timeout(d, () -> {
                                    sem.acquire();
                                    try {
                                        hold.run();
                                    } finally {
                                        sem.release();
                                    }
                                    return null;
                                });
                            } catch (AsyncTimeoutException e) {
                                // fine
                            }
                            return null;
                        }));
                        case 1 -> tasks.add(loop.createTask(() -> {
                            try {
                                Async.timeout(d, () -> sem.withPermit(() -> {
                                    hold.run();
                                    return null;
                                }));
                            } catch (AsyncTimeoutException e) {
                                // fine
                            }
                            return null;
                        }));
                        case 2 -> tasks.add(loop.createTaskAsync(() -> Async.waitFor(sem.acquireAsync(), d).handle((v, e) -> {
                            if (e == null) {
                                hold.run();
                                sem.release();
                            } else if (!(e instanceof AsyncTimeoutException) && !(e instanceof java.util.concurrent.CancellationException)) {
                                errors.add("waitFor(acquireAsync) failed " + e);
                            }
                            return null;
                        })));
                        case 3 -> tasks.add(Async.toThread(() -> { // a thread of no task: a plain interrupt
                            sem.withPermit(() -> {
                                hold.run();
                                return null;
                            });
                            return null;
                        }));
                        default -> tasks.add(Async.waitFor(sem.withPermitAsync(() -> {
                            hold.run();
                            return CompletableFuture.completedFuture(null);
                        }), d));
                    }
                }
                for (int k = 0; k < 8; k++) {
                    spinMicros(random.nextInt(100));
                    Task<?> victim = tasks.get(random.nextInt(tasks.size()));
                    if (random.nextBoolean()) {
                        victim.cancel();
                    } else {
                        victim.toCompletableFuture().cancel(true);
                    }
                }
                for (Task<?> t : tasks) {
                    String o = outcome(t);
                    if (o.startsWith("HUNG") || o.startsWith("failed") && !o.contains("AsyncTimeoutException")) {
                        errors.add(t.name() + " " + o);
                    }
                }
                Async.sleep(Duration.ofMillis(1));
                int permits = sem.availablePermits();
                boolean overReleased = false;
                try {
                    sem.release();
                    overReleased = true;
                } catch (IllegalStateException expected) {
                    // bounded: all 3 are free
                }
                if (permits != 3 || overReleased || maxHolders.get() > 3 || !errors.isEmpty()) {
                    bad.add("round " + round + ": permits " + permits + ", extra release accepted " + overReleased
                            + ", max holders " + maxHolders.get() + ", " + errors);
                }
            }
            return null;
        });
        CancelRaceSupport.assertNoBadRound(bad, rounds);
    }

    /**
     * Producers put 0..n-1 on a queue of 2 under deadlines (waitFor(putAsync), put under
     * Async.timeout), retrying each item until its put reports success; consumers get under
     * deadlines and some are cancelled. Every item is then got exactly once or left in the queue.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void everyItemPutIsGotOnceOrLeftUnderDeadlines(Threading threading) {
        int n = 600;
        ConcurrentHashMap<Integer, Integer> got = new ConcurrentHashMap<>();
        List<Integer> left = Collections.synchronizedList(new ArrayList<>());
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        Async.run(options(threading), loop -> {
            AsyncQueue<Integer> q = AsyncQueue.create(2);
            AtomicInteger nextItem = new AtomicInteger();
            List<Task<?>> producers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                boolean blocking = p == 0;
                producers.add(loop.createTask(() -> {
                    Random random = new Random(blocking ? 6 : 7);
                    for (int item = nextItem.getAndIncrement(); item < n; item = nextItem.getAndIncrement()) {
                        boolean put = false;
                        while (!put) {
                            Duration d = Duration.ofNanos((10 + random.nextInt(150)) * 1000L);
                            int it = item;
                            if (blocking) {
                                try {
                                    Async.timeout(d, () -> {
                                        q.put(it);
                                        return null;
                                    });
                                    put = true;
                                } catch (AsyncTimeoutException e) {
                                    // retry
                                }
                            } else {
                                String o = outcome(Async.waitFor(q.putAsync(it), d));
                                if (o.equals("ok:null")) {
                                    put = true;
                                } else if (!o.equals("timeout")) {
                                    errors.add("putAsync of " + it + " ended " + o);
                                    put = true;
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<Task<?>> consumers = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                int kind = c;
                consumers.add(loop.createTask(() -> {
                    Random random = new Random(10 + kind);
                    while (!stop.get()) {
                        Duration d = Duration.ofNanos((10 + random.nextInt(150)) * 1000L);
                        try {
                            if (kind == 0) {
                                Async.timeout(d, () -> {
                                    int x = q.get();
                                    record(got, errors, x);
                                    return null;
                                });
                            } else {
                                Task<Integer> g = Async.waitFor(q.getAsync(), d);
                                if (kind == 2 && random.nextInt(4) == 0) {
                                    spinMicros(random.nextInt(50));
                                    g.cancel();
                                }
                                String o = outcome(g);
                                if (o.startsWith("ok:")) {
                                    record(got, errors, Integer.parseInt(o.substring(3)));
                                } else if (!o.equals("timeout") && !o.equals("cancelled")) {
                                    errors.add("waitFor(getAsync) ended " + o);
                                }
                            }
                        } catch (AsyncTimeoutException e) {
                            // again
                        }
                    }
                    return null;
                }));
            }
            for (Task<?> p : producers) {
                p.join();
            }
            Async.sleep(Duration.ofMillis(50));
            stop.set(true);
            for (Task<?> c : consumers) {
                String o = outcome(c);
                if (!o.equals("ok:null")) {
                    errors.add("consumer ended " + o);
                }
            }
            while (!q.isEmpty()) {
                left.add(q.getNow());
            }
            return null;
        });
        List<String> problems = new ArrayList<>(errors);
        for (int i = 0; i < n; i++) {
            int times = got.getOrDefault(i, 0) + Collections.frequency(left, i);
            if (times != 1) {
                problems.add("item " + i + " delivered or left " + times + " times (got " + got.getOrDefault(i, 0) + ")");
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " problems of " + n + " items: "
                + String.join("\n  ", problems.subList(0, Math.min(8, problems.size()))));
    }

    private static void record(ConcurrentHashMap<Integer, Integer> got, List<String> errors, int x) {
        if (got.merge(x, 1, Integer::sum) > 1) {
            errors.add("item " + x + " got twice");
        }
    }

    /**
     * A task group whose member fails while siblings wait for a permit (blocking and non-blocking)
     * that the main task releases at that moment: the permits all come back.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aTaskGroupFailureRacingTheReleaseLosesNoPermit(Threading threading) {
        List<String> bad = new ArrayList<>();
        int rounds = 200;
        Async.run(options(threading), loop -> {
            Random random = new Random(8);
            for (int round = 0; round < rounds; round++) {
                AsyncSemaphore sem = AsyncSemaphore.bounded(2);
                sem.acquire();
                sem.acquire();
                long failAfter = random.nextInt(300);
                long releaseAfter = random.nextInt(300);
                Task<String> group = loop.createTask(() -> {
                    try {
                        Async.taskGroup(g -> {
                            g.createTask(() -> sem.withPermit(() -> null));
                            g.createTask(() -> {
                                sem.acquire();
                                sem.release();
                                return null;
                            });
                            g.createTaskAsync(() -> sem.withPermitAsync(() -> CompletableFuture.completedFuture(null)));
                            g.createTaskAsync(() -> sem.acquireAsync().thenRun(sem::release));
                            g.createTask(() -> {
                                spinMicros(failAfter);
                                throw new IllegalStateException("boom");
                            });
                            return null;
                        });
                        return "done";
                    } catch (IllegalStateException e) {
                        return "boom";
                    } catch (RuntimeException e) {
                        return "other " + e;
                    }
                });
                spinMicros(releaseAfter);
                sem.release();
                sem.release();
                String o = outcome(group);
                Async.sleep(Duration.ofMillis(1));
                int permits = sem.availablePermits();
                if (!o.equals("ok:boom") || permits != 2) {
                    bad.add("round " + round + ": group " + o + ", permits after " + permits);
                }
            }
            return null;
        });
        CancelRaceSupport.assertNoBadRound(bad, rounds);
    }

    /**
     * A semaphore shared by two loops: loop A's run ends (its waiters are cancelled by the close)
     * while a thread of no loop releases permits at that moment. The permits all come back, and
     * Async.run returns with nothing left running.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aLoopClosingWhileItsWaitersAreServedLosesNoPermit(Threading threading) throws Exception {
        List<String> bad = new ArrayList<>();
        int rounds = 150;
        Random random = new Random(9);
        for (int round = 0; round < rounds; round++) {
            AsyncSemaphore sem = AsyncSemaphore.bounded(4);
            for (int i = 0; i < 4; i++) {
                if (!sem.tryAcquire()) {
                    throw new AssertionError();
                }
            }
            long releaseAfter = random.nextInt(200);
            AtomicInteger waiting = new AtomicInteger();
            Thread releaser = new Thread(() -> {
                CancelRaceSupport.until(() -> waiting.get() == 4);
                spinMicros(releaseAfter);
                for (int i = 0; i < 4; i++) {
                    sem.release();
                }
            });
            releaser.start();
            List<Task<?>> left = new ArrayList<>();
            Async.run(options(threading), loop -> {
                left.add(loop.createTaskAsync(() -> sem.withPermitAsync(() -> CompletableFuture.completedFuture(null))));
                left.add(loop.createTaskAsync(() -> sem.acquireAsync().thenRun(sem::release)));
                left.add(loop.createTask(() -> sem.withPermit(() -> null)));
                left.add(loop.createTask(() -> {
                    sem.acquire();
                    sem.release();
                    return null;
                }));
                Async.sleep(Duration.ofMillis(1));
                waiting.set(4);
                spinMicros(100);
                return null; // the run ends: the waiters still waiting are cancelled
            });
            releaser.join();
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (sem.availablePermits() != 4 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            StringBuilder states = new StringBuilder();
            for (Task<?> t : left) {
                states.append(t.state()).append(' ');
            }
            if (sem.availablePermits() != 4 || states.toString().contains("RUNNING") || states.toString().contains("PENDING")) {
                bad.add("round " + round + ": permits " + sem.availablePermits() + ", tasks " + states);
            }
        }
        CancelRaceSupport.assertNoBadRound(bad, rounds);
    }

    /**
     * A queue shared by two loops: loop A's run ends while its getAsync waiters (and blocking gets)
     * are served by a thread of no loop putting items at that moment. Every item is then in a
     * successful get's result or still in the queue, once.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aLoopClosingWhileItsGettersAreServedLosesNoItem(Threading threading) throws Exception {
        List<String> bad = new ArrayList<>();
        int rounds = 150;
        Random random = new Random(11);
        for (int round = 0; round < rounds; round++) {
            AsyncQueue<Integer> q = random.nextBoolean() ? AsyncQueue.create() : AsyncQueue.lifo(0);
            long putAfter = random.nextInt(200);
            AtomicInteger waiting = new AtomicInteger();
            ConcurrentLinkedQueue<Integer> gotByBlocking = new ConcurrentLinkedQueue<>();
            Thread putter = new Thread(() -> {
                CancelRaceSupport.until(() -> waiting.get() == 1);
                spinMicros(putAfter);
                for (int i = 0; i < 6; i++) {
                    q.putNow(i);
                }
            });
            putter.start();
            List<Task<Integer>> getters = new ArrayList<>();
            Async.run(options(threading), loop -> {
                for (int i = 0; i < 4; i++) {
                    getters.add(q.getAsync());
                }
                for (int i = 0; i < 2; i++) {
                    loop.createTask(() -> {
                        gotByBlocking.add(q.get()); // recorded in the body: rule 21 lets a task cancelled at its return drop its result
                        return null;
                    });
                }
                Async.sleep(Duration.ofMillis(1));
                waiting.set(1);
                spinMicros(100);
                return null;
            });
            putter.join();
            List<Integer> seen = new ArrayList<>(gotByBlocking);
            StringBuilder states = new StringBuilder();
            for (Task<Integer> g : getters) {
                states.append(g.state()).append(' ');
                if (g.state() == dev.aio4j.TaskState.SUCCESS) {
                    seen.add(g.resultNow());
                }
            }
            while (!q.isEmpty()) {
                seen.add(q.getNow());
            }
            Collections.sort(seen);
            if (!seen.equals(List.of(0, 1, 2, 3, 4, 5)) || states.toString().contains("RUNNING")) {
                bad.add("round " + round + ": got or left " + seen + ", getAsync tasks " + states);
            }
        }
        CancelRaceSupport.assertNoBadRound(bad, rounds);
    }

    /**
     * A condition shared by a loop and a thread of no loop: the loop's run ends while two of its
     * tasks wait on the condition (withLockAsync around awaitAsync) and another thread signals once
     * at that moment; a third waiter, a thread of no loop that waits last, must be woken unless one
     * of the loop's waiters returned normally with that signal. The lock ends free.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aLoopClosingWhileItsConditionWaitersAreSignalledLosesNoWakeUp(Threading threading) throws Exception {
        List<String> bad = new ArrayList<>();
        int rounds = 150;
        int[] loopWaiterWoke = new int[1];
        Random random = new Random(13);
        for (int round = 0; round < rounds; round++) {
            dev.aio4j.sync.AsyncCondition cond = dev.aio4j.sync.AsyncCondition.create();
            long signalAfter = random.nextInt(200);
            AtomicInteger waiting = new AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
            Thread stayer = new Thread(() -> {
                CancelRaceSupport.until(() -> waiting.get() == 2);
                cond.withLock(() -> {
                    waiting.incrementAndGet();
                    cond.await();
                });
            });
            stayer.setDaemon(true);
            stayer.start();
            Thread signaller = new Thread(() -> {
                CancelRaceSupport.until(closing::get);
                spinMicros(signalAfter);
                cond.withLock(() -> cond.signal());
            });
            signaller.start();
            List<Task<?>> loopWaiters = new ArrayList<>();
            Async.run(options(threading), loop -> {
                for (int i = 0; i < 2; i++) {
                    loopWaiters.add(cond.withLockAsync(() -> {
                        waiting.incrementAndGet();
                        return cond.awaitAsync();
                    }));
                    Async.sleep(Duration.ofMillis(1));
                }
                CancelRaceSupport.until(() -> waiting.get() == 3);
                Async.sleep(Duration.ofMillis(1)); // the stayer waits, last
                closing.set(true);
                spinMicros(100);
                return null;
            });
            signaller.join();
            boolean aLoopWaiterWoke = false;
            StringBuilder states = new StringBuilder();
            for (Task<?> t : loopWaiters) {
                states.append(t.state()).append(' ');
                aLoopWaiterWoke |= t.state() == dev.aio4j.TaskState.SUCCESS;
            }
            if (aLoopWaiterWoke) {
                loopWaiterWoke[0]++;
            } else {
                stayer.join(2_000); // the signal went to it, or comes back to it from a loop waiter that ended cancelled
            }
            boolean stayerWoke = !stayer.isAlive();
            if (!stayerWoke) {
                cond.withLock(() -> cond.signalAll());
                stayer.join(5_000);
            }
            if (!aLoopWaiterWoke && !stayerWoke || cond.isLocked() || states.toString().contains("RUNNING")) {
                bad.add("round " + round + ": loop's waiters " + states + ", the stayer " + (stayerWoke ? "woken" : "not woken")
                        + ", lock " + (cond.isLocked() ? "held" : "free"));
            }
        }
        System.out.println("condition at loop close, " + threading + ": a loop waiter woke in " + loopWaiterWoke[0] + " of " + rounds);
        CancelRaceSupport.assertNoBadRound(bad, rounds);
    }

    /**
     * A task group whose member fails while its siblings wait for items (blocking get, getAsync
     * followed by a function, waitFor over getAsync) that the main task puts at that moment: every
     * item is recorded by a getter once or left in the queue.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aTaskGroupFailureRacingThePutsLosesNoItem(Threading threading) {
        List<String> bad = new ArrayList<>();
        int rounds = 200;
        Async.run(options(threading), loop -> {
            Random random = new Random(14);
            for (int round = 0; round < rounds; round++) {
                AsyncQueue<Integer> q = AsyncQueue.create();
                ConcurrentLinkedQueue<Integer> got = new ConcurrentLinkedQueue<>();
                long failAfter = random.nextInt(300);
                Task<String> group = loop.createTask(() -> {
                    try {
                        Async.taskGroup(g -> {
                            g.createTask(() -> {
                                got.add(q.get());
                            });
                            g.createTaskAsync(() -> q.getAsync().thenAccept(got::add));
                            g.createTaskAsync(() -> Async.waitFor(q.getAsync(), Duration.ofSeconds(30)).thenAccept(got::add));
                            g.createTask(() -> {
                                spinMicros(failAfter);
                                throw new IllegalStateException("boom");
                            });
                            return null;
                        });
                        return "done";
                    } catch (IllegalStateException e) {
                        return "boom";
                    }
                });
                spinMicros(random.nextInt(300));
                q.putNow(1);
                q.putNow(2);
                q.putNow(3);
                String o = outcome(group);
                List<Integer> seen = new ArrayList<>(got);
                while (!q.isEmpty()) {
                    seen.add(q.getNow());
                }
                Collections.sort(seen);
                if (!o.equals("ok:boom") || !seen.equals(List.of(1, 2, 3))) {
                    bad.add("round " + round + ": group " + o + ", got or left " + seen);
                }
            }
            return null;
        });
        CancelRaceSupport.assertNoBadRound(bad, rounds);
    }
}
