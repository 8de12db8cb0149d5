package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.BlockingIterable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@code Flow.Publisher} both ways: fromPublisher over a SubmissionPublisher, toPublisher to a plain subscriber. */
class PublisherTest extends LoopFixture {

    <T> T run(Callable<T> body) {
        return loop.runUntilComplete(loop.createTask(body));
    }

    @Test
    void fromPublisherDeliversEveryElementWithBackpressure() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            List<Integer> got = run(() -> {
                SubmissionPublisher<Integer> pub = new SubmissionPublisher<>(pool, 8);
                Task<List<Integer>> all = AsyncIterable.fromPublisher(pub).toList();
                while (pub.getNumberOfSubscribers() == 0) { // a SubmissionPublisher drops what it has no subscriber for
                    Thread.sleep(1);
                }
                Thread feeder = new Thread(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        pub.submit(i); // blocks while the subscriber is 8 behind
                    }
                    pub.close();
                });
                feeder.start();
                List<Integer> r = all.join();
                feeder.join();
                return r;
            });
            assertEquals(10_000, got.size());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i, got.get(i));
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void fromPublisherDeliversOnErrorAsTheSameInstanceAndCancelsOnEarlyExit() {
        IllegalStateException boom = new IllegalStateException("boom");
        run(() -> {
            Flow.Publisher<Integer> failing = s -> s.onSubscribe(new Flow.Subscription() {
                boolean sent;

                @Override
                public void request(long n) {
                    if (!sent) {
                        sent = true;
                        s.onNext(1);
                        s.onError(boom);
                    }
                }

                @Override
                public void cancel() {}
            });
            List<Integer> seen = new ArrayList<>();
            assertSame(boom, assertThrows(IllegalStateException.class, AsyncIterable.fromPublisher(failing).forEach(seen::add)::join));
            assertEquals(List.of(1), seen);

            AtomicInteger cancels = new AtomicInteger();
            Flow.Publisher<Integer> endless = s -> s.onSubscribe(new Flow.Subscription() {
                int next;

                @Override
                public void request(long n) {
                    for (long i = 0; i < n; i++) {
                        s.onNext(next++);
                    }
                }

                @Override
                public void cancel() {
                    cancels.incrementAndGet();
                }
            });
            assertEquals(List.of(0, 1, 2), AsyncIterable.fromPublisher(endless).take(3).toList().join());
            assertEquals(1, cancels.get(), "take did not cancel the subscription");
            try (BlockingIterable<Integer> view = AsyncIterable.fromPublisher(endless).blocking()) {
                for (int x : view) {
                    if (x == 5) {
                        break;
                    }
                }
            }
            assertEquals(2, cancels.get(), "leaving the blocking view did not cancel the subscription");
            return null;
        });
    }

    @Test
    void toPublisherFollowsRequestsAndItsCancelClosesTheSource() throws Exception {
        AtomicInteger finallyRan = new AtomicInteger();
        List<Integer> got = new ArrayList<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch three = new CountDownLatch(3);
        run(() -> {
            Flow.Publisher<Integer> pub = AsyncIterable.<Integer>generate(e -> {
                try {
                    for (int i = 0; ; i++) {
                        e.emit(i);
                    }
                } finally {
                    finallyRan.incrementAndGet();
                }
            }).toPublisher();
            Flow.Subscription[] sub = new Flow.Subscription[1];
            pub.subscribe(new Flow.Subscriber<Integer>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    sub[0] = s;
                    s.request(3);
                }

                @Override
                public void onNext(Integer item) {
                    got.add(item);
                    three.countDown();
                }

                @Override
                public void onError(Throwable t) {
                    error.set(t);
                }

                @Override
                public void onComplete() {}
            });
            three.await();
            Thread.sleep(50); // nothing more arrives without a request
            assertEquals(List.of(0, 1, 2), got);
            sub[0].cancel();
            for (int i = 0; i < 200 && finallyRan.get() == 0; i++) {
                Thread.sleep(10);
            }
            return null;
        });
        assertEquals(1, finallyRan.get(), "cancelling the subscription did not close the generator");
        assertNull(error.get());
    }

    @Test
    void toPublisherDeliversTheSourcesFailureAsTheSameInstance() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        AtomicReference<Throwable> error = new AtomicReference<>();
        List<Integer> got = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        run(() -> {
            AsyncIterable.<Integer>generate(e -> {
                e.emit(7);
                throw boom;
            }).toPublisher().subscribe(new Flow.Subscriber<Integer>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(Integer item) {
                    got.add(item);
                }

                @Override
                public void onError(Throwable t) {
                    error.set(t);
                    done.countDown();
                }

                @Override
                public void onComplete() {
                    done.countDown();
                }
            });
            done.await();
            return null;
        });
        assertEquals(List.of(7), got);
        assertSame(boom, error.get());
    }

    @Test
    void aRoundTripThroughAPublisherKeepsEverything() {
        List<Integer> got = run(() -> AsyncIterable.fromPublisher(
                AsyncIterable.<Integer>generate(e -> {
                    for (int i = 0; i < 1000; i++) {
                        e.emit(i);
                    }
                }).toPublisher()).toList().join());
        assertEquals(1000, got.size());
        assertTrue(got.get(999) == 999);
    }

    /** A source with no element yet: its first hasNext() is [first], completed by the test. */
    static AsyncIterable<Integer> waiting(java.util.concurrent.CompletableFuture<Boolean> first, AtomicInteger closes) {
        return () -> new dev.aio4j.stream.AsyncIterator<Integer>() {
            @Override
            public java.util.concurrent.CompletionStage<Boolean> hasNext() {
                return first;
            }

            @Override
            public Integer next() {
                throw new java.util.NoSuchElementException();
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> closeAsync() {
                closes.incrementAndGet();
                first.complete(false);
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
        };
    }

    /** Subscribes to [publisher], requests one element, then [n] (not positive) while the walk waits, and returns the signals seen within a few seconds. */
    static List<String> signalsAfterABadRequest(Flow.Publisher<Integer> publisher, long n, Runnable afterRequest) throws InterruptedException {
        List<String> signals = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch ended = new CountDownLatch(1);
        AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        publisher.subscribe(new Flow.Subscriber<Integer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                signals.add("subscribe");
                subscription.set(s);
                s.request(1); // the walk begins, and waits for the source's first element
            }

            @Override
            public void onNext(Integer item) {
                signals.add("next " + item);
            }

            @Override
            public void onError(Throwable t) {
                signals.add("error " + t.getClass().getSimpleName());
                ended.countDown();
            }

            @Override
            public void onComplete() {
                signals.add("complete");
                ended.countDown();
            }
        });
        Thread.sleep(50);
        subscription.get().request(n);
        Thread.sleep(50);
        afterRequest.run();
        ended.await(5, java.util.concurrent.TimeUnit.SECONDS);
        return signals;
    }

    @Test
    void aBadRequestWhileTheSourceWaitsIsSignalledAtOnce() throws Exception {
        // §3.9: the walk read the bad request only before it began and after each element, so a
        // source that waits gave no signal at all, and one that then ended gave onComplete
        for (long n : new long[] {0, -1}) {
            AtomicInteger closes = new AtomicInteger();
            java.util.concurrent.CompletableFuture<Boolean> never = new java.util.concurrent.CompletableFuture<>();
            List<String> waited = run(() -> signalsAfterABadRequest(waiting(never, closes).toPublisher(), n, () -> {}));
            assertEquals(List.of("subscribe", "error IllegalArgumentException"), waited, "request(" + n + ") to a source that waits");
            assertEquals(1, closes.get(), "the walk's iterator is closed");
        }
        AtomicInteger closes = new AtomicInteger();
        java.util.concurrent.CompletableFuture<Boolean> endsLater = new java.util.concurrent.CompletableFuture<>();
        List<String> ended = run(() -> signalsAfterABadRequest(waiting(endsLater, closes).toPublisher(), 0, () -> endsLater.complete(false)));
        assertEquals(List.of("subscribe", "error IllegalArgumentException"), ended, "request(0), then the source ends");
    }

    /** Records the signals a subscriber gets; requests [initial] in onSubscribe. */
    static final class Recorder implements Flow.Subscriber<Integer> {
        final List<Object> signals = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch ended = new CountDownLatch(1);
        final long initial;
        volatile Flow.Subscription subscription;

        Recorder(long initial) {
            this.initial = initial;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (initial > 0) {
                s.request(initial);
            }
        }

        @Override
        public void onNext(Integer item) {
            signals.add(item);
        }

        @Override
        public void onError(Throwable t) {
            signals.add(t);
            ended.countDown();
        }

        @Override
        public void onComplete() {
            signals.add("complete");
            ended.countDown();
        }

        int items() {
            return (int) signals.stream().filter(x -> x instanceof Integer).count();
        }

        /** The one terminal signal, within a few seconds: the error's class name, or "complete". */
        String terminal() throws InterruptedException {
            assertTrue(ended.await(5, java.util.concurrent.TimeUnit.SECONDS), "no terminal signal; signals " + signals);
            Object last = signals.get(signals.size() - 1);
            assertEquals(1, signals.stream().filter(x -> !(x instanceof Integer)).count(), "one terminal signal: " + signals);
            return last instanceof Throwable t ? t.getClass().getSimpleName() + ": " + t.getMessage() : String.valueOf(last);
        }
    }

    /** An endless generator whose finally blocks are counted. */
    static AsyncIterable<Integer> endless(AtomicInteger finallies) {
        return AsyncIterable.generate(e -> {
            try {
                for (int i = 0; ; i++) {
                    e.emit(i);
                }
            } finally {
                finallies.incrementAndGet();
            }
        });
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(LoopOptions.Threading.class)
    void closingTheLoopWhileAWalkWaitsForDemandSignalsOnErrorAndClosesTheSource(LoopOptions.Threading threading) throws Exception {
        // The walk's coroutine (kotlinx's subscription) had no parent: the loop's close cancelled the
        // generator's task but not the walk, which waited for demand for ever; no terminal signal came,
        // and a later request threw the closed dispatcher's error.
        for (int want = 1; want <= 3; want++) {
            AtomicInteger finallies = new AtomicInteger();
            Recorder subscriber = new Recorder(want);
            int w = want;
            Async.run(LoopOptions.defaults().withThreading(threading), l -> {
                endless(finallies).toPublisher().subscribe(subscriber);
                while (subscriber.items() < w) {
                    Thread.sleep(1);
                }
                return null;
            });
            assertEquals("CancellationException: the loop is closing", subscriber.terminal(), "demand " + want);
            assertEquals(want, subscriber.items());
            assertEquals(1, finallies.get(), "the source is closed");
            subscriber.subscription.request(1); // §3.16: returns normally, and signals nothing more after the end
            subscriber.subscription.cancel();
            assertEquals(want + 1, subscriber.signals.size(), "nothing after the terminal signal: " + subscriber.signals);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(LoopOptions.Threading.class)
    void aRequestOrASubscriptionThatFindsTheLoopClosedSignalsOnError(LoopOptions.Threading threading) throws Exception {
        // Both threw IllegalStateException("loop is closed") at the subscriber (§1.9, §3.16)
        AtomicReference<Flow.Publisher<Integer>> publisher = new AtomicReference<>();
        Recorder early = new Recorder(0);
        AtomicInteger finallies = new AtomicInteger();
        Async.run(LoopOptions.defaults().withThreading(threading), l -> {
            publisher.set(endless(finallies).toPublisher());
            publisher.get().subscribe(early); // subscribed while the loop runs; requests only after its close
            return null;
        });
        early.subscription.request(1);
        assertEquals("IllegalStateException: loop is closed", early.terminal());
        early.subscription.request(1);
        assertEquals(1, early.signals.size(), "one signal: " + early.signals);

        Recorder late = new Recorder(Long.MAX_VALUE);
        publisher.get().subscribe(late);
        assertEquals("IllegalStateException: loop is closed", late.terminal());
        assertEquals(0, finallies.get(), "no walk began");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(LoopOptions.Threading.class)
    void fromPublisherDeliversWhatWasPublishedBeforeThePublisherPaused(LoopOptions.Threading threading) throws Exception {
        // On a single-threaded loop, the walk's collector moved a part-filled chunk in a step of the
        // loop, and what that step found no room for stayed in the chunk until the next element: 6
        // of 70 events, with a buffer of 64, until the publisher published again.
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 3; round++) {
                int got = Async.run(LoopOptions.defaults().withThreading(threading), l -> {
                    try (SubmissionPublisher<Integer> pub = new SubmissionPublisher<>(pool, 256)) {
                        var it = AsyncIterable.fromPublisher(pub).asyncIterator();
                        var first = it.hasNext().toCompletableFuture(); // subscribes
                        while (pub.getNumberOfSubscribers() == 0) {
                            Thread.sleep(1);
                        }
                        for (int i = 0; i < 70; i++) {
                            pub.submit(i);
                        }
                        assertTrue(first.get(5, java.util.concurrent.TimeUnit.SECONDS));
                        Thread.sleep(50); // the consumer is busy; then it reads, while the publisher is quiet
                        int n = 0;
                        try {
                            while (n < 70 && it.hasNext().toCompletableFuture().get(2, java.util.concurrent.TimeUnit.SECONDS)) {
                                assertEquals(n, it.next());
                                n++;
                            }
                        } catch (java.util.concurrent.TimeoutException e) {
                            // held back: the assertion below says how many came
                        }
                        it.closeAsync().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
                        return n;
                    }
                });
                assertEquals(70, got, "round " + round);
            }
        } finally {
            pool.shutdown();
        }
    }
}
