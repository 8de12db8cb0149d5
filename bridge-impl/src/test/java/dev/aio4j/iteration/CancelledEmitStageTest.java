package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * AsyncEmitter: "Cancelling the returned stage withdraws nothing", and generateAsync: "A body
 * waiting on something else [when the close comes] has that stage cancelled". A body whose
 * pending emitAsync task it ended itself (cancel, or Async.waitFor's timeout, which cancels it) and
 * that then waits on a task is waiting on something else: the consumer's close must cancel it,
 * not wait for that task to end. (Giving up on a view of it, toCompletableFuture().orTimeout(...),
 * ends the view only: the task still waits for room, and the close finds the body waiting there.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CancelledEmitStageTest {
    static Loop newLoop(Threading t) {
        return Async.newLoop(LoopOptions.defaults().withThreading(t));
    }

    enum HowTheRoomEnds { CANCEL, WAIT_FOR_TIMEOUT }

    static void check(Threading t, HowTheRoomEnds how) {
        try (Loop loop = newLoop(t)) {
            AtomicInteger cleanUps = new AtomicInteger();
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(4, out -> {
                // emits until the buffer is full and the room pending: 0..3 on a single-threaded loop;
                // under DEFAULT_DISPATCHER the consumer's step may take one meanwhile, and a few more go in
                Task<Void> pending;
                int i = 0;
                do {
                    pending = out.emitAsync(i++);
                } while (pending.isDone() && i < 100);
                Task<Void> room = pending;
                assertTrue(!room.isDone());
                if (how == HowTheRoomEnds.CANCEL) {
                    room.cancel(); // withdraws nothing: 3 is in the buffer
                } else {
                    // gives up waiting for room after 10 ms (cancels it); its timeout is looked at
                    Async.waitFor(room, Duration.ofMillis(10)).whenComplete((v, e) -> { });
                }
                // then housekeeping, chained as aio4j tasks (so that a cancel reaches it), on the loop
                return Async.sleepAsync(Duration.ofMillis(30))
                        .thenCompose(v -> {
                            assertTrue(room.isDone());
                            return Async.sleepAsync(Duration.ofSeconds(15));
                        })
                        .whenComplete((v, e) -> cleanUps.incrementAndGet());
            });
            long t0 = System.nanoTime();
            // the consumer takes one element, waits a little (the body has given up on its room
            // by then), and closes: as take(1) does, only later
            List<Integer> first = loop.runUntilComplete(loop.createTaskAsync(() -> {
                AsyncIterator<Integer> it = gen.asyncIterator();
                AtomicReference<Integer> x = new AtomicReference<>();
                return it.hasNext()
                        .thenCompose(has -> {
                            x.set(it.next());
                            return Async.sleepAsync(Duration.ofMillis(100));
                        })
                        .thenCompose(v -> it.closeAsync())
                        .thenApply(v -> List.of(x.get()));
            }));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(List.of(0), first);
            assertTrue(ms < 8000, "the close waited " + ms + " ms for the body's unrelated wait");
            assertEquals(1, cleanUps.get(), "the body's clean-up ran before the close completed");
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aBodyThatCancelledItsRoomAndWaitsOnATaskIsCancelledByTheClose(Threading t) {
        check(t, HowTheRoomEnds.CANCEL);
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aBodyWhoseRoomTimedOutAndWaitsOnATaskIsCancelledByTheClose(Threading t) {
        check(t, HowTheRoomEnds.WAIT_FOR_TIMEOUT);
    }

    /**
     * The first emit after the close fails with the close's CancellationException (the
     * GeneratorExit), "from that stage or the next": a body whose pending stage it had cancelled
     * itself never got it from that stage, so its next emit must be the one.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void theFirstEmitAfterTheCloseOfABodyThatCancelledItsRoomGetsTheGeneratorExit(Threading t) {
        try (Loop loop = newLoop(t)) {
            AtomicReference<Throwable> nextEmit = new AtomicReference<>();
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(4, out -> {
                for (int i = 0; i < 3; i++) out.emitAsync(i);
                CompletableFuture<Void> room = out.emitAsync(3).toCompletableFuture();
                room.cancel(false);
                return Async.sleepAsync(Duration.ofMillis(300)).handle((v, e) -> {
                    CompletableFuture<Void> r = out.emitAsync(99).toCompletableFuture();
                    r.whenComplete((v2, e2) -> nextEmit.set(e2 == null ? new AssertionError("emit after the close went through") : e2));
                    return r;
                }).thenCompose(r -> r);
            });
            Throwable closeFailure = null;
            try {
                loop.runUntilComplete(loop.createTaskAsync(() -> {
                    AsyncIterator<Integer> it = gen.asyncIterator();
                    return it.hasNext()
                            .thenCompose(has -> {
                                it.next();
                                return Async.sleepAsync(Duration.ofMillis(100));
                            })
                            .thenCompose(v -> it.closeAsync());
                }));
            } catch (RuntimeException x) {
                closeFailure = x;
            }
            Throwable e = nextEmit.get();
            assertTrue(e instanceof java.util.concurrent.CancellationException,
                    "the first emit after the close failed with " + e + " (the close: " + closeFailure + ")");
        }
    }
}
