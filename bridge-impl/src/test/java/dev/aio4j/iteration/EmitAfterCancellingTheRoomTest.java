package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * AsyncEmitter: "call emitAsync only after the stage of the previous call has completed", and
 * "Cancelling the returned stage withdraws nothing". A body that cancelled its pending stage (a
 * completed stage) may emit again; while the buffer is still full that emit is accepted and its
 * stage waits for room as usual, and the consumer gets every element in order. Before, that emit
 * failed with IllegalStateException "called before the stage of the previous one completed",
 * which it was not.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmitAfterCancellingTheRoomTest {
    static final int TOTAL = 20;

    /** Emits from..to-1, waiting for room when the buffer is full (AsyncEmitter's example). */
    static CompletionStage<Void> count(AsyncEmitter<Integer> out, int from, int to) {
        for (int i = from; i < to; i++) {
            CompletionStage<Void> room = out.emitAsync(i);
            CompletableFuture<Void> now = room.toCompletableFuture();
            if (!now.isDone()) {
                int next = i + 1;
                return room.thenCompose(v -> count(out, next, to));
            }
            if (now.isCompletedExceptionally()) return room;
        }
        return CompletableFuture.completedFuture(null);
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void anEmitAfterTheBodyCancelledItsPendingRoomIsAcceptedAndWaitsForRoom(Threading t) {
        int rounds = Integer.getInteger("iteration.rounds", 20);
        List<String> bad = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(t))) {
                int[] cancels = {2}; // cancels the room twice, so that two elements go in beyond a full buffer
                AsyncIterable<Integer> gen = AsyncIterable.generateAsync(4, out -> {
                    CompletableFuture<Void> pending;
                    int i = 0;
                    do {
                        pending = out.emitAsync(i++).toCompletableFuture();
                        if (!pending.isDone() && cancels[0] > 0 && i < TOTAL) {
                            cancels[0]--;
                            pending.cancel(false); // withdraws nothing; the body does not wait for this room
                            pending = CompletableFuture.completedFuture(null);
                        }
                    } while (pending.isDone() && !pending.isCompletedExceptionally() && i < TOTAL);
                    if (pending.isCompletedExceptionally() || i == TOTAL) return pending;
                    int next = i;
                    return pending.thenCompose(v -> count(out, next, TOTAL));
                });
                try {
                    List<Integer> got = loop.runUntilComplete(loop.createTaskAsync(gen::toList));
                    List<Integer> expected = IntStream.range(0, TOTAL).boxed().toList();
                    if (!got.equals(expected)) bad.add("round " + round + ": got " + got);
                } catch (RuntimeException e) {
                    bad.add("round " + round + ": the walk failed with " + e);
                }
            }
        }
        assertEquals(List.of(), bad.subList(0, Math.min(3, bad.size())), bad.size() + " of " + rounds + " rounds wrong");
    }

    /**
     * The misuse the IllegalStateException is for: an emitAsync while the previous stage is still
     * pending. On a single-threaded loop only: under DEFAULT_DISPATCHER the consumer may make room,
     * and a step complete that stage, between the body's two emits (the second is then allowed).
     */
    @org.junit.jupiter.api.Test
    void anEmitWhileThePreviousStageIsPendingStillFails() {
        try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(Threading.SINGLE_THREAD))) {
            java.util.concurrent.atomic.AtomicReference<Throwable> second = new java.util.concurrent.atomic.AtomicReference<>();
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(2, out -> {
                CompletableFuture<Void> pending;
                int i = 0;
                do {
                    pending = out.emitAsync(i++).toCompletableFuture();
                } while (pending.isDone() && i < 100);
                CompletableFuture<Void> misuse = out.emitAsync(-1).toCompletableFuture();
                misuse.whenComplete((v, e) -> second.set(e));
                return pending;
            });
            List<Integer> got = loop.runUntilComplete(loop.createTaskAsync(gen::toList));
            Throwable e = second.get();
            org.junit.jupiter.api.Assertions.assertTrue(e instanceof IllegalStateException && !(e instanceof java.util.concurrent.CancellationException),
                    "the emit while the previous stage was pending: " + e);
            org.junit.jupiter.api.Assertions.assertFalse(got.contains(-1), "the refused element was taken: " + got);
        }
    }

    /**
     * AsyncEmitter's "Such a failed task is reported to the loop's exception handler if nobody looks
     * at its outcome": a body that drops the failed task of a misused emit (one while the previous
     * task is pending) has it reported as a task failure never retrieved, with the
     * IllegalStateException itself, by the loop's close at the latest; one whose outcome the body
     * looks at is not reported. One after the close's CancellationException (asyncio's "ignored
     * GeneratorExit") fails the consumer's close instead, and is not reported a second time.
     */
    @org.junit.jupiter.api.Test
    void aMisusedEmitsFailedTaskThatNobodyLooksAtIsReported() {
        List<dev.aio4j.ExceptionContext> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<dev.aio4j.Task<Void>> dropped = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<dev.aio4j.Task<Void>> droppedAfterExit = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> looked = new java.util.concurrent.atomic.AtomicReference<>();
        try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(Threading.SINGLE_THREAD))) {
            loop.setExceptionHandler((l, c) -> reports.add(c));
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(2, out -> {
                dev.aio4j.Task<Void> pending;
                int i = 0;
                do {
                    pending = out.emitAsync(i++);
                } while (pending.isDone() && i < 100);
                dropped.set(out.emitAsync(-1)); // misuse: the previous task is pending; nobody looks at this one
                out.emitAsync(-2).whenComplete((v, e) -> looked.set(e)); // the same misuse, looked at
                return pending.whenComplete((v, e) -> droppedAfterExit.set(out.emitAsync(-3))); // after the close's cancellation
            });
            IllegalStateException closeFailed = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> loop.runUntilComplete(loop.createTaskAsync(() -> gen.take(1).toList())));
            org.junit.jupiter.api.Assertions.assertSame(droppedAfterExit.get().exceptionNow(), closeFailed,
                    "the emit after the close's cancellation fails the close");
        }
        org.junit.jupiter.api.Assertions.assertTrue(looked.get() instanceof IllegalStateException, "the looked-at misuse: " + looked.get());
        org.junit.jupiter.api.Assertions.assertNotNull(droppedAfterExit.get(), "the body did not emit after the close");
        List<String> seen = new ArrayList<>();
        for (dev.aio4j.ExceptionContext c : reports) {
            if (c.task() == dropped.get()) seen.add("pending-misuse");
            else if (c.task() == droppedAfterExit.get()) seen.add("after-exit");
            else seen.add("other: " + c.message() + " " + c.exception());
            if (c.task() == dropped.get() || c.task() == droppedAfterExit.get()) {
                assertEquals("Task exception was never retrieved", c.message());
                org.junit.jupiter.api.Assertions.assertTrue(c.exception() instanceof IllegalStateException
                        && !(c.exception() instanceof java.util.concurrent.CancellationException), "reported: " + c.exception());
            }
        }
        seen.sort(null);
        assertEquals(List.of("pending-misuse"), seen, "reports: " + reports);
    }
}
