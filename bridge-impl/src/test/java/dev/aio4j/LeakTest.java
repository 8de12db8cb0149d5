package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import kotlinx.coroutines.debug.CoroutineInfo;
import kotlinx.coroutines.debug.DebugProbes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nothing outlives {@link Async#run}: no task of the run, no platform thread {@code aio4j-*}, no
 * coroutine (kotlinx-coroutines-debug's {@link DebugProbes} sees every coroutine created while it
 * is installed).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ExtendWith(NoStrayInterrupt.class)
class LeakTest {
    private static final boolean VIRTUAL_THREADS = Runtime.version().feature() >= 21;

    @BeforeAll
    static void installProbes() {
        DebugProbes.INSTANCE.setEnableCreationStackTraces(false);
        DebugProbes.INSTANCE.install();
    }

    @AfterAll
    static void uninstallProbes() {
        DebugProbes.INSTANCE.uninstall();
    }

    /** An async iteration that never yields: its forEach is a coroutine suspended for good. */
    private static AsyncIterable<String> endless(AtomicBoolean closed) {
        return () -> new AsyncIterator<>() {
            @Override
            public CompletionStage<Boolean> hasNext() {
                return new CompletableFuture<>(); // never completes
            }

            @Override
            public String next() {
                throw new AssertionError("hasNext never said yes");
            }

            @Override
            public CompletionStage<Void> closeAsync() {
                closed.set(true);
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    private static boolean isVirtual(Thread t) {
        try {
            return (Boolean) Thread.class.getMethod("isVirtual").invoke(t);
        } catch (ReflectiveOperationException e) {
            return false; // JDK 17-20
        }
    }

    private static Set<Thread> aio4jThreads() {
        Set<Thread> found = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("aio4j-") && t.isAlive()) found.add(t);
        }
        return found;
    }

    /**
     * Starts many kinds of task, adds them to {@code tasks} (thread-safe: a task group's body,
     * called in a later step of the loop, adds its child), and leaves them pending when main returns.
     */
    private static void startEverything(Loop loop, List<Task<?>> tasks, Thread[] threads, AtomicBoolean iteratorClosed, ExecutorService userPool)
            throws Exception {
        CountDownLatch started = new CountDownLatch(3);
        tasks.add(loop.createTask("blocking", () -> {
            threads[0] = Thread.currentThread();
            started.countDown();
            Async.sleep(Duration.ofMinutes(1));
            return "not cancelled";
        }));
        tasks.add(Async.toThread(() -> {
            threads[1] = Thread.currentThread();
            started.countDown();
            Thread.sleep(60_000);
            return "not interrupted";
        }));
        tasks.add(loop.runInExecutor(userPool, () -> {
            started.countDown();
            Thread.sleep(60_000);
            return "not interrupted";
        }));
        tasks.add(loop.createTaskAsync(() -> new CompletableFuture<String>()));
        tasks.add(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMinutes(1))));
        tasks.add(Async.sleepAsync(Duration.ofMinutes(1)));
        tasks.add(loop.createPromise());
        tasks.add(loop.adopt(new CompletableFuture<String>()));
        Promise<String> never = loop.createPromise();
        tasks.add(Async.gather(never, loop.createPromise()));
        tasks.add(Async.waitFor(never, Duration.ofMinutes(1)));
        tasks.add(Async.shield(never));
        tasks.add(Async.taskGroupAsync(g -> {
            tasks.add(g.createTask(() -> {
                Async.sleep(Duration.ofMinutes(1));
                return "group child";
            }));
            return new CompletableFuture<String>();
        }));
        tasks.add(endless(iteratorClosed).forEach(s -> {}));
        started.await();
    }

    @Test
    void noTaskThreadOrCoroutineOfTheRunOutlivesIt() throws Exception {
        Set<Thread> before = aio4jThreads();
        Thread[] threads = new Thread[2]; // blocking, to_thread: written before the latch the main task awaits
        List<Task<?>> tasks = new CopyOnWriteArrayList<>();
        AtomicBoolean iteratorClosed = new AtomicBoolean();
        AtomicInteger coroutinesDuringRun = new AtomicInteger();
        ExecutorService userPool = Executors.newCachedThreadPool();
        try {
            Async.run(loop -> {
                startEverything(loop, tasks, threads, iteratorClosed, userPool);
                Async.sleepAsync(Duration.ofMillis(5)).join(); // the non-blocking bodies have run
                coroutinesDuringRun.set(DebugProbes.INSTANCE.dumpCoroutinesInfo().size());
                Set<Task<?>> all = loop.allTasks();
                for (Task<?> t : tasks) assertTrue(all.contains(t), t + " missing from allTasks()");
                return null;
            });
        } finally {
            userPool.shutdownNow();
        }

        // tasks
        assertTrue(tasks.size() >= 14, tasks.toString());
        for (Task<?> t : tasks) assertTrue(t.isDone(), t + " outlived the run");
        assertTrue(iteratorClosed.get(), "the cancelled forEach did not close its iterator");

        // coroutines: the probes saw the forEach coroutine during the run, and none after
        assertTrue(coroutinesDuringRun.get() >= 1, "DebugProbes saw no coroutine during the run: the check below would prove nothing");
        List<CoroutineInfo> alive = DebugProbes.INSTANCE.dumpCoroutinesInfo();
        assertEquals(List.of(), alive, "coroutines outlived the run");

        // threads: the ones the bodies ran on have ended, and no new aio4j-* platform thread is alive
        Thread toThread = threads[1];
        assertTrue(toThread.getName().startsWith("aio4j-loop-") && toThread.getName().contains("-to-thread-"), toThread.getName());
        Thread blocking = threads[0];
        if (VIRTUAL_THREADS) {
            assertTrue(isVirtual(blocking), "JDK 21+: a blocking body runs on a virtual thread: " + blocking);
        } else {
            assertFalse(isVirtual(blocking));
            assertTrue(blocking.getName().startsWith("aio4j-loop-") && blocking.getName().contains("-task-"),
                    "JDK 17: a blocking body runs on the loop's platform pool, its name restored after the body: " + blocking.getName());
        }
        for (Thread t : threads) Expect.join(t); // bounded: a leaked pool thread would idle for 30 s
        Set<Thread> after = aio4jThreads();
        after.removeAll(before);
        for (Thread t : after) Expect.join(t);
        assertEquals(Set.of(), aio4jThreads().stream().filter(t -> !before.contains(t)).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void noCoroutineOutlivesARunOnTheDefaultDispatcher() {
        AtomicBoolean iteratorClosed = new AtomicBoolean();
        AtomicInteger during = new AtomicInteger();
        Async.run(LoopOptions.defaults().withThreading(LoopOptions.Threading.DEFAULT_DISPATCHER), loop -> {
            Task<Void> walk = endless(iteratorClosed).forEach(s -> {});
            Async.sleepAsync(Duration.ofMillis(5)).join();
            during.set(DebugProbes.INSTANCE.dumpCoroutinesInfo().size());
            assertFalse(walk.isDone());
            return null;
        });
        assertTrue(during.get() >= 1);
        assertTrue(iteratorClosed.get());
        assertEquals(List.of(), DebugProbes.INSTANCE.dumpCoroutinesInfo());
    }

    @Test
    void aCompletedCoroutineLeavesNothingEither() {
        Async.runAsync(loop -> {
            List<String> seen = new ArrayList<>();
            AsyncIterable<String> three = () -> new AsyncIterator<>() {
                int left = 3;

                @Override
                public CompletionStage<Boolean> hasNext() {
                    return Async.sleepAsync(Duration.ZERO).thenApply(v -> left > 0);
                }

                @Override
                public String next() {
                    return "item-" + left--;
                }
            };
            return three.forEach(seen::add).thenApply(v -> seen);
        });
        assertEquals(List.of(), DebugProbes.INSTANCE.dumpCoroutinesInfo());
    }

    @Test
    void repeatedRunsDoNotAccumulateThreads() {
        Set<Thread> before = aio4jThreads();
        for (int i = 0; i < 10; i++) {
            int n = i;
            int r = Async.run(loop -> Async.toThread(() -> n).join() + loop.createTask(() -> 0).join());
            assertEquals(n, r);
        }
        Set<Thread> after = aio4jThreads();
        after.removeAll(before);
        for (Thread t : after) Expect.join(t);
    }

    @Test
    void noPoolThreadOfARunIsAliveWhenItReturns() {
        // Before (found from outside, 2026-12-05): a pool thread (to_thread's, and on JDK 17 the
        // blocking tasks') could still be in Thread.exit when Async.run returned: 10 of 3,000 runs
        // on JDK 17 (-Dleak.runs=3000), 0 after
        Set<Thread> before = aio4jThreads();
        int runs = Integer.getInteger("leak.runs", 1_000);
        int runsWithOneAlive = 0;
        String seen = "";
        for (int i = 0; i < runs; i++) {
            try {
                Async.run(loop -> {
                    loop.createTask(() -> {
                        Thread.sleep(60_000);
                        return 1;
                    });
                    Async.toThread(() -> {
                        Thread.sleep(60_000);
                        return 1;
                    });
                    Async.sleep(Duration.ofMillis(1));
                    throw new IllegalStateException("main failed, with work pending");
                });
            } catch (IllegalStateException expected) {
                // main's failure
            }
            Set<Thread> alive = aio4jThreads();
            alive.removeAll(before);
            if (!alive.isEmpty()) {
                runsWithOneAlive++;
                seen = alive.toString();
                before.addAll(alive);
            }
        }
        assertEquals(0, runsWithOneAlive, runsWithOneAlive + " of " + runs + " runs returned with a thread of theirs alive: " + seen);
    }
}
