package dev.aio4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import dev.aio4j.TaskFailedException;
import dev.aio4j.kotlin.Flows;
import dev.aio4j.kotlin.Suspend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mixed Java/Kotlin programs with cancellations and failures at random moments: Kotlin services
 * (coroutineScope/async, Mutex, Channel, withTimeout, flowOn, callbackFlow) called from Java task
 * bodies of both styles, in task groups, timeouts, shield and gather, cancelled from outside and by
 * the loop's close. Each round checks that every Kotlin finally ran once, the caller got the right
 * exception, no Flow item was lost or repeated, and no task is left pending. Rounds: -Dmixed.rounds.
 */
class MixedCompositionStressTest {
    static final int ROUNDS = Integer.getInteger("mixed.rounds", 150);
    /** The leak check runs the other cases with fewer rounds. */
    static int roundsNow = ROUNDS;

    static LoopOptions opts(LoopOptions.Threading t) {
        return LoopOptions.defaults().withThreading(t);
    }

    static void checkNoPending(Loop loop) {
        Task<?> self = Async.currentTask();
        for (Task<?> t : loop.allTasks()) {
            if (t != self && !t.isDone()) fail("pending after round: " + t);
        }
    }

    static Throwable root(Throwable e) {
        while (e instanceof TaskFailedException && e.getCause() != null) e = e.getCause();
        return e;
    }

    static void rounds(String name, LoopOptions.Threading t, Consumer<List<String>> round) {
        List<String> failures = new ArrayList<>();
        int rounds = roundsNow;
        for (int i = 0; i < rounds; i++) {
            List<String> f = new ArrayList<>();
            try {
                round.accept(f);
            } catch (Throwable e) {
                java.io.StringWriter sw = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(sw));
                f.add("threw " + sw);
            }
            if (!f.isEmpty()) failures.add("round " + i + ": " + f);
        }
        if (!failures.isEmpty()) {
            fail(name + " " + t + ": " + failures.size() + " of " + rounds + " rounds failed; first: " + failures.get(0)
                    + (failures.size() > 1 ? "\nsecond: " + failures.get(failures.size() - 1) : ""));
        }
    }

    /** Java group with a blocking body joining Kotlin fanOut and an async body calling Kotlin timed, under an outer timeout. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void groupOfKotlinCallsUnderTimeout(LoopOptions.Threading t) {
        rounds("group", t, f -> {
            MixedService svc = new MixedService();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            int failAt = r.nextInt(6); // >= 3: no failure
            long timeoutMs = r.nextInt(8);
            Async.run(opts(t), loop -> {
                try {
                    int v = Async.timeout(Duration.ofMillis(timeoutMs), () -> Async.taskGroup(g -> {
                        Task<Integer> a = g.createTask(() -> Suspend.<Integer>join(c -> svc.fanOut(3, 1, failAt, c)));
                        Task<String> b = g.createTaskAsync(() -> Suspend.<String>call(c -> svc.timed(50, r.nextInt(3), c)));
                        return 1;
                    }));
                    if (failAt < 3) f.add("succeeded although a child failed");
                } catch (AsyncTimeoutException e) {
                    // fine
                } catch (ServiceFailure e) {
                    if (failAt >= 3) f.add("ServiceFailure without failure");
                    if (!e.getMessage().equals("child " + failAt + " failed")) f.add("message " + e.getMessage());
                } catch (Throwable e) {
                    f.add("unexpected " + e);
                }
                checkNoPending(loop);
                if (svc.getStarted().get() != svc.getFinallies().get()) f.add("started " + svc.getStarted() + " finallies " + svc.getFinallies());
                return null;
            });
        });
    }

    /** Suspend.call tasks cancelled at random moments from a callLater; the Kotlin finally runs once; CANCELLED. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void callCancelledAtRandomMoment(LoopOptions.Threading t) {
        rounds("cancel", t, f -> {
            MixedService svc = new MixedService();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            Async.run(opts(t), loop -> {
                List<Task<?>> tasks = new ArrayList<>();
                tasks.add(Suspend.<Integer>call(c -> svc.fanOut(3, 1, -1, c)));
                tasks.add(Suspend.<Integer>call(c -> svc.twoChildren(r.nextInt(3), c)));
                tasks.add(loop.createTask(() -> Suspend.<Integer>join(c -> svc.twoChildren(r.nextInt(3), c))));
                tasks.add(loop.createTask(() -> Suspend.<String>join(c -> svc.timed(r.nextInt(4), r.nextInt(4), c))));
                tasks.add(Async.shield(Suspend.<Integer>call(c -> svc.fanOut(2, 1, -1, c))));
                for (Task<?> task : tasks) {
                    long d = r.nextInt(4);
                    if (d == 0) task.cancel(); else loop.callLater(Duration.ofMillis(d), task::cancel);
                }
                try {
                    Async.gatherOutcomes(tasks).join(Duration.ofSeconds(10));
                } catch (Throwable e) {
                    f.add("gather " + e);
                }
                for (Task<?> task : tasks) {
                    if (!task.isDone()) { f.add("not done " + task); continue; }
                    if (task.outcomeNow() instanceof dev.aio4j.Outcome.Failure<?> fl) {
                        Throwable e = root(fl.exception());
                        if (e != null && !(e instanceof kotlinx.coroutines.TimeoutCancellationException)) f.add("task failed " + task + ": " + e);
                    }
                }
                // shield: the inner call goes on; wait for all tasks of the loop
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (svc.getStarted().get() != svc.getFinallies().get() && System.nanoTime() < deadline) Async.sleep(Duration.ofMillis(1));
                if (svc.getStarted().get() != svc.getFinallies().get()) f.add("started " + svc.getStarted() + " finallies " + svc.getFinallies());
                for (Task<?> task : Set.copyOf(loop.allTasks())) if (task != Async.currentTask()) task.join(Duration.ofSeconds(5));
                checkNoPending(loop);
                return null;
            });
        });
    }

    /** Flows consumed from Java with failures and early exits: a prefix, no duplicates, the original exception. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void flowsConsumedFromJava(LoopOptions.Threading t) {
        rounds("flows", t, f -> {
            MixedService svc = new MixedService();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            int n = 1 + r.nextInt(400);
            int failAt = r.nextBoolean() ? r.nextInt(n) : -1;
            int stopAt = r.nextBoolean() ? 1 + r.nextInt(n) : Integer.MAX_VALUE;
            int mode = r.nextInt(5);
            boolean callbacks = r.nextBoolean();
            Async.run(opts(t), loop -> {
                List<Integer> got = new ArrayList<>();
                Throwable thrown = null;
                var flow = callbacks ? svc.callbacks(n, failAt) : svc.numbers(n, failAt, 1 + r.nextInt(50));
                var it = Flows.asAsyncIterable(flow);
                try {
                    switch (mode) {
                        case 0 -> it.forEach(x -> { got.add(x); if (got.size() >= stopAt) throw new StopEarly(); }).join();
                        case 1 -> loop.createTask(() -> {
                            try (var view = it.blocking()) {
                                for (int x : view) { got.add(x); if (got.size() >= stopAt) break; }
                            }
                            return null;
                        }).join();
                        case 2 -> {
                            var iter = it.take(stopAt == Integer.MAX_VALUE ? n + 5 : stopAt).asyncIterator();
                            try {
                                while (loop.adopt(iter.hasNext()).join()) got.add(iter.next());
                            } finally {
                                loop.adopt(iter.closeAsync()).join();
                            }
                        }
                        case 3 -> {
                            var pub = it.toPublisher();
                            var back = dev.aio4j.stream.AsyncIterable.fromPublisher(pub);
                            back.forEach(x -> { got.add(x); if (got.size() >= stopAt) throw new StopEarly(); }).join();
                        }
                        default -> {
                            try (var view = it.blocking()) {
                                for (int x : view) { got.add(x); if (got.size() >= stopAt) break; }
                            }
                        }
                    }
                } catch (Throwable e) {
                    thrown = root(e);
                }
                int expectedLen = Math.min(failAt < 0 ? n : failAt, stopAt);
                boolean fails = failAt >= 0 && stopAt > failAt;
                // a flowOn upstream runs ahead of the consumer and its failure cancels the collector,
                // possibly before the consumer reached stopAt (as in pure Kotlin)
                if (!callbacks && failAt >= 0 && !fails && root(thrown == null ? new StopEarly() : thrown) instanceof ServiceFailure) fails = true;
                // a producer that runs ahead and fails while the early exit closes it fails the close
                // (documented: what it throws while being closed fails the close); the items are all there
                if (failAt >= 0 && !fails && thrown instanceof ServiceFailure && got.size() == expectedLen) thrown = null;
                for (int i = 0; i < got.size(); i++) if (got.get(i) != i) { f.add("mode " + mode + " item " + i + " is " + got.get(i)); break; }
                if (thrown instanceof StopEarly) thrown = null;
                if (fails) {
                    if (!(thrown instanceof ServiceFailure)) f.add("mode " + mode + " cb " + callbacks + " expected ServiceFailure, got " + thrown + " after " + got.size());
                    // a flowOn upstream's failure cancels the collector's scope: kotlinx drops what its
                    // buffer held (a plain runBlocking collect does too: items lost in 208 of 300 such rounds); a callbackFlow's close(cause) does not
                    else if (callbacks ? got.size() != failAt : got.size() > failAt) f.add("mode " + mode + " got " + got.size() + " before failure at " + failAt);
                } else {
                    if (thrown != null) f.add("mode " + mode + " cb " + callbacks + " unexpected " + thrown);
                    if (got.size() != expectedLen) f.add("mode " + mode + " cb " + callbacks + " got " + got.size() + " expected " + expectedLen + " n " + n + " stop " + stopAt);
                }
                for (Task<?> task : Set.copyOf(loop.allTasks())) if (task != Async.currentTask()) {
                    try { task.join(Duration.ofSeconds(5)); } catch (Throwable ignored) { }
                }
                checkNoPending(loop);
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (svc.getStarted().get() != svc.getFinallies().get() && System.nanoTime() < deadline) Thread.onSpinWait();
                if (svc.getStarted().get() != svc.getFinallies().get()) f.add("mode " + mode + " cb " + callbacks + " started " + svc.getStarted() + " finallies " + svc.getFinallies());
                return null;
            });
        });
    }

    /** The loop closed at a random moment under mixed Java/Kotlin work: every Kotlin finally ran once, nothing left. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void loopClosedUnderMixedWork(LoopOptions.Threading t) {
        rounds("close", t, f -> {
            MixedService svc = new MixedService();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            Loop loop = Async.newLoop(opts(t));
            AtomicInteger javaOpened = new AtomicInteger();
            AtomicInteger javaClosed = new AtomicInteger();
            try {
                loop.runUntilComplete(loop.createTask(() -> {
                    Suspend.call(c -> svc.fanOut(3, 1, -1, c));
                    Suspend.call(c -> svc.twoChildren(2, c));
                    loop.createTask(() -> Suspend.<Integer>join(c -> svc.fanOut(2, 2, -1, c)));
                    loop.createTask(() -> Suspend.<String>join(c -> svc.timed(100, 50, c)));
                    loop.createTask(() -> {
                        javaOpened.incrementAndGet();
                        try (var view = Flows.asAsyncIterable(svc.numbers(100000, -1, 10)).blocking()) {
                            for (int x : view) { if (x < 0) break; }
                        } finally {
                            javaClosed.incrementAndGet();
                        }
                        return null;
                    });
                    Flows.asAsyncIterable(svc.callbacks(100000, -1)).forEach(x -> {});
                    Task<?> it = Flows.asAsyncIterable(svc.numbers(100000, -1, 7)).toList();
                    return null;
                }));
                if (r.nextBoolean()) {
                    int ms = r.nextInt(4);
                    loop.runUntilComplete(loop.createTask(() -> { Async.sleep(Duration.ofMillis(ms)); return null; }));
                }
            } catch (Throwable e) {
                f.add("setup " + e);
            } finally {
                loop.close();
            }
            for (Task<?> task : loop.allTasks()) if (!task.isDone()) f.add("pending after close " + task);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((svc.getStarted().get() != svc.getFinallies().get() || javaOpened.get() != javaClosed.get()) && System.nanoTime() < deadline) Thread.onSpinWait();
            if (svc.getStarted().get() != svc.getFinallies().get()) f.add("kotlin started " + svc.getStarted() + " finallies " + svc.getFinallies());
            if (javaOpened.get() != javaClosed.get()) f.add("java opened " + javaOpened + " closed " + javaClosed);
        });
    }

    /** An aio4j timeout around Suspend.join of a Kotlin withTimeout, both firing at close moments: one right exception, no stray interrupt. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void nestedJavaAndKotlinTimeouts(LoopOptions.Threading t) {
        rounds("timeouts", t, f -> {
            MixedService svc = new MixedService();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            long outer = r.nextInt(4);
            long inner = 1 + r.nextInt(4);
            int how = r.nextInt(3);
            Async.run(opts(t), loop -> {
                try {
                    Async.timeout(Duration.ofMillis(outer), () -> switch (how) {
                        case 0 -> Suspend.<String>join(c -> svc.timed(inner, 100, c));
                        case 1 -> Suspend.<String>call(c -> svc.timed(inner, 100, c)).join();
                        default -> loop.createTask(() -> Suspend.<String>join(c -> svc.timed(inner, 100, c))).join();
                    });
                    f.add("how " + how + " no timeout");
                } catch (AsyncTimeoutException e) {
                    // the outer fired
                } catch (kotlinx.coroutines.TimeoutCancellationException e) {
                    // the inner fired first
                } catch (Throwable e) {
                    f.add("how " + how + " outer " + outer + " inner " + inner + ": " + e);
                }
                if (Thread.currentThread().isInterrupted()) f.add("how " + how + " interrupt left pending");
                try {
                    Async.sleep(Duration.ofMillis(1));
                    loop.createTask(() -> Suspend.<Integer>join(c -> svc.twoChildren(1, c))).join();
                } catch (Throwable e) {
                    f.add("how " + how + " outer " + outer + " inner " + inner + " afterwards: " + e);
                }
                for (Task<?> task : Set.copyOf(loop.allTasks())) if (task != Async.currentTask()) {
                    try { task.join(Duration.ofSeconds(5)); } catch (Throwable ignored) { }
                }
                if (svc.getStarted().get() != svc.getFinallies().get()) f.add("started " + svc.getStarted() + " finallies " + svc.getFinallies());
                return null;
            });
        });
    }

    /** After mixed rounds (groups, cancels, flows, closes) no thread started by them is alive, but kotlinx's and the JDK's shared pools. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void noThreadLeftAfterMixedRounds(LoopOptions.Threading t) throws Exception {
        roundsNow = Math.max(1, ROUNDS / 4);
        Set<Thread> before;
        try {
            groupOfKotlinCallsUnderTimeout(t); // the shared pools start
            flowsConsumedFromJava(t);
            before = Thread.getAllStackTraces().keySet();
            groupOfKotlinCallsUnderTimeout(t);
            callCancelledAtRandomMoment(t);
            flowsConsumedFromJava(t);
            loopClosedUnderMixedWork(t);
        } finally {
            roundsNow = ROUNDS;
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> left;
        do {
            left = new ArrayList<>();
            for (Thread th : Thread.getAllStackTraces().keySet()) {
                if (before.contains(th) || !th.isAlive()) continue;
                String n = th.getName();
                if (n.startsWith("DefaultDispatcher-worker") || n.startsWith("ForkJoinPool") || n.startsWith("kotlinx.coroutines.DefaultExecutor")) continue;
                left.add(n);
            }
            if (left.isEmpty()) break;
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        if (!left.isEmpty()) fail("threads left alive: " + left);
    }

    static final class StopEarly extends RuntimeException {}
}
