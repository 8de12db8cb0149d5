package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.BlockingIterable;
import dev.aio4j.sync.AsyncLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Non-blocking generators (generateAsync) read through map/filter/take, through
 * toPublisher/fromPublisher, by a blocking for-loop and by forEachAsync under a lock, each inside
 * a timeout, in a task group cancelled from another thread at a random moment. Checks: each walk
 * sees the expected elements in order with none skipped or repeated, every generator body that
 * started has ended, the lock is free, no task of the loop is left, nothing is reported.
 */
class StreamCancelTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 150);
    static final boolean SLEEPS = Boolean.getBoolean("composed.sleeps");
    static final int MASK = Integer.getInteger("composed.mask", 7);

    static final class Counts {
        final AtomicInteger started = new AtomicInteger(), ended = new AtomicInteger();
    }

    static CompletionStage<Void> emitFrom(AsyncEmitter<Integer> e, int i) {
        if (i == 500) return CompletableFuture.completedFuture(null);
        CompletionStage<Void> s = e.emitAsync(i);
        if (SLEEPS && i % 7 == 0) s = s.thenCompose(v -> Async.sleepAsync(Duration.ZERO));
        return s.thenCompose(v -> emitFrom(e, i + 1));
    }

    static AsyncIterable<Integer> source(Counts c) {
        return AsyncIterable.<Integer>generateAsync(4, e -> {
            c.started.incrementAndGet();
            return emitFrom(e, 0).whenComplete((v, x) -> c.ended.incrementAndGet());
        });
    }

    /** Elements i*3 for i not a multiple of 5, in order. */
    static void checkOrder(List<Integer> seen, String where) {
        int expect = 0;
        for (int x : seen) {
            while (expect % 5 == 0) expect++;
            assertEquals(expect * 3, x, where + ": out of order or repeated in " + seen);
            expect++;
        }
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void streams(LoopOptions.Threading threading) throws Exception {
        List<String> failures = new ArrayList<>();
        int cancelled = 0, completed = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Counts c = new Counts();
            AsyncLock lock = AsyncLock.create();
            List<Integer> seenBlocking = new ArrayList<>(), seenAsync = new ArrayList<>(), seenPub = new ArrayList<>();
            Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            List<String> reported = new ArrayList<>();
            loop.setExceptionHandler((l, ctx) -> { synchronized (reported) { reported.add(ctx.message() + " " + ctx.exception()); } });
            Task<Void> t = loop.createTask(() -> Async.taskGroup(g -> {
                if ((MASK & 1) != 0) g.createTask(() -> {
                    try {
                        Async.timeout(Duration.ofMillis(ThreadLocalRandom.current().nextLong(1, 20)), () -> {
                            try (BlockingIterable<Integer> it = source(c).filter(i -> i % 5 != 0).map(i -> i * 3).take(200).blocking()) {
                                for (int x : it) synchronized (seenBlocking) { seenBlocking.add(x); }
                            }
                            return null;
                        });
                    } catch (AsyncTimeoutException e) { /* fine */ }
                    return null;
                });
                if ((MASK & 2) != 0) g.createTaskAsync(() -> Async.timeoutAsync(Duration.ofMillis(ThreadLocalRandom.current().nextLong(1, 20)),
                        () -> source(c).filter(i -> i % 5 != 0).map(i -> i * 3).take(200)
                                .forEachAsync(x -> lock.withLockAsync(() -> {
                                    synchronized (seenAsync) { seenAsync.add(x); }
                                    return Async.sleepAsync(Duration.ZERO);
                                })))
                        .exceptionally(e -> {
                            if (e instanceof AsyncTimeoutException) return null;
                            if (e instanceof RuntimeException re) throw re;
                            throw new AssertionError(e);
                        }));
                if ((MASK & 4) != 0) g.createTask(() -> {
                    try (BlockingIterable<Integer> it = AsyncIterable.fromPublisher(source(c).filter(i -> i % 5 != 0).map(i -> i * 3).toPublisher()).take(100).blocking()) {
                        for (int x : it) synchronized (seenPub) { seenPub.add(x); }
                    }
                    return null;
                });
            }));
            long delayMicros = ThreadLocalRandom.current().nextLong(0, 8000);
            Thread canceller = ComposedSupport.cancelAfter(t, delayMicros);
            CompletableFuture<Void> runner = ComposedSupport.runUntilComplete(loop, t);
            String where = "round " + round + " delay " + delayMicros + "us";
            try {
                runner.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException te) {
                ComposedSupport.dumpThreads();
                fail(where + " hung; tasks " + loop.allTasks());
            } catch (java.util.concurrent.ExecutionException ee) {
                failures.add(where + ": run threw " + ee.getCause());
            }
            canceller.join();
            try {
                assertTrue(t.isDone(), where);
                if (t.isCancelled()) cancelled++; else { completed++; t.join(); if ((MASK & 4) != 0) assertEquals(100, seenPub.size(), where); }
                synchronized (seenBlocking) { checkOrder(seenBlocking, where + " blocking"); }
                synchronized (seenAsync) { checkOrder(seenAsync, where + " async"); }
                synchronized (seenPub) { checkOrder(seenPub, where + " publisher"); }
                assertFalse(lock.isLocked(), where + ": lock held");
                // Subscription.cancel() is a signal without an answer: the walk behind the publisher
                // closes its generator in the loop's next steps, which the run may not have reached
                for (int i = 0; i < 50 && !loop.allTasks().isEmpty(); i++) loop.runUntilComplete(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(1))));
                if (!loop.allTasks().isEmpty()) {
                    StringBuilder sb = new StringBuilder();
                    for (Task<?> p : loop.allTasks()) sb.append(p).append(' ').append(p.getClass().getSimpleName()).append(' ');
                    fail(where + ": pending tasks " + sb + " t=" + t.state());
                }
                assertEquals(c.started.get(), c.ended.get(), where + ": generator bodies started vs ended");
            } catch (Throwable e) {
                failures.add(e.getMessage());
            }
            loop.close();
            synchronized (reported) { for (String e : reported) failures.add(where + " reported: " + e); }
        }
        System.out.println(threading + ": cancelled " + cancelled + " completed " + completed + " failures " + failures.size() + "/" + ROUNDS);
        if (!failures.isEmpty()) fail(failures.size() + " of " + ROUNDS + " rounds failed; first: " + failures.subList(0, Math.min(5, failures.size())));
    }
}
