package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import dev.aio4j.stream.BlockingIterable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A non-blocking generator's emits during one run of its body on a single-threaded loop's thread
 * are staged in the buffer's free slots without the monitor and handed to the consumer when the
 * run ends: every element still arrives once and in order, whoever emits and whoever consumes,
 * and a close still fails the first emit after it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GeneratorStagingTest extends LoopFixture {

    static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    /** Emits from until to with AsyncEmitter's pattern: on at once while there is room, else when there is. */
    static CompletionStage<Void> count(AsyncEmitter<Integer> out, int from, int to) {
        return GeneratorTest.count(out, from, to, new GeneratorTest.Probe());
    }

    static List<Integer> throughView(AsyncIterable<Integer> gen) {
        List<Integer> seen = new ArrayList<>();
        try (BlockingIterable<Integer> view = gen.blocking()) {
            for (int x : view) {
                seen.add(x);
            }
        }
        return seen;
    }

    @Test
    void everyBufferSizeDeliversEveryElementInOrderToEachConsumer() {
        // capacities around the staging's edges: 1 and 2 never stage (the emit that fills the last
        // slot takes the monitor), 3 stages one element a run
        for (int capacity = 1; capacity <= 6; capacity++) {
            int c = capacity;
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(c, out -> count(out, 0, 1000));
            List<List<Integer>> seen = loop.runUntilComplete(loop.createTask(() -> {
                List<Integer> each = new ArrayList<>();
                gen.forEach(each::add).join();
                return List.of(gen.toList().join(), each, throughView(gen));
            }));
            for (List<Integer> s : seen) {
                assertEquals(upTo(1000), s, "capacity " + c);
            }
        }
    }

    @Test
    void anEmitFromAnotherThreadInTheMiddleOfARunKeepsEveryElementInOrder() {
        // the run stages 1 and 2 after 0, then hands the emitter to another thread (its emit, after
        // the hand-off, must take the staged ones first), then emits on: had that emit written where
        // the buffer's count said the tail was, it would have overwritten 1
        AtomicReference<Thread> bodyThread = new AtomicReference<>();
        AtomicReference<Thread> emitterOf3 = new AtomicReference<>();
        AsyncIterable<Integer> gen = AsyncIterable.generateAsync(16, out -> {
            bodyThread.set(Thread.currentThread());
            out.emitAsync(0);
            out.emitAsync(1);
            out.emitAsync(2);
            CompletableFuture.runAsync(() -> {
                emitterOf3.set(Thread.currentThread());
                out.emitAsync(3);
            }).join();
            out.emitAsync(4);
            out.emitAsync(5);
            return CompletableFuture.completedFuture(null);
        });
        List<List<Integer>> seen = loop.runUntilComplete(loop.createTask(() -> List.of(gen.toList().join(), throughView(gen))));
        assertEquals(List.of(upTo(6), upTo(6)), seen);
        assertTrue(emitterOf3.get() != bodyThread.get(), "3 was emitted from another thread than the body's run");
    }

    @Test
    void theElementsOfTheRunThatEndsTheBodyReachAConsumerParkedOnAnotherThread() {
        // the consumer waits in the blocking view (its own virtual thread) before the body runs; the
        // body emits 100 in one run and ends: all of them, then the end
        for (int round = 0; round < 200; round++) {
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(256, out -> count(out, 0, 100));
            assertEquals(upTo(100), loop.runUntilComplete(loop.createTask(() -> throughView(gen))), "round " + round);
        }
    }

    @Test
    void aConsumerThatParkedAgainDuringARunIsWokenWhenTheRunEnds() {
        // the run's first emit wakes the consumer (its own thread); the run goes on until that
        // consumer has taken it and parked again, then stages 1..9 and waits on something else: the
        // end of the run must wake the consumer, or it waits for the body's next run, which waits for it
        CompletableFuture<Void> release = new CompletableFuture<>();
        AtomicReference<Thread> consumer = new AtomicReference<>();
        AtomicInteger taken = new AtomicInteger();
        AsyncIterable<Integer> gen = AsyncIterable.generateAsync(256, out -> {
            out.emitAsync(0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(taken.get() == 1 && consumer.get().getState() == Thread.State.WAITING) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            for (int i = 1; i < 10; i++) {
                out.emitAsync(i);
            }
            return release.thenCompose(v -> count(out, 10, 12));
        });
        List<Integer> seen = loop.runUntilComplete(loop.createTask(() -> {
            consumer.set(Thread.currentThread());
            List<Integer> each = new ArrayList<>();
            try (BlockingIterable<Integer> view = gen.blocking()) {
                for (int x : view) {
                    each.add(x);
                    taken.incrementAndGet();
                    if (x == 9) release.complete(null);
                }
            }
            return each;
        }));
        assertEquals(upTo(12), seen);
    }

    @Test
    void theFirstEmitAfterACloseFromAnotherThreadFailsEvenInTheMiddleOfARun() throws Exception {
        CountDownLatch bodyWaits = new CountDownLatch(1);
        CountDownLatch closing = new CountDownLatch(1);
        AtomicInteger emitsThatWentThrough = new AtomicInteger();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        AtomicInteger cleanUps = new AtomicInteger();
        AsyncIterable<Integer> gen = AsyncIterable.generateAsync(256, out -> {
            out.emitAsync(-2);
            out.emitAsync(-1); // staged
            bodyWaits.countDown();
            try {
                // the test's other thread closes meanwhile (a test may block its loop for that)
                assertTrue(closing.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            for (int i = 0; i < 100; i++) {
                CompletableFuture<Void> room = out.emitAsync(i).toCompletableFuture();
                if (room.isCompletedExceptionally()) {
                    room.exceptionally(t -> {
                        firstFailure.set(t);
                        return null;
                    });
                    return room.whenComplete((v, t) -> cleanUps.incrementAndGet());
                }
                emitsThatWentThrough.incrementAndGet();
            }
            return CompletableFuture.completedFuture(null);
        });
        AtomicReference<AsyncIterator<Integer>> walk = new AtomicReference<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Thread closer = new Thread(() -> {
            try {
                assertTrue(bodyWaits.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            walk.get().closeAsync().whenComplete((v, t) -> {
                if (t != null) closed.completeExceptionally(t); else closed.complete(null);
            });
            closing.countDown();
        });
        closer.start();
        loop.runUntilComplete(loop.createTaskAsync(() -> {
            walk.set(gen.asyncIterator());
            walk.get().hasNext(); // starts the body (now or in a later step)
            return closed;
        }));
        closer.join();
        assertEquals(0, emitsThatWentThrough.get(), "emits after the close that went through");
        assertInstanceOf(CancellationException.class, firstFailure.get());
        assertEquals(1, cleanUps.get());
    }
}
