package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncExitStack;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.BlockingIterable;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import dev.aio4j.sync.QueueShutDownException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * generator -> map/filter/take -> bounded queue -> consumers in a task group, each holding a
 * semaphore permit and a lock inside a timeout, each with an exit stack; the whole run cancelled
 * from another thread at a random moment.
 */
class PipelineCancelTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 150);

    static final class Res implements AsyncCloseable {
        final AtomicInteger closes = new AtomicInteger();
        @Override public CompletableFuture<Void> closeAsync() {
            closes.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }
    }

    static final class Run {
        final AsyncQueue<Integer> q = AsyncQueue.create(3);
        final AsyncSemaphore sem = AsyncSemaphore.create(2);
        final AsyncLock lock = AsyncLock.create();
        final Set<Integer> put = ConcurrentHashMap.newKeySet();
        final Set<Integer> taken = ConcurrentHashMap.newKeySet();
        final Map<Integer, Integer> processed = new ConcurrentHashMap<>();
        final List<Res> resources = new ArrayList<>();
        int counter; // guarded by lock
        final AtomicInteger doneCalls = new AtomicInteger();

        synchronized Res newRes() { Res r = new Res(); resources.add(r); return r; }
    }

    static void consumeBlocking(Run r) throws Exception {
        try (AsyncExitStack st = AsyncExitStack.create()) {
            st.enter(r.newRes());
            while (true) {
                Integer it;
                try {
                    it = r.q.get();
                } catch (QueueShutDownException e) {
                    return;
                }
                r.taken.add(it);
                try {
                    r.sem.withPermit(() -> Async.timeout(Duration.ofSeconds(5), () -> r.lock.withLock(() -> {
                        r.counter++;
                        r.processed.merge(it, 1, Integer::sum);
                        return null;
                    })));
                } finally {
                    r.q.taskDone();
                    r.doneCalls.incrementAndGet();
                }
            }
        }
    }

    static java.util.concurrent.CompletionStage<Void> consumeAsync(Run r, Loop loop) {
        // one item per step: getAsync -> withPermitAsync(timeoutAsync(withLockAsync(...))), then the next
        return r.q.getAsync().thenCompose(it -> step(r, loop, it).thenCompose(v -> consumeAsync(r, loop)));
    }

    static java.util.concurrent.CompletionStage<Void> consumeAllAsync(Run r, Loop loop) {
        return consumeAsync(r, loop).exceptionally(e -> {
            if (e instanceof QueueShutDownException) return null;
            if (e instanceof RuntimeException re) throw re;
            throw new AssertionError(e);
        });
    }

    static java.util.concurrent.CompletionStage<Void> step(Run r, Loop loop, Integer it) {
        {
            r.taken.add(it);
            return r.sem.<Void>withPermitAsync(() -> Async.<Void>timeoutAsync(Duration.ofSeconds(5),
                    () -> r.lock.<Void>withLockAsync(() -> {
                        r.counter++;
                        r.processed.merge(it, 1, Integer::sum);
                        return Async.sleepAsync(Duration.ZERO);
                    })))
                    .whenComplete((v, e) -> { r.q.taskDone(); r.doneCalls.incrementAndGet(); });
        }
    }

    static void produce(Run r) throws Exception {
        AsyncIterable<Integer> src = AsyncIterable.<Integer>generate(e -> {
            for (int i = 0; i < 1000; i++) e.emit(i);
        }).map(i -> i * 2).filter(i -> i % 3 != 0).take(40);
        try (BlockingIterable<Integer> it = src.blocking()) {
            for (Integer x : it) {
                r.q.put(x);
                r.put.add(x);
            }
        }
        r.q.shutdown();
    }

    enum Style { BLOCKING, ASYNC, MIXED }

    static Task<Void> pipeline(Loop loop, Run r, Style style) {
        return loop.createTask(() -> {
            Async.taskGroup(g -> {
                g.createTask(() -> produce(r));
                for (int k = 0; k < 3; k++) {
                    boolean async = style == Style.ASYNC || (style == Style.MIXED && k % 2 == 0);
                    if (async) {
                        g.createTaskAsync(() -> {
                            return Async.usingAsync(() -> CompletableFuture.completedFuture(r.newRes()), x -> consumeAllAsync(r, loop));
                        });
                    } else {
                        g.createTask(() -> { consumeBlocking(r); return null; });
                    }
                }
            });
        });
    }

    static void check(Run r, Loop loop, String where) {
        for (var e : r.processed.entrySet()) assertEquals(1, e.getValue(), where + ": item processed twice " + e.getKey());
        assertTrue(r.put.containsAll(r.taken), where + ": taken but never put");
        assertTrue(r.taken.containsAll(r.processed.keySet()), where);
        assertEquals(r.processed.size(), r.counter, where);
        assertEquals(r.put.size(), r.taken.size() + r.q.size() + 0 * 0, where + ": put " + r.put.size() + " taken " + r.taken.size() + " left " + r.q.size());
        assertEquals(r.taken.size(), r.doneCalls.get(), where + ": taskDone calls");
        assertFalse(r.lock.isLocked(), where + ": lock held");
        assertEquals(2, r.sem.availablePermits(), where + ": permits");
        synchronized (r) {
            for (Res res : r.resources) assertEquals(1, res.closes.get(), where + ": resource closes");
        }
        assertEquals(Set.of(), loop.allTasks(), where + ": pending tasks");
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void blockingStyle(LoopOptions.Threading th) throws Exception { rounds(th, Style.BLOCKING); }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void asyncStyle(LoopOptions.Threading th) throws Exception { rounds(th, Style.ASYNC); }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void mixedStyle(LoopOptions.Threading th) throws Exception { rounds(th, Style.MIXED); }

    void rounds(LoopOptions.Threading th, Style style) throws Exception {
        List<String> failures = new ArrayList<>();
        int cancelled = 0, completed = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(th));
            List<Throwable> reported = new ArrayList<>();
            loop.setExceptionHandler((l, ctx) -> { synchronized (reported) { reported.add(ctx.exception() == null ? new AssertionError(ctx.message()) : ctx.exception()); } });
            Run r = new Run();
            long delayMicros = ThreadLocalRandom.current().nextLong(0, 3000);
            Task<Void> t = pipeline(loop, r, style);
            Thread canceller = ComposedSupport.cancelAfter(t, delayMicros);
            CompletableFuture<Void> runner = ComposedSupport.runUntilComplete(loop, t);
            try {
                runner.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException te) {
                ComposedSupport.dumpThreads();
                fail("round " + round + " hung; put=" + r.put.size() + " taken=" + r.taken.size() + " tasks=" + loop.allTasks());
            } catch (java.util.concurrent.ExecutionException ee) {
                failures.add("round " + round + " delay " + delayMicros + ": run threw " + ee.getCause());
            }
            canceller.join();
            try {
                if (t.isCancelled()) cancelled++; else { completed++; assertEquals(r.put.size(), r.processed.size(), "completed run lost items"); }
                assertTrue(t.isDone());
                if (!t.isCancelled()) t.join();
                check(r, loop, "round " + round + " delay " + delayMicros + " " + t.state());
            } catch (Throwable e) {
                failures.add(e.toString());
            }
            loop.close();
            synchronized (reported) { for (Throwable e : reported) failures.add("round " + round + " reported: " + e); }
        }
        System.out.println(th + " " + style + ": cancelled " + cancelled + " completed " + completed + " failures " + failures.size() + "/" + ROUNDS);
        if (!failures.isEmpty()) fail(failures.size() + " of " + ROUNDS + " rounds failed; first: " + failures.subList(0, Math.min(5, failures.size())));
    }

}
