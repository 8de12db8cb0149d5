package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.BlockingIterable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** take/map/filter and toPublisher at their edges: a failing close after take, a throwing mapper or subscriber. */
@Timeout(60)
class OperatorEdgesTest {

    static LoopOptions options(Threading t) {
        return LoopOptions.defaults().withThreading(t);
    }

    /** An endless blocking generator whose finally counts and then throws [boom] if given. */
    static AsyncIterable<Integer> endless(AtomicInteger finallies, RuntimeException boom) {
        return AsyncIterable.generate(4, e -> {
            try {
                for (int i = 0; ; i++) {
                    e.emit(i);
                }
            } finally {
                finallies.incrementAndGet();
                if (boom != null) {
                    throw boom;
                }
            }
        });
    }

    /**
     * take(n)'s Javadoc: once n are taken, hasNext() closes the source and fails with the
     * closing's failure. Every consumer then fails with that instance, once (not suppressed into
     * itself), and the source is closed once.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCloseFailureAfterTakeFailsEveryConsumerWithThatInstance(Threading threading) {
        Async.run(options(threading), l -> {
            for (int consumer = 0; consumer < 3; consumer++) {
                AtomicInteger finallies = new AtomicInteger();
                RuntimeException boom = new IllegalStateException("close failed " + consumer);
                AsyncIterable<Integer> three = endless(finallies, boom).take(3);
                List<Integer> got = new CopyOnWriteArrayList<>();
                Throwable thrown;
                if (consumer == 0) {
                    Task<Void> t = three.forEach(got::add);
                    thrown = assertThrows(RuntimeException.class, t::join);
                } else if (consumer == 1) {
                    thrown = assertThrows(RuntimeException.class, () -> three.toList().join());
                    got.addAll(List.of(0, 1, 2));
                } else {
                    thrown = assertThrows(RuntimeException.class, () -> {
                        try (BlockingIterable<Integer> v = three.blocking()) {
                            for (Integer x : v) {
                                got.add(x);
                            }
                        }
                    });
                }
                assertSame(boom, thrown, "consumer " + consumer);
                assertEquals(0, boom.getSuppressed().length, "not suppressed into itself: consumer " + consumer);
                assertEquals(List.of(0, 1, 2), got);
                assertEquals(1, finallies.get());
            }
            return null;
        });
    }

    /** map's mapper throwing fails the walk with that instance and closes the source once, before the task ends. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aThrowingMapperFailsTheWalkAndClosesTheSourceFirst(Threading threading) {
        Async.run(options(threading), l -> {
            for (int round = 0; round < 50; round++) {
                AtomicInteger finallies = new AtomicInteger();
                RuntimeException boom = new IllegalArgumentException("mapper");
                int at = round;
                AtomicInteger finalliesAtEnd = new AtomicInteger(-1);
                Task<Void> t = endless(finallies, null).map(x -> {
                    if (x == at) {
                        throw boom;
                    }
                    return x;
                }).filter(x -> x % 2 == 0).forEach(x -> { });
                RuntimeException thrown = assertThrows(RuntimeException.class, t::join);
                finalliesAtEnd.set(finallies.get());
                assertSame(boom, thrown);
                assertEquals(1, finalliesAtEnd.get(), "round " + round + ": closed before the task ended");
            }
            return null;
        });
    }

    /**
     * Reactive Streams §2.13: a subscriber whose onNext throws; the publisher may treat the
     * subscription as cancelled: the source is closed once, and no onNext comes after the throw.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aSubscriberWhoseOnNextThrowsGetsNothingMoreAndTheSourceIsClosed(Threading threading) throws Exception {
        AtomicInteger finallies = new AtomicInteger();
        List<Object> signals = new CopyOnWriteArrayList<>();
        Async.run(options(threading), l -> {
            l.setExceptionHandler((loop, c) -> signals.add("handler: " + c.message()));
            endless(finallies, null).toPublisher().subscribe(new Flow.Subscriber<Integer>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(Integer item) {
                    signals.add(item);
                    if (item == 3) {
                        throw new IllegalStateException("subscriber broke");
                    }
                }

                @Override
                public void onError(Throwable t) {
                    signals.add("error: " + t);
                }

                @Override
                public void onComplete() {
                    signals.add("complete");
                }
            });
            long end = System.nanoTime() + 5_000_000_000L;
            while (finallies.get() == 0 && System.nanoTime() < end) {
                Thread.sleep(1);
            }
            Thread.sleep(20);
            return null;
        });
        assertEquals(1, finallies.get(), "the source is closed once: " + signals);
        List<Object> items = new ArrayList<>();
        for (Object s : signals) {
            if (s instanceof Integer) {
                items.add(s);
            }
        }
        assertEquals(List.of(0, 1, 2, 3), items, "nothing after the throw: " + signals);
        assertTrue(signals.indexOf(3) == 3, String.valueOf(signals));
    }

    /** A filter that drops everything from an endless generator: its forEach, cancelled, ends cancelled and closes the source once. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCancelledWalkThroughAFilterThatDropsEverythingClosesTheSource(Threading threading) {
        Async.run(options(threading), l -> {
            AtomicInteger finallies = new AtomicInteger();
            Task<Void> t = endless(finallies, null).filter(x -> false).forEach(x -> { });
            Async.sleep(java.time.Duration.ofMillis(20));
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertEquals(1, finallies.get());
            return null;
        });
    }

    /**
     * take(n) "closes the source once" (its closeAsync: "a source's closeAsync() need not be
     * idempotent"): its blocking view closed from another thread (allowed) while the reader's
     * hasNext() reaches n and closes the source itself. A hand-written source counts its closes.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void takeClosesAHandWrittenSourceOnceWhenItsViewIsClosedFromAnotherThread(Threading threading) {
        int rounds = Integer.getInteger("iteration.takeCloseRounds", 2000);
        List<String> bad = new CopyOnWriteArrayList<>();
        Async.run(options(threading), l -> {
            for (int round = 0; round < rounds; round++) {
                AtomicInteger closes = new AtomicInteger();
                AtomicInteger opened = new AtomicInteger();
                AsyncIterable<Integer> source = () -> opened.incrementAndGet() < 0 ? null : new dev.aio4j.stream.AsyncIterator<Integer>() {
                    int i;

                    @Override
                    public java.util.concurrent.CompletionStage<Boolean> hasNext() {
                        return java.util.concurrent.CompletableFuture.completedFuture(true);
                    }

                    @Override
                    public Integer next() {
                        return i++;
                    }

                    @Override
                    public java.util.concurrent.CompletionStage<Void> closeAsync() {
                        closes.incrementAndGet();
                        return java.util.concurrent.CompletableFuture.completedFuture(null);
                    }
                };
                BlockingIterable<Integer> view = source.take(50).blocking();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                int r = round;
                Thread closer = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int spin = 0; spin < (r % 40) * 10; spin++) {
                        Thread.onSpinWait();
                    }
                    view.close();
                });
                closer.start();
                Task<Void> reader = l.createTask(() -> {
                    go.countDown();
                    for (Integer x : view) {
                        if (x < 0) {
                            break;
                        }
                    }
                });
                reader.join();
                closer.join();
                if (closes.get() != opened.get()) { // a close that came before the walk began opens nothing
                    bad.add("round " + round + ": " + closes.get() + " closes of " + opened.get() + " walks");
                }
            }
            return null;
        });
        assertEquals(0, bad.size(), bad.size() + " of " + rounds + " rounds: " + bad.stream().limit(3).toList());
    }
}
