package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import dev.aio4j.stream.BlockingIterable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The blocking view (BlockingIterable) from outside its usual shape: closed from another thread
 * while its reader takes elements, and read by a plain platform thread that belongs to no loop.
 */
@Timeout(120)
class BlockingViewEdgesTest {

    static LoopOptions options(Threading t) {
        return LoopOptions.defaults().withThreading(t);
    }

    /**
     * BlockingIterable.close() "may be called from any thread": a close from another thread while
     * the reader takes elements must end the walk, never hand out an element that was not emitted
     * (the view's batch is cleared by the closing thread while the reader reads it), never repeat
     * or skip one, and the generator's finally must have run once when close() returns.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCloseFromAnotherThreadEndsTheWalkWithoutABogusElement(Threading threading) throws Exception {
        int rounds = Integer.getInteger("iteration.viewCloseRaceRounds", 300);
        List<String> bad = new CopyOnWriteArrayList<>();
        Async.run(options(threading), l -> {
            for (int round = 0; round < rounds; round++) {
                AtomicInteger finallies = new AtomicInteger();
                AsyncIterable<Integer> gen = AsyncIterable.generate(e -> {
                    try {
                        for (int i = 0; ; i++) {
                            e.emit(i);
                        }
                    } finally {
                        finallies.incrementAndGet();
                    }
                });
                BlockingIterable<Integer> view = gen.blocking();
                CountDownLatch reading = new CountDownLatch(1);
                int r = round;
                Task<String> reader = l.createTask(() -> {
                    int expected = 0;
                    for (Integer x : view) {
                        if (expected == 100) {
                            reading.countDown();
                        }
                        if (x == null || x != expected) {
                            return "round " + r + ": got " + x + " where " + expected + " was due";
                        }
                        expected++;
                    }
                    return null;
                });
                assertTrue(reading.await(10, TimeUnit.SECONDS));
                AtomicReference<Integer> finalliesWhenClosed = new AtomicReference<>();
                Thread closer = new Thread(() -> {
                    for (int spin = 0; spin < (r % 50) * 20; spin++) {
                        Thread.onSpinWait();
                    }
                    view.close();
                    finalliesWhenClosed.set(finallies.get());
                });
                closer.start();
                closer.join(10_000);
                String outcome = reader.join();
                if (outcome != null) {
                    bad.add(outcome);
                }
                if (!Integer.valueOf(1).equals(finalliesWhenClosed.get())) {
                    bad.add("round " + r + ": the finally had run " + finalliesWhenClosed.get() + " times when close() returned");
                }
            }
            return null;
        });
        assertEquals(0, bad.size(), bad.size() + " of " + rounds + " rounds: " + bad.stream().limit(3).toList());
    }

    /**
     * A plain platform thread (no loop's, no task's) reads the blocking view of a generator's walk
     * begun on a loop: every element, in order, and the body's finally, both styles.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aPlainThreadReadsAWalkBegunOnALoop(Threading threading) throws Exception {
        for (boolean blockingBody : new boolean[] {true, false}) {
            AtomicInteger finallies = new AtomicInteger();
            List<Integer> got = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Async.run(options(threading), l -> {
                AsyncIterable<Integer> gen = blockingBody
                        ? AsyncIterable.<Integer>generate(8, e -> {
                            try {
                                for (int i = 0; i < 1000; i++) {
                                    e.emit(i);
                                }
                            } finally {
                                finallies.incrementAndGet();
                            }
                        })
                        : AsyncIterable.<Integer>generateAsync(8, e -> GeneratorConsumerMatrixTest.count(e, 0, new GeneratorConsumerMatrixTest.Probe())
                                .whenComplete((v, t) -> finallies.incrementAndGet()));
                AsyncIterator<Integer> walk = gen.asyncIterator(); // begun here, on the loop's task
                AsyncIterable<Integer> once = () -> walk;
                Thread plain = new Thread(() -> {
                    try (BlockingIterable<Integer> v = once.blocking()) {
                        for (Integer x : v) {
                            got.add(x);
                            if (got.size() == 1000) {
                                break;
                            }
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                plain.start();
                plain.join(10_000);
                assertTrue(!plain.isAlive(), "the plain thread's walk ended");
                return null;
            });
            assertEquals(null, failure.get(), "blocking body " + blockingBody);
            assertEquals(1000, got.size(), "blocking body " + blockingBody);
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i, got.get(i));
            }
            assertEquals(1, finallies.get(), "blocking body " + blockingBody);
        }
    }

    /**
     * A plain platform thread that begins a generator's walk itself: no loop is current there, so
     * the walk cannot begin; it must say so (IllegalStateException), not hang, and leave nothing
     * running.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aPlainThreadThatBeginsAGeneratorsWalkIsRefusedAtOnce(Threading threading) throws Exception {
        AtomicInteger started = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Async.run(options(threading), l -> {
            AsyncIterable<Integer> gen = AsyncIterable.generate(e -> {
                started.incrementAndGet();
                e.emit(1);
            });
            Thread plain = new Thread(() -> {
                try (BlockingIterable<Integer> v = gen.blocking()) {
                    for (Integer x : v) {
                        assertEquals(1, x);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            plain.start();
            plain.join(10_000);
            assertTrue(!plain.isAlive());
            return null;
        });
        Throwable e = failure.get();
        assertTrue(e instanceof IllegalStateException, "refused: " + e);
        assertEquals(0, started.get());
        assertThrows(IllegalStateException.class, () -> AsyncIterable.generate(x -> x.emit(1)).asyncIterator());
    }

    /**
     * A close from another thread racing the reader's first hasNext() (which begins the walk): the
     * walk is either never begun or closed, never left running with its producer parked for ever
     * on a full buffer. Counts rounds whose producer started and had not run its finally a while
     * after both ended.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCloseRacingTheFirstHasNextNeverLeavesTheWalkRunning(Threading threading) throws Exception {
        int rounds = Integer.getInteger("iteration.viewStartRaceRounds", 500);
        List<String> bad = new CopyOnWriteArrayList<>();
        // preemptive: a producer left parked may keep the loop's close waiting for ever
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> Async.run(options(threading), l -> {
            for (int round = 0; round < rounds; round++) {
                AtomicInteger started = new AtomicInteger();
                AtomicInteger finallies = new AtomicInteger();
                AsyncIterable<Integer> gen = AsyncIterable.generate(1, e -> {
                    started.incrementAndGet();
                    try {
                        for (int i = 0; ; i++) {
                            e.emit(i);
                        }
                    } finally {
                        finallies.incrementAndGet();
                    }
                });
                BlockingIterable<Integer> view = gen.blocking();
                CountDownLatch go = new CountDownLatch(1);
                int r = round;
                Task<Void> reader = l.createTask(() -> {
                    go.await();
                    for (Integer x : view) {
                        if (x > 10_000) {
                            break;
                        }
                    }
                });
                Thread closer = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int spin = 0; spin < (r % 20) * 5; spin++) {
                        Thread.onSpinWait();
                    }
                    view.close();
                });
                closer.start();
                go.countDown();
                closer.join(10_000);
                try {
                    reader.join();
                } catch (RuntimeException e) {
                    bad.add("round " + r + ": the reader failed " + e);
                }
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                while (started.get() != finallies.get() && System.nanoTime() < end) {
                    Thread.sleep(1);
                }
                if (started.get() != finallies.get()) {
                    bad.add("round " + r + ": the producer started and never ended");
                }
            }
            return null;
        }));
        assertEquals(0, bad.size(), bad.size() + " of " + rounds + " rounds: " + bad.stream().limit(3).toList());
    }

    /**
     * A plain platform thread parked in the blocking view's hasNext() of a walk begun on a loop,
     * when that loop closes: the reader is released (the walk ends, with false or a
     * CancellationException, never a hang), and the producer's clean-up has run once when the
     * loop's close returns.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aPlainThreadReadingAWalkIsReleasedWhenItsLoopCloses(Threading threading) throws Exception {
        for (boolean blockingBody : new boolean[] {true, false}) {
            for (int round = 0; round < 20; round++) {
                AtomicInteger finallies = new AtomicInteger();
                AtomicInteger finalliesAtClose = new AtomicInteger(-1);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                AtomicInteger got = new AtomicInteger();
                AtomicReference<Thread> plain = new AtomicReference<>();
                int r = round;
                Async.run(options(threading), l -> {
                    // slow: one element every millisecond, so that the reader waits in hasNext()
                    AsyncIterable<Integer> gen = blockingBody
                            ? AsyncIterable.<Integer>generate(4, e -> {
                                try {
                                    for (int i = 0; ; i++) {
                                        e.emit(i);
                                        Thread.sleep(1);
                                    }
                                } finally {
                                    finallies.incrementAndGet();
                                }
                            })
                            : AsyncIterable.<Integer>generateAsync(4, e -> slowCount(e, 0).whenComplete((v, t) -> finallies.incrementAndGet()));
                    AsyncIterator<Integer> walk = gen.asyncIterator();
                    AsyncIterable<Integer> once = () -> walk;
                    Thread t = new Thread(() -> {
                        try (BlockingIterable<Integer> v = once.blocking()) {
                            for (Integer x : v) {
                                got.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            failure.set(e);
                        }
                    });
                    plain.set(t);
                    t.start();
                    while (got.get() < 1 + r % 5) {
                        Thread.sleep(1);
                    }
                    return null; // the loop closes
                });
                finalliesAtClose.set(finallies.get());
                plain.get().join(10_000);
                String where = (blockingBody ? "blocking" : "non-blocking") + " round " + round;
                assertTrue(!plain.get().isAlive(), where + ": the reader was released");
                Throwable e = failure.get();
                assertTrue(e == null || e instanceof java.util.concurrent.CancellationException, where + ": " + e);
                assertEquals(1, finalliesAtClose.get(), where + ": the clean-up had run when close returned");
            }
        }
    }

    static java.util.concurrent.CompletionStage<Void> slowCount(dev.aio4j.stream.AsyncEmitter<Integer> out, int i) {
        // chained as tasks (AsyncEmitter's Javadoc: a plain CompletableFuture chain is abandoned at a close)
        return dev.aio4j.Loop.current().adopt(out.emitAsync(i))
                .thenCompose(v -> Async.sleepAsync(java.time.Duration.ofMillis(1)))
                .thenCompose(v -> slowCount(out, i + 1));
    }
}
