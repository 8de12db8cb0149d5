package dev.aio4j.bench;

import dev.aio4j.Async;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import dev.aio4j.sync.Held;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;

/**
 * The aio4j side of the workloads on {@code dev.aio4j.sync} (4: fan-out under a semaphore, 5: lock
 * hand-off, and the bounded queue), in both body styles, written as a user would write them.
 */
final class Aio4jSync {
    private Aio4jSync() {}

    /**
     * Runs {@code step(0) ... step(n - 1)} one after another, each once the previous one's stage has
     * completed, without a stack that grows: the non-blocking style's loop. A step's {@link Task} is
     * read as a task ({@code isDone()}, and {@code whenComplete} when it is not done, which runs where
     * it completes); only another kind of stage goes through {@code toCompletableFuture()}, which for
     * a task would allocate a {@code CompletableFuture} and register it, per step, for nothing the
     * loop needs.
     */
    static CompletionStage<Void> repeat(int n, IntFunction<? extends CompletionStage<?>> step) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        new Object() {
            int i;

            void next() {
                while (i < n) {
                    CompletionStage<?> s = step.apply(i++);
                    boolean isDone;
                    boolean failed;
                    if (s instanceof Task<?> t) {
                        isDone = t.isDone();
                        failed = isDone && t.state() != TaskState.SUCCESS;
                    } else {
                        CompletableFuture<?> f = s.toCompletableFuture();
                        isDone = f.isDone();
                        failed = isDone && f.isCompletedExceptionally();
                    }
                    if (!isDone) {
                        s.whenComplete((v, e) -> {
                            if (e != null) done.completeExceptionally(e); else next();
                        });
                        return;
                    }
                    if (failed) {
                        s.whenComplete((v, e) -> done.completeExceptionally(e));
                        return;
                    }
                }
                done.complete(null);
            }
        }.next();
        return done;
    }

    /**
     * Workload 5, non-blocking: two tasks take the lock in turn, yielding while they hold it:
     * {@code lock.withLockAsync(() -> sleepAsync(ZERO))}, asyncio's
     * {@code async with lock: await asyncio.sleep(0)} and kotlinx's {@code mutex.withLock { yield() }}.
     */
    static long lockHandoffNonBlocking(int handoffs) {
        return Async.runAsync(loop -> {
            AsyncLock lock = AsyncLock.create();
            long[] taken = new long[1];
            IntFunction<CompletionStage<?>> step = i -> lock.withLockAsync(() -> {
                taken[0]++;
                return Async.sleepAsync(Duration.ZERO);
            });
            Task<Void> a = loop.createTaskAsync(() -> repeat(handoffs / 2, step));
            Task<Void> b = loop.createTaskAsync(() -> repeat(handoffs / 2, step));
            return Async.gather(a, b).thenApply(x -> taken[0]);
        });
    }

    /** Workload 5, blocking: two virtual-thread tasks take the lock in turn, yielding while they hold it. */
    @SuppressWarnings("try") // the Held resource is the lock itself: nothing to reference in the body
    static long lockHandoffBlocking(int handoffs) {
        return Async.run(loop -> {
            AsyncLock lock = AsyncLock.create();
            Task<Long> a = loop.createTask(() -> takeTurns(lock, handoffs / 2));
            Task<Long> b = loop.createTask(() -> takeTurns(lock, handoffs / 2));
            return a.join() + b.join();
        });
    }

    @SuppressWarnings("try")
    private static long takeTurns(AsyncLock lock, int n) {
        long taken = 0;
        for (int i = 0; i < n; i++) {
            try (Held held = lock.lock()) {
                Thread.yield();
                taken++;
            }
        }
        return taken;
    }

    /** The queue, non-blocking: a producer task chains putAsync, a consumer task chains getAsync. */
    static long queueNonBlocking(int items, int capacity) {
        return Async.runAsync(loop -> {
            AsyncQueue<Integer> queue = AsyncQueue.create(capacity);
            long[] sum = new long[1];
            Task<Void> producer = loop.createTaskAsync(() -> repeat(items, i -> queue.putAsync(i)));
            Task<Void> consumer = loop.createTaskAsync(() -> repeat(items, i -> queue.getAsync().thenAccept(v -> sum[0] += v)));
            return Async.gather(producer, consumer).thenApply(x -> sum[0]);
        });
    }

    /** The queue, blocking: a producer and a consumer virtual-thread task. */
    static long queueBlocking(int items, int capacity) {
        return Async.run(loop -> {
            AsyncQueue<Integer> queue = AsyncQueue.create(capacity);
            Task<Void> producer = loop.createTask(() -> {
                for (int i = 0; i < items; i++) queue.put(i);
                return null;
            });
            Task<Long> consumer = loop.createTask(() -> {
                long sum = 0;
                for (int i = 0; i < items; i++) sum += queue.get();
                return sum;
            });
            producer.join();
            return consumer.join();
        });
    }

    /** Workload 4, non-blocking: each task sleeps while it holds one of the semaphore's permits. */
    static int fanOutNonBlocking(int tasks, int permits, long millis) {
        return Async.runAsync(loop -> {
            AsyncSemaphore semaphore = AsyncSemaphore.create(permits);
            Duration d = Duration.ofMillis(millis);
            List<Task<Void>> all = new ArrayList<>(tasks);
            for (int i = 0; i < tasks; i++) {
                all.add(loop.createTaskAsync(() -> semaphore.withPermitAsync(() -> Async.sleepAsync(d))));
            }
            return Async.gather(all).thenApply(List::size);
        });
    }

    /** Workload 4, blocking: each virtual-thread task sleeps while it holds one of the semaphore's permits. */
    @SuppressWarnings("try")
    static int fanOutBlocking(int tasks, int permits, long millis) {
        return Async.run(loop -> {
            AsyncSemaphore semaphore = AsyncSemaphore.create(permits);
            Duration d = Duration.ofMillis(millis);
            List<Task<Void>> all = new ArrayList<>(tasks);
            for (int i = 0; i < tasks; i++) {
                all.add(loop.createTask(() -> {
                    try (Held held = semaphore.acquire()) {
                        Async.sleep(d);
                    }
                    return null;
                }));
            }
            return Async.gather(all).join().size();
        });
    }
}
