package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import dev.aio4j.stream.BlockingIterable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The generator's staged emits: failures after them, hand-offs to other threads during a run, readers draining during long runs, closes during a run. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GeneratorStagingEdgesTest {
    static final int ROUNDS = Integer.getInteger("iteration.rounds", 100);

    static Loop newLoop(Threading t) {
        return Async.newLoop(LoopOptions.defaults().withThreading(t));
    }

    static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    static CompletionStage<Void> count(AsyncEmitter<Integer> out, int from, int to) {
        for (int i = from; i < to; i++) {
            CompletionStage<Void> room = out.emitAsync(i);
            if (!room.toCompletableFuture().isDone()) {
                int next = i + 1;
                return room.thenCompose(v -> count(out, next, to));
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    static final class Boom extends RuntimeException {
        Boom() {
            super("boom");
        }
    }

    /** A body that emits 0..n-1 (mostly in one run: staged), then fails (thrown in the run, or a failed stage). */
    static AsyncIterable<Integer> failingAfter(int cap, int n, boolean thrown) {
        return AsyncIterable.generateAsync(cap, out -> count(out, 0, n).thenCompose(v -> {
            if (thrown) throw new Boom();
            return CompletableFuture.failedFuture(new Boom());
        }));
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aFailureAfterStagedEmitsComesAfterEveryElementForEachConsumer(Threading t) {
        try (Loop loop = newLoop(t)) {
            for (int cap = 1; cap <= 6; cap++) {
                for (int n = 0; n <= cap + 2; n++) {
                    for (boolean thrown : new boolean[] {true, false}) {
                        String what = "cap " + cap + " n " + n + " thrown " + thrown;
                        AsyncIterable<Integer> gen = failingAfter(cap, n, thrown);
                        List<Object> seen = loop.runUntilComplete(loop.createTask(() -> {
                            List<Object> out = new ArrayList<>();
                            // forEach on the loop
                            List<Integer> each = new ArrayList<>();
                            try {
                                gen.forEach(each::add).join();
                                out.add("no failure");
                            } catch (RuntimeException e) {
                                out.add(e);
                            }
                            out.add(each);
                            // blocking view on this (virtual) thread
                            List<Integer> viewed = new ArrayList<>();
                            try (BlockingIterable<Integer> view = gen.blocking()) {
                                for (int x : view) viewed.add(x);
                                out.add("no failure");
                            } catch (RuntimeException e) {
                                out.add(e);
                            }
                            out.add(viewed);
                            // hasNext()/next() chain
                            List<Integer> chained = new ArrayList<>();
                            CompletableFuture<Void> done = new CompletableFuture<>();
                            loop.execute(() -> {
                                AsyncIterator<Integer> it = gen.asyncIterator();
                                walk(it, chained, done);
                            });
                            try {
                                done.join();
                                out.add("no failure");
                            } catch (CompletionException e) {
                                out.add(e.getCause());
                            }
                            out.add(chained);
                            return out;
                        }));
                        for (int k = 0; k < 6; k += 2) {
                            assertEquals(upTo(n), seen.get(k + 1), what + " consumer " + k);
                            Object f = seen.get(k);
                            assertTrue(f instanceof Throwable, what + " consumer " + k + ": " + f);
                            Throwable e = (Throwable) f;
                            while (!(e instanceof Boom) && e.getCause() != null && e.getCause() != e) e = e.getCause();
                            assertInstanceOf(Boom.class, e, what + " consumer " + k + ": " + f);
                        }
                    }
                }
            }
        }
    }

    static void walk(AsyncIterator<Integer> it, List<Integer> into, CompletableFuture<Void> done) {
        it.hasNext().whenComplete((has, err) -> {
            if (err != null) {
                it.closeAsync().whenComplete((v, e2) -> done.completeExceptionally(err));
            } else if (!has) {
                it.closeAsync().whenComplete((v, e2) -> done.complete(null));
            } else {
                into.add(it.next());
                walk(it, into, done);
            }
        });
    }

    /**
     * The run stages some elements, then hands the emitter to a plain thread and goes on (spinning a
     * little, as a run may do non-emitting work) while that thread emits: its emits, and the
     * continuations of its full-buffer waits that run on the loop, must keep every element once and in order.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void emitsHandedToAnotherThreadWhileTheRunGoesOnKeepEveryElementInOrder(Threading t) throws Exception {
        int total = 300;
        try (Loop loop = newLoop(t)) {
            for (int round = 0; round < ROUNDS; round++) {
                int cap = 2 + round % 7;
                AtomicInteger emittedByOther = new AtomicInteger();
                AsyncIterable<Integer> gen = AsyncIterable.generateAsync(cap, out -> {
                    int first = Math.min(cap - 1, 3);
                    for (int i = 0; i < first; i++) {
                        CompletionStage<Void> r = out.emitAsync(i);
                        assertTrue(r.toCompletableFuture().isDone());
                    }
                    CompletableFuture<Void> rest = new CompletableFuture<>();
                    Thread other = new Thread(() -> {
                        count(out, first, total).whenComplete((v, e) -> {
                            if (e != null) rest.completeExceptionally(e); else rest.complete(null);
                        });
                        emittedByOther.set(1);
                    });
                    other.start();
                    long until = System.nanoTime() + 200_000;
                    while (System.nanoTime() < until && emittedByOther.get() == 0) Thread.onSpinWait();
                    return rest;
                });
                int r = round;
                List<Integer> viaView = loop.runUntilComplete(loop.createTask(() -> {
                    List<Integer> seen = new ArrayList<>();
                    try (BlockingIterable<Integer> view = gen.blocking()) {
                        for (int x : view) seen.add(x);
                    }
                    return seen;
                }));
                assertEquals(upTo(total), viaView, "view, round " + r + " cap " + cap);
                emittedByOther.set(0);
                List<Integer> viaForEach = new CopyOnWriteArrayList<>();
                loop.runUntilComplete(loop.createTaskAsync(() -> gen.forEach(viaForEach::add)));
                assertEquals(upTo(total), new ArrayList<>(viaForEach), "forEach, round " + r + " cap " + cap);
                emittedByOther.set(0);
                List<Integer> viaPublisher = new CopyOnWriteArrayList<>();
                CompletableFuture<Void> completed = new CompletableFuture<>();
                loop.runUntilComplete(loop.createTaskAsync(() -> {
                    gen.toPublisher().subscribe(new Flow.Subscriber<Integer>() {
                        Flow.Subscription s;

                        @Override
                        public void onSubscribe(Flow.Subscription s) {
                            this.s = s;
                            s.request(1);
                        }

                        @Override
                        public void onNext(Integer item) {
                            viaPublisher.add(item);
                            CompletableFuture.runAsync(() -> s.request(1));
                        }

                        @Override
                        public void onError(Throwable throwable) {
                            completed.completeExceptionally(throwable);
                        }

                        @Override
                        public void onComplete() {
                            completed.complete(null);
                        }
                    });
                    return completed;
                }));
                assertEquals(upTo(total), new ArrayList<>(viaPublisher), "publisher, round " + r + " cap " + cap);
            }
        }
    }

    /**
     * A body whose whole walk is one run (it stages what fits, then completes) read by a blocking
     * view on another thread that drains concurrently: the staging thread's slots and the reader's
     * must never overlap (no element lost, doubled, or null).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aReaderDrainingDuringLongRunsSeesEveryElementOnce(Threading t) {
        try (Loop loop = newLoop(t)) {
            for (int round = 0; round < ROUNDS; round++) {
                int cap = 3 + round % 13;
                int total = 2000;
                AsyncIterable<Integer> gen = AsyncIterable.generateAsync(cap, out -> count(out, 0, total));
                List<Integer> seen = loop.runUntilComplete(loop.createTask(() -> {
                    List<Integer> s = new ArrayList<>();
                    try (BlockingIterable<Integer> view = gen.blocking()) {
                        for (Integer x : view) {
                            assertNotNull(x);
                            s.add(x);
                        }
                    }
                    return s;
                }));
                assertEquals(upTo(total), seen, "round " + round + " cap " + cap);
            }
        }
    }

    /**
     * A consumer that closes the walk from another thread while a run stages, then the body
     * returns (no emit after the close): the close completes, and the consumer's later hasNext() is
     * false (nothing staged before the close leaks out after it).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCloseFromAnotherThreadDuringARunThatThenEndsCompletes(Threading t) throws Exception {
        try (Loop loop = newLoop(t)) {
            for (int round = 0; round < ROUNDS; round++) {
                CountDownLatch staged = new CountDownLatch(1);
                CountDownLatch closedLatch = new CountDownLatch(1);
                AtomicReference<AsyncIterator<Integer>> walk = new AtomicReference<>();
                AsyncIterable<Integer> gen = AsyncIterable.generateAsync(64, out -> {
                    out.emitAsync(0);
                    out.emitAsync(1);
                    out.emitAsync(2);
                    staged.countDown();
                    try {
                        closedLatch.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    return CompletableFuture.completedFuture(null);
                });
                CompletableFuture<Void> closeDone = new CompletableFuture<>();
                Thread closer = new Thread(() -> {
                    try {
                        staged.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    walk.get().closeAsync().whenComplete((v, e) -> {
                        if (e != null) closeDone.completeExceptionally(e); else closeDone.complete(null);
                    });
                    closedLatch.countDown();
                });
                closer.start();
                Boolean after = loop.runUntilComplete(loop.createTaskAsync(() -> {
                    walk.set(gen.asyncIterator());
                    walk.get().hasNext();
                    return closeDone.thenCompose(v -> walk.get().hasNext());
                }));
                closer.join();
                assertEquals(false, after, "round " + round);
            }
        }
    }
}
