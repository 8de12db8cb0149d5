package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.BlockingIterable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every consumer of an endless generator, of both body styles, on both threadings, ended from
 * outside: its task cancelled while the producer waits on a full buffer, and the loop closed
 * while the walk goes on. The producer's clean-up must run exactly once, completely, and before
 * the consumer's task (or the loop's close) completes.
 */
@Timeout(120)
class GeneratorConsumerMatrixTest {

    enum Style { BLOCKING, NON_BLOCKING }

    enum Consumer { FOR_EACH, FOR_EACH_ASYNC, TO_LIST, MAP_FILTER, VIEW, STREAM, PUBLISHER }

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Threading t : Threading.values()) {
            for (Style s : Style.values()) {
                for (Consumer c : Consumer.values()) {
                    out.add(Arguments.of(t, s, c));
                }
            }
        }
        return out.stream();
    }

    public static final class Probe {
        final AtomicLong emitted = new AtomicLong();
        final AtomicLong seen = new AtomicLong();
        final AtomicInteger finallyStarted = new AtomicInteger();
        final AtomicInteger finallyDone = new AtomicInteger();
        final List<Throwable> cleanUpErrors = new CopyOnWriteArrayList<>();
        volatile Flow.Subscription subscription;
    }

    /**
     * An endless generator of [style] with a counted clean-up: a blocking body's finally makes a
     * blocking call; a non-blocking body's clean-up waits as aio4j tasks if [waitingCleanUp] (a loop's
     * close cancels what of the chain is pending, as AsyncEmitter's Javadoc says: only for a
     * consumer's cancel), else it is a whenComplete.
     */
    static AsyncIterable<Integer> endless(Style style, Probe p, boolean waitingCleanUp) {
        if (style == Style.BLOCKING) {
            return AsyncIterable.generate(4, e -> {
                try {
                    for (int i = 0; ; i++) {
                        e.emit(i);
                        p.emitted.incrementAndGet();
                    }
                } finally {
                    p.finallyStarted.incrementAndGet();
                    try {
                        Thread.sleep(3); // a clean-up that blocks: no interrupt may be pending
                        p.finallyDone.incrementAndGet();
                    } catch (InterruptedException ie) {
                        p.cleanUpErrors.add(ie);
                    }
                }
            });
        }
        if (!waitingCleanUp) {
            return AsyncIterable.generateAsync(4, e -> count(e, 0, p).whenComplete((v, t) -> {
                p.finallyStarted.incrementAndGet();
                p.finallyDone.incrementAndGet();
            }));
        }
        // the clean-up waits, as aio4j tasks (which a cancellation reaches): it must not be cancelled
        return AsyncIterable.generateAsync(4, e -> Loop.current().adopt(count(e, 0, p))
                .handle((v, t) -> {
                    p.finallyStarted.incrementAndGet();
                    return null;
                })
                .thenCompose(v -> Async.sleepAsync(Duration.ofMillis(3)))
                .whenComplete((v, t) -> {
                    if (t == null) {
                        p.finallyDone.incrementAndGet();
                    } else {
                        p.cleanUpErrors.add(t);
                    }
                }));
    }

    static CompletionStage<Void> count(AsyncEmitter<Integer> out, int from, Probe p) {
        for (int i = from; ; i++) {
            CompletionStage<Void> room = out.emitAsync(i);
            p.emitted.incrementAndGet();
            CompletableFuture<Void> now = room.toCompletableFuture();
            if (!now.isDone()) {
                int next = i + 1;
                return room.thenCompose(v -> count(out, next, p));
            }
            if (now.isCompletedExceptionally()) {
                return room;
            }
        }
    }

    /** Starts consuming on the current loop; slow: the consumer stops after its first element, waiting for ever. */
    static Task<?> consume(Loop l, Consumer c, AsyncIterable<Integer> it, Probe p, boolean slow) {
        Duration forever = Duration.ofHours(1);
        switch (c) {
            case FOR_EACH:
                return it.forEach(x -> p.seen.incrementAndGet());
            case FOR_EACH_ASYNC:
                return it.forEachAsync(x -> p.seen.incrementAndGet() > 0 && slow ? Async.sleepAsync(forever) : CompletableFuture.completedFuture(null));
            case TO_LIST:
                return it.map(x -> {
                    p.seen.incrementAndGet();
                    return x;
                }).toList();
            case MAP_FILTER:
                return it.map(x -> x + 1).filter(x -> x > 0).forEachAsync(x -> p.seen.incrementAndGet() > 0 && slow ? Async.sleepAsync(forever) : CompletableFuture.completedFuture(null));
            case VIEW:
                return l.createTask(() -> {
                    try (BlockingIterable<Integer> v = it.blocking()) {
                        for (Integer x : v) {
                            p.seen.incrementAndGet();
                            if (slow) {
                                Async.sleep(forever);
                            }
                        }
                    }
                });
            case STREAM:
                return l.createTask(() -> {
                    try (Stream<Integer> s = it.stream()) {
                        s.forEach(x -> {
                            p.seen.incrementAndGet();
                            if (slow) {
                                Async.sleep(forever);
                            }
                        });
                    }
                });
            case PUBLISHER:
                it.toPublisher().subscribe(new Flow.Subscriber<Integer>() {
                    @Override
                    public void onSubscribe(Flow.Subscription s) {
                        p.subscription = s;
                        s.request(1);
                    }

                    @Override
                    public void onNext(Integer item) {
                        p.seen.incrementAndGet();
                        if (!slow) {
                            p.subscription.request(1);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onComplete() {}
                });
                return null;
            default:
                throw new AssertionError(c);
        }
    }

    static void waitUntil(BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(1);
        }
    }

    static LoopOptions options(Threading t) {
        return LoopOptions.defaults().withThreading(t);
    }

    /**
     * The consumer's task cancelled while the producer waits on a full buffer (the consumer is
     * stuck on its first element): the task ends cancelled, and only after the producer's clean-up
     * has run, once and completely.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("matrix")
    void cancellingTheConsumerWhileTheProducerWaitsOnAFullBufferRunsItsCleanUpOnceBeforeTheTaskEnds(Threading threading, Style style, Consumer consumer) throws Exception {
        int rounds = Integer.getInteger("iteration.matrixRounds", 10);
        for (int round = 0; round < rounds; round++) {
            Probe p = new Probe();
            AtomicInteger doneAtEnd = new AtomicInteger(-1);
            AtomicReference<Task<?>> task = new AtomicReference<>();
            String where = threading + " " + style + " " + consumer + " round " + round;
            Async.run(options(threading), l -> {
                Task<?> t = consume(l, consumer, endless(style, p, true), p, true);
                task.set(t);
                waitUntil(() -> p.seen.get() >= 1 && p.emitted.get() >= 4, where + ": the buffer fills");
                long e;
                int tries = 0;
                do { // until the producer has stopped: it waits for room (FOR_EACH and TO_LIST never stop: a moment will do)
                    e = p.emitted.get();
                    Thread.sleep(2);
                } while (e != p.emitted.get() && ++tries < 20);
                if (t == null) {
                    p.subscription.cancel();
                    waitUntil(() -> p.finallyDone.get() + p.cleanUpErrors.size() >= 1, where + ": the clean-up after the cancel");
                } else {
                    t.cancel();
                    try {
                        t.join();
                    } catch (java.util.concurrent.CancellationException expected) {
                        // the consumer's cancellation
                    }
                    doneAtEnd.set(p.finallyDone.get());
                    assertTrue(t.isCancelled(), where + ": cancelled, was " + t.state());
                    assertEquals(1, doneAtEnd.get(), where + ": the clean-up had run when the task completed");
                }
                return null;
            });
            assertEquals(List.of(), p.cleanUpErrors, where + ": the clean-up met no second cancellation");
            assertEquals(1, p.finallyStarted.get(), where + ": one clean-up");
            assertEquals(1, p.finallyDone.get(), where + ": one clean-up, done");
        }
    }

    /**
     * The loop closed while the consumer walks (fast or stuck on an element): when close returns,
     * the producer's clean-up has run once, completely, and the consumer's task is cancelled.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("matrix")
    void closingTheLoopWhileAConsumerWalksRunsTheCleanUpOnceBeforeCloseReturns(Threading threading, Style style, Consumer consumer) throws Exception {
        int rounds = Integer.getInteger("iteration.matrixRounds", 10);
        for (int round = 0; round < rounds; round++) {
            boolean slow = round % 2 == 1;
            Probe p = new Probe();
            AtomicReference<Task<?>> task = new AtomicReference<>();
            String where = threading + " " + style + " " + consumer + (slow ? " slow" : " fast") + " round " + round;
            int r = round;
            Async.run(options(threading), l -> {
                task.set(consume(l, consumer, endless(style, p, false), p, slow));
                waitUntil(() -> p.seen.get() >= 1 + (r * 37 % 200) || (slow && p.seen.get() >= 1), where + ": elements flow");
                return null; // the loop closes
            });
            assertEquals(List.of(), p.cleanUpErrors, where + ": the clean-up met no second cancellation");
            assertEquals(1, p.finallyStarted.get(), where + ": one clean-up when close returned");
            assertEquals(1, p.finallyDone.get(), where + ": one clean-up, done when close returned");
            Task<?> t = task.get();
            if (t != null) {
                assertTrue(t.isCancelled(), where + ": the consumer's task is cancelled, was " + t.state());
            }
        }
    }

    /**
     * The loop closed while a blocking view (in a task) reads a blocking generator: the view's
     * thread, interrupted first, closes the walk, whose emit throws the GeneratorExit; the loop's
     * close then cancelled the producer's task too, and that interrupt landed in the body's finally
     * (a blocking call there threw InterruptedException), although the body gets one cancellation
     * (Emitter's Javadoc). Counts the rounds whose clean-up met a second cancellation.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Threading.class)
    void aBlockingBodysCleanUpIsNotInterruptedWhenTheLoopClosesWhileABlockingViewReads(Threading threading) throws Exception {
        int rounds = Integer.getInteger("iteration.viewCloseRounds", 200);
        int bad = 0;
        int unfinished = 0;
        for (int round = 0; round < rounds; round++) {
            Probe p = new Probe();
            int r = round;
            Async.run(options(threading), l -> {
                consume(l, Consumer.VIEW, endless(Style.BLOCKING, p, false), p, false);
                waitUntil(() -> p.seen.get() >= 1 + (r * 13 % 100), "elements flow");
                return null; // the loop closes
            });
            if (!p.cleanUpErrors.isEmpty()) {
                bad++;
            }
            if (p.finallyStarted.get() != 1) {
                unfinished++;
            }
        }
        assertEquals("0 of " + rounds + " rounds interrupted the clean-up, 0 without one clean-up",
                bad + " of " + rounds + " rounds interrupted the clean-up, " + unfinished + " without one clean-up");
    }

    /**
     * A non-blocking generator whose clean-up, after the GeneratorExit, waits as aio4j tasks (as
     * AsyncEmitter's Javadoc recommends), read by forEach; the forEach task cancelled at a random
     * moment. The close must wait for the clean-up, and not cancel it: the body has had its
     * GeneratorExit (asyncio's aclose throws it once; the finally may await). Counts rounds whose
     * clean-up was cancelled or had not finished when the forEach task completed.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Threading.class)
    void aNonBlockingBodysWaitingCleanUpIsNotCutWhenItsConsumerIsCancelled(Threading threading) throws Exception {
        int rounds = Integer.getInteger("iteration.asyncCleanUpRounds", 300);
        List<String> bad = new CopyOnWriteArrayList<>();
        Async.run(options(threading), l -> {
            for (int round = 0; round < rounds; round++) {
                Probe p = new Probe();
                Task<?> t = consume(l, Consumer.FOR_EACH, endless(Style.NON_BLOCKING, p, true), p, false);
                long want = 1 + (round * 13 % 50);
                waitUntil(() -> p.seen.get() >= want, "elements flow");
                t.cancel();
                try {
                    t.join();
                } catch (java.util.concurrent.CancellationException expected) {
                    // the consumer's cancellation
                }
                int doneAtEnd = p.finallyDone.get();
                waitUntil(() -> p.finallyDone.get() + p.cleanUpErrors.size() >= 1, "the clean-up ends");
                if (doneAtEnd != 1 || !p.cleanUpErrors.isEmpty()) {
                    bad.add("round " + round + ": done at the task's end " + doneAtEnd + ", errors " + p.cleanUpErrors);
                }
            }
            return null;
        });
        assertEquals(0, bad.size(), bad.size() + " of " + rounds + " rounds: " + bad.stream().limit(3).toList());
    }

    /**
     * The producer fails in its clean-up (its finally throws X) while its consumer is cancelled:
     * the consumer's task ends cancelled, never hangs, and X is not lost: it is the close's failure,
     * added as suppressed to the cancellation (AsyncIterable's "Closing"; BlockingIterable's
     * "a failure to close ... is added to it as suppressed"). forEach and the blocking view.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Threading.class)
    void aFailingCleanUpOfACancelledConsumersProducerIsSuppressedIntoTheCancellation(Threading threading) throws Exception {
        int rounds = Integer.getInteger("iteration.failingCleanUpRounds", 100);
        List<String> bad = new CopyOnWriteArrayList<>();
        Async.run(options(threading), l -> {
            for (int round = 0; round < rounds; round++) {
                for (Consumer consumer : new Consumer[] {Consumer.FOR_EACH, Consumer.VIEW}) {
                    RuntimeException x = new IllegalStateException("clean-up failed");
                    Probe p = new Probe();
                    AsyncIterable<Integer> gen = AsyncIterable.generate(4, e -> {
                        try {
                            for (int i = 0; ; i++) {
                                e.emit(i);
                            }
                        } catch (java.util.concurrent.CancellationException exit) {
                            p.finallyStarted.incrementAndGet();
                            x.addSuppressed(new RuntimeException("marker")); // harmless; the instance matters
                            throw x;
                        }
                    });
                    Task<?> t = consume(l, consumer, gen, p, round % 2 == 0);
                    long want = round % 2 == 0 ? 1 : 1 + round % 7; // a slow consumer takes one
                    waitUntil(() -> p.seen.get() >= want, "elements flow");
                    t.cancel();
                    Throwable thrown = null;
                    try {
                        t.join();
                    } catch (Throwable e) {
                        thrown = e;
                    }
                    String where = consumer + " round " + round + ": ";
                    if (!(thrown instanceof java.util.concurrent.CancellationException)) {
                        bad.add(where + "ended with " + thrown);
                    } else if (!List.of(thrown.getSuppressed()).contains(x)) {
                        bad.add(where + "the clean-up's failure is lost: suppressed " + List.of(thrown.getSuppressed()));
                    }
                    if (p.finallyStarted.get() != 1) {
                        bad.add(where + p.finallyStarted.get() + " clean-ups");
                    }
                }
            }
            return null;
        });
        assertEquals(0, bad.size(), bad.size() + " failures: " + bad.stream().limit(4).toList());
    }
}
