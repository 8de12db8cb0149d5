package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncCondition;
import dev.aio4j.sync.AsyncEvent;
import dev.aio4j.sync.AsyncLock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bounded buffer made of an AsyncLock and an AsyncCondition, producers and consumers of both
 * body styles behind a start AsyncEvent, each put/take inside a short timeout and retried when it
 * times out, the whole group cancelled from another thread at a random moment. A put or take that
 * timed out must not have happened (retrying it would duplicate the item); one that happened
 * must not time out. The lock is free at the end and the items are conserved.
 */
class ConditionBufferTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 120);
    static final int PER_PRODUCER = 25;

    static final class State {
        final AsyncLock lock = AsyncLock.create();
        final AsyncCondition cond = AsyncCondition.create(lock);
        final AsyncEvent start = AsyncEvent.create();
        final ArrayDeque<Integer> buf = new ArrayDeque<>(); // guarded by lock
        final Set<Integer> produced = ConcurrentHashMap.newKeySet();
        final Set<Integer> consumed = ConcurrentHashMap.newKeySet();
        final List<String> dup = new ArrayList<>();
        final AtomicInteger timeouts = new AtomicInteger(), effectThenTimeout = new AtomicInteger();
        int total;
        boolean finished; // guarded by lock

        void add(int x) {
            if (!produced.add(x)) synchronized (dup) { dup.add("put twice " + x); }
            buf.add(x);
            cond.signalAll();
        }

        void take() {
            int x = buf.poll();
            if (!consumed.add(x)) synchronized (dup) { dup.add("taken twice " + x); }
            if (consumed.size() == total) finished = true;
            cond.signalAll();
        }
    }

    static Duration shortTimeout() {
        return Duration.ofNanos(ThreadLocalRandom.current().nextLong(50_000, 2_000_000));
    }

    static void producerBlocking(State s, int p) {
        s.start.await();
        for (int i = 0; i < PER_PRODUCER; i++) {
            int x = p * 1000 + i;
            while (true) {
                try {
                    Async.timeout(shortTimeout(), () -> {
                        s.lock.withLock(() -> {
                            s.cond.awaitUntil(() -> s.buf.size() < 2);
                            s.add(x);
                        });
                        return null;
                    });
                    break;
                } catch (AsyncTimeoutException e) {
                    s.timeouts.incrementAndGet();
                }
            }
        }
    }

    static void consumerBlocking(State s) {
        s.start.await();
        while (true) {
            try {
                boolean more = Async.timeout(shortTimeout(), () -> s.lock.withLock(() -> {
                    s.cond.awaitUntil(() -> !s.buf.isEmpty() || s.finished);
                    if (s.buf.isEmpty()) return false;
                    s.take();
                    return true;
                }));
                if (!more) return;
            } catch (AsyncTimeoutException e) {
                s.timeouts.incrementAndGet();
            }
        }
    }

    /** Runs {@code op} under the lock once the predicate holds; the lock is released however it ends. */
    static <T> CompletionStage<T> underLockWhen(State s, java.util.function.BooleanSupplier pred, java.util.function.Supplier<T> op) {
        return s.lock.acquireAsync().thenCompose(v -> {
            Task<Void> w;
            try {
                w = s.cond.awaitUntilAsync(pred);
            } catch (Throwable t) {
                s.lock.release();
                throw t;
            }
            return w.handle((x, e) -> {
                try {
                    if (e != null) {
                        if (e instanceof RuntimeException re) throw re;
                        throw new AssertionError(e);
                    }
                    return op.get();
                } finally {
                    s.lock.release();
                }
            });
        });
    }

    /**
     * Retries {@code op} each time its timeout passes. exceptionallyCompose, not
     * handle(...).thenCompose(x -> x): a handle whose input is done runs its function even when a
     * cancellation comes first and then ends cancelled, so the stage it returned (the retry) would
     * be left running, awaited by nobody.
     */
    static <T> CompletionStage<T> retrying(State s, java.util.function.Supplier<CompletionStage<T>> op) {
        return Async.<T>timeoutAsync(shortTimeout(), op::get)
                .exceptionallyCompose(e -> {
                    if (e instanceof AsyncTimeoutException) {
                        s.timeouts.incrementAndGet();
                        return retrying(s, op);
                    }
                    if (e instanceof RuntimeException re) throw re;
                    throw new AssertionError(e);
                });
    }

    /** A put under a non-blocking timeout may have taken effect although the timeout was reported (see the report): the retry skips it then. */
    static void addOnce(State s, int x) {
        if (s.produced.contains(x)) { s.effectThenTimeout.incrementAndGet(); s.cond.signalAll(); return; }
        s.add(x);
    }

    static CompletionStage<Void> producerAsync(State s, int p, int i) {
        if (i == PER_PRODUCER) return CompletableFuture.completedFuture(null);
        int x = p * 1000 + i;
        return retrying(s, () -> underLockWhen(s, () -> s.buf.size() < 2, () -> { addOnce(s, x); return null; }))
                .thenCompose(v -> producerAsync(s, p, i + 1));
    }

    static CompletionStage<Void> consumerAsync(State s) {
        return retrying(s, () -> underLockWhen(s, () -> !s.buf.isEmpty() || s.finished, () -> {
            if (s.buf.isEmpty()) return false;
            s.take();
            return true;
        })).thenCompose(more -> more ? consumerAsync(s) : CompletableFuture.completedFuture(null));
    }

    @ParameterizedTest
    @CsvSource({"SINGLE_THREAD,BLOCKING", "SINGLE_THREAD,ASYNC", "SINGLE_THREAD,MIXED",
            "DEFAULT_DISPATCHER,BLOCKING", "DEFAULT_DISPATCHER,ASYNC", "DEFAULT_DISPATCHER,MIXED"})
    void buffer(LoopOptions.Threading threading, String style) throws Exception {
        List<String> failures = new ArrayList<>();
        int completed = 0, cancelled = 0, timeouts = 0, effectThenTimeout = 0;
        for (int round = 0; round < ROUNDS; round++) {
            State s = new State();
            s.total = 3 * PER_PRODUCER;
            Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            List<String> reported = new ArrayList<>();
            loop.setExceptionHandler((l, ctx) -> { synchronized (reported) { reported.add(ctx.message() + " " + ctx.exception()); } });
            Task<Void> t = loop.createTaskAsync(() -> Async.taskGroupAsync(g -> {
                for (int k = 0; k < 3; k++) {
                    int p = k;
                    boolean async = style.equals("ASYNC") || (style.equals("MIXED") && k % 2 == 0);
                    if (async) {
                        g.createTaskAsync(() -> s.start.awaitAsync().thenCompose(v -> producerAsync(s, p, 0)));
                        g.createTaskAsync(() -> s.start.awaitAsync().thenCompose(v -> consumerAsync(s)));
                    } else {
                        g.createTask(() -> producerBlocking(s, p));
                        g.createTask(() -> consumerBlocking(s));
                    }
                }
                g.createTaskAsync(() -> { s.start.set(); return CompletableFuture.completedFuture(null); });
                return CompletableFuture.<Void>completedFuture(null);
            }));
            long delayMicros = ThreadLocalRandom.current().nextLong(0, 20_000);
            Thread canceller = ComposedSupport.cancelAfter(t, delayMicros);
            CompletableFuture<Void> runner = ComposedSupport.runUntilComplete(loop, t);
            try {
                runner.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException te) {
                ComposedSupport.dumpThreads();
                fail("round " + round + " hung: produced " + s.produced.size() + " consumed " + s.consumed.size() + " lock " + s.lock.isLocked() + " tasks " + loop.allTasks());
            } catch (java.util.concurrent.ExecutionException ee) {
                failures.add("round " + round + ": run threw " + ee.getCause());
            }
            canceller.join();
            String where = "round " + round + " delay " + delayMicros + "us " + t.state();
            try {
                assertTrue(t.isDone(), where);
                if (t.isCancelled()) cancelled++;
                else { completed++; t.join(); assertEquals(s.total, s.consumed.size(), where); }
                synchronized (s.dup) { assertEquals(List.of(), s.dup, where); }
                assertFalse(s.lock.isLocked(), where + ": lock held");
                Set<Integer> left = Set.copyOf(s.buf);
                assertTrue(s.produced.containsAll(s.consumed), where);
                assertEquals(s.produced.size(), s.consumed.size() + left.size(), where + ": items lost");
                for (Integer x : left) assertFalse(s.consumed.contains(x), where);
                assertEquals(Set.of(), loop.allTasks(), where + ": pending tasks");
            } catch (Throwable e) {
                failures.add(e.toString());
            }
            timeouts += s.timeouts.get();
            effectThenTimeout += s.effectThenTimeout.get();
            loop.close();
            synchronized (reported) { for (String e : reported) failures.add("round " + round + " reported: " + e); }
        }
        System.out.println(threading + " " + style + ": completed " + completed + " cancelled " + cancelled + " timeouts " + timeouts + " (of which the put had happened: " + effectThenTimeout + ") failures " + failures.size() + "/" + ROUNDS);
        if (!failures.isEmpty()) fail(failures.size() + " of " + ROUNDS + " rounds failed; first: " + failures.subList(0, Math.min(5, failures.size())));
    }
}
