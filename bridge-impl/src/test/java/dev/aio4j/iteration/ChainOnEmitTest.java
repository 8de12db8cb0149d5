package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The plain idiom of a non-blocking generator body that waits between its emits,
 * {@code out.emitAsync(x).thenCompose(v -> Async.sleepAsync(d)).thenCompose(v -> next)}: the close
 * of its consumer (and the loop's close) cancels the wait and runs the body's clean-up before it
 * completes. When {@code emitAsync} returned a plain {@code CompletableFuture}, the chain built on
 * it was one that no cancellation reaches: the close completed without the clean-up, and the
 * sleep ran on (found by a composition tester, 13–17 of 150 rounds; here every time).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChainOnEmitTest {
    static final Duration LONG = Duration.ofSeconds(20);

    static Loop newLoop(Threading t) {
        return Async.newLoop(LoopOptions.defaults().withThreading(t));
    }

    /** Emits from, sleeps, emits from + 1, ... for ever; its clean-up counts itself and keeps what ended it. */
    static CompletionStage<Void> ticks(AsyncEmitter<Integer> out, int from, Duration pause, AtomicInteger cleanUps,
            AtomicReference<Throwable> endedWith, ConcurrentLinkedQueue<Task<?>> sleeps) {
        return out.emitAsync(from)
                .thenCompose(v -> {
                    Task<Void> s = Async.sleepAsync(pause);
                    sleeps.add(s);
                    return s;
                })
                .thenCompose(v -> ticks(out, from + 1, pause, cleanUps, endedWith, sleeps))
                .whenComplete((v, e) -> {
                    if (from == 0) {
                        endedWith.set(e);
                        cleanUps.incrementAndGet();
                    }
                });
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void theConsumersCloseCancelsTheBodysWaitAndRunsItsCleanUp(Threading t) {
        try (Loop loop = newLoop(t)) {
            AtomicInteger cleanUps = new AtomicInteger();
            AtomicReference<Throwable> endedWith = new AtomicReference<>();
            ConcurrentLinkedQueue<Task<?>> sleeps = new ConcurrentLinkedQueue<>();
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(out -> ticks(out, 0, LONG, cleanUps, endedWith, sleeps));
            long t0 = System.nanoTime();
            Integer first = loop.runUntilComplete(loop.createTaskAsync(() -> {
                AsyncIterator<Integer> it = gen.asyncIterator();
                AtomicReference<Integer> x = new AtomicReference<>();
                return it.hasNext()
                        .thenCompose(has -> {
                            x.set(it.next());
                            return Async.sleepAsync(Duration.ofMillis(50)); // the body is in its long sleep by then
                        })
                        .thenCompose(v -> it.closeAsync())
                        .thenApply(v -> x.get());
            }));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(0, first);
            assertEquals(1, cleanUps.get(), "the body's clean-up ran before the close completed");
            assertInstanceOf(CancellationException.class, endedWith.get());
            assertTrue(ms < LONG.toMillis() / 2, "the close took " + ms + " ms");
            assertEquals(1, sleeps.size());
            assertEquals(TaskState.CANCELLED, sleeps.peek().state(), "the body's sleep was cancelled, not left running");
            // under DEFAULT_DISPATCHER a worker may still be leaving the body's task when the wait returns
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!loop.allTasks().isEmpty() && System.nanoTime() < deadline) Thread.onSpinWait();
            assertEquals(java.util.Set.of(), loop.allTasks(), "nothing of the walk is left on the loop");
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void theLoopsCloseCancelsTheBodysWaitAndRunsItsCleanUp(Threading t) {
        AtomicInteger cleanUps = new AtomicInteger();
        AtomicReference<Throwable> endedWith = new AtomicReference<>();
        ConcurrentLinkedQueue<Task<?>> sleeps = new ConcurrentLinkedQueue<>();
        long t0;
        try (Loop loop = newLoop(t)) {
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(out -> ticks(out, 0, LONG, cleanUps, endedWith, sleeps));
            // the consumer takes one element and leaves the walk open: the loop's close ends it
            Integer first = loop.runUntilComplete(loop.createTaskAsync(() -> {
                AsyncIterator<Integer> it = gen.asyncIterator();
                return it.hasNext().thenCompose(has -> {
                    Integer x = it.next();
                    return Async.sleepAsync(Duration.ofMillis(50)).thenApply(v -> x);
                });
            }));
            assertEquals(0, first);
            t0 = System.nanoTime();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(1, cleanUps.get(), "the body's clean-up ran before the loop's close returned");
        assertInstanceOf(CancellationException.class, endedWith.get());
        assertTrue(ms < LONG.toMillis() / 2, "the loop's close took " + ms + " ms");
        assertEquals(TaskState.CANCELLED, sleeps.peek().state());
    }

    /** What emitAsync returns: one done task per walk while the buffer has room; a pending task of the loop when full. */
    @Test
    void emitAsyncReturnsTasks() {
        try (Loop loop = newLoop(Threading.SINGLE_THREAD)) {
            List<Task<Void>> seen = new ArrayList<>();
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(3, out -> {
                for (int i = 0; i < 3; i++) seen.add(out.emitAsync(i));
                return seen.get(2);
            });
            List<Integer> all = loop.runUntilComplete(loop.createTaskAsync(() -> gen.toList()));
            assertEquals(List.of(0, 1, 2), all);
            assertSame(seen.get(0), seen.get(1), "the done task is shared while there is room");
            assertSame(seen.get(0).toCompletableFuture(), seen.get(1).toCompletableFuture(), "and so is its view");
            assertTrue(seen.get(0).toCompletableFuture().isDone());
            assertEquals(TaskState.SUCCESS, seen.get(0).state());
            assertTrue(seen.get(2) != seen.get(0));
            assertEquals(TaskState.SUCCESS, seen.get(2).state(), "the full buffer's task completed once the consumer made room");
            assertEquals(java.util.Set.of(), loop.allTasks(), "no emit's task is left on the loop");
        }
    }
}
