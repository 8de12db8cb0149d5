package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.stream.AsyncIterable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * toPublisher() against the Reactive Streams rules the TCK does not reach: a cancelled
 * subscription after the loop's close, requests from several threads at once, a cancel from
 * another thread while elements flow.
 */
@Timeout(60)
class PublisherRulesTest {

    static LoopOptions options(Threading t) {
        return LoopOptions.defaults().withThreading(t);
    }

    /** Records every signal, checks they never overlap (§1.3). */
    static final class Recorder implements Flow.Subscriber<Integer> {
        final List<Object> signals = new CopyOnWriteArrayList<>();
        final AtomicInteger items = new AtomicInteger();
        final AtomicBoolean inSignal = new AtomicBoolean();
        final AtomicReference<String> overlap = new AtomicReference<>();
        final CountDownLatch ended = new CountDownLatch(1);
        final long initial;
        volatile Flow.Subscription subscription;

        Recorder(long initial) {
            this.initial = initial;
        }

        private void enter(String what) {
            if (!inSignal.compareAndSet(false, true)) {
                overlap.compareAndSet(null, what + " overlapped another signal");
            }
        }

        private void exit() {
            inSignal.set(false);
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
            enter("onNext");
            signals.add(item);
            items.incrementAndGet();
            exit();
        }

        @Override
        public void onError(Throwable t) {
            enter("onError");
            signals.add(t);
            ended.countDown();
            exit();
        }

        @Override
        public void onComplete() {
            enter("onComplete");
            signals.add("complete");
            ended.countDown();
            exit();
        }

        List<Object> terminals() {
            List<Object> out = new ArrayList<>();
            for (Object s : signals) {
                if (!(s instanceof Integer)) {
                    out.add(s);
                }
            }
            return out;
        }
    }

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

    static void waitUntil(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(1);
        }
    }

    /**
     * §3.6: after the Subscription is cancelled, request(n) must be a no-op; §1.8: a cancelled
     * subscription must eventually stop being signalled. A subscription cancelled while the loop
     * ran, asked again after the loop's close, got onError(IllegalStateException("loop is closed")).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCancelledSubscriptionSignalsNothingWhenRequestedAfterTheLoopClosed(Threading threading) throws Exception {
        for (boolean walked : new boolean[] {true, false}) {
            AtomicInteger finallies = new AtomicInteger();
            Recorder s = new Recorder(walked ? 1 : 0);
            Async.run(options(threading), l -> {
                endless(finallies).toPublisher().subscribe(s);
                waitUntil(() -> s.subscription != null, "onSubscribe");
                if (walked) {
                    waitUntil(() -> s.items.get() == 1, "the first element");
                }
                s.subscription.cancel();
                if (walked) {
                    waitUntil(() -> finallies.get() == 1, "the source's close");
                }
                return null;
            });
            s.subscription.request(1);
            s.subscription.request(0); // §3.6 again: a no-op too, not §3.9's onError
            Thread.sleep(50);
            assertEquals(walked ? List.of(0) : List.of(), s.signals, "walked " + walked + ": nothing after the cancel");
        }
    }

    /**
     * §1.1 and §2.7/§3.x: requests made from several threads at once add up exactly; never more
     * elements than requested, and all of them, with signals never overlapping (§1.3).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void concurrentRequestsFromOtherThreadsAreCountedExactly(Threading threading) throws Exception {
        int rounds = Integer.getInteger("iteration.publisherRequestRounds", 20);
        int threads = 4;
        int perThread = 500;
        for (int round = 0; round < rounds; round++) {
            AtomicInteger finallies = new AtomicInteger();
            Recorder s = new Recorder(0);
            Async.run(options(threading), l -> {
                endless(finallies).toPublisher().subscribe(s);
                waitUntil(() -> s.subscription != null, "onSubscribe");
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> ts = new ArrayList<>();
                for (int k = 0; k < threads; k++) {
                    Thread t = new Thread(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        for (int i = 0; i < perThread; i++) {
                            s.subscription.request(1);
                        }
                    });
                    t.start();
                    ts.add(t);
                }
                go.countDown();
                for (Thread t : ts) {
                    t.join();
                }
                waitUntil(() -> s.items.get() >= threads * perThread, "every element requested: " + s.items.get());
                Thread.sleep(5);
                s.subscription.cancel();
                return null;
            });
            assertEquals(threads * perThread, s.items.get(), "round " + round + ": exactly what was requested");
            assertEquals(List.of(), s.terminals(), "round " + round + ": cancelled, then the loop closed: no signal after the cancel (§1.8)");
            for (int i = 0; i < s.signals.size(); i++) {
                assertEquals(i, s.signals.get(i), "in order");
            }
            assertEquals(null, s.overlap.get());
            assertEquals(1, finallies.get(), "the source closed once");
        }
    }

    /**
     * Subscription.cancel() from another thread while elements flow: the source is closed once
     * (its finally ran once), no terminal signal comes, and the elements stop (§1.8).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCancelFromAnotherThreadWhileElementsFlowClosesTheSourceOnceAndStopsThem(Threading threading) throws Exception {
        int rounds = Integer.getInteger("iteration.publisherCancelRounds", 50);
        for (int round = 0; round < rounds; round++) {
            AtomicInteger finallies = new AtomicInteger();
            Recorder s = new Recorder(Long.MAX_VALUE);
            int r = round;
            Async.run(options(threading), l -> {
                endless(finallies).toPublisher().subscribe(s);
                waitUntil(() -> s.items.get() > r * 7 % 300, "some elements");
                Thread t = new Thread(() -> s.subscription.cancel());
                t.start();
                t.join();
                waitUntil(() -> finallies.get() >= 1, "the source's close");
                int after = s.items.get();
                Thread.sleep(5);
                assertEquals(after, s.items.get(), "no element once the source is closed");
                return null;
            });
            assertEquals(1, finallies.get(), "round " + round);
            assertEquals(List.of(), s.terminals(), "no terminal signal after cancel");
            assertEquals(null, s.overlap.get());
            assertFalse(s.ended.await(0, TimeUnit.MILLISECONDS));
            assertTrue(s.items.get() > 0);
        }
    }

    /**
     * §1.8: a subscription cancelled just before the loop closes gets no onError from the close.
     * The walk, cancelled by the subscription and then by the loop's close, rethrew a new
     * CancellationException("the loop is closing"), which kotlinx took for a failure, not for the
     * subscription's own cancellation, and passed on as onError after the cancel.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aSubscriptionCancelledJustBeforeTheLoopClosesGetsNoOnError(Threading threading) throws Exception {
        int rounds = Integer.getInteger("iteration.publisherCancelThenCloseRounds", 100);
        int bad = 0;
        String example = null;
        for (int round = 0; round < rounds; round++) {
            AtomicInteger finallies = new AtomicInteger();
            Recorder s = new Recorder(Long.MAX_VALUE);
            Async.run(options(threading), l -> {
                endless(finallies).toPublisher().subscribe(s);
                waitUntil(() -> s.items.get() > 0, "an element");
                s.subscription.cancel();
                return null; // the loop closes now
            });
            assertEquals(1, finallies.get(), "round " + round + ": the source closed once");
            if (!s.terminals().isEmpty()) {
                bad++;
                example = String.valueOf(s.terminals());
            }
        }
        assertEquals(0, bad, bad + " of " + rounds + " rounds signalled after the cancel, e.g. " + example);
    }
    /**
     * §1.4 and §1.5: a source that ended, or failed, after the elements the subscriber asked for is
     * signalled at once, without a further request (onComplete and onError need no demand). The
     * walk sat in kotlinx's emit after the last demanded element, so it learnt of the end only at
     * the next request: a subscriber that asked for exactly what there was waited for ever (found
     * from outside, 2026-12-07). An element the subscriber has not asked for is still never sent.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void theEndOrAFailureAfterTheDemandedElementsComesWithoutAnotherRequest(Threading threading) throws Exception {
        RuntimeException boom = new RuntimeException("boom");
        for (String end : new String[] {"complete", "fail", "more"}) {
            for (boolean async : new boolean[] {false, true}) {
                Recorder s = new Recorder(3);
                AtomicInteger finallies = new AtomicInteger();
                Async.run(options(threading), l -> {
                    AsyncIterable<Integer> source = async
                            ? AsyncIterable.generateAsync(8, e -> e.emitAsync(0).thenCompose(v -> e.emitAsync(1)).thenCompose(v -> e.emitAsync(2))
                                    .thenCompose(v -> end.equals("more") ? e.emitAsync(3) : end.equals("fail") ? java.util.concurrent.CompletableFuture.failedFuture(boom)
                                            : java.util.concurrent.CompletableFuture.completedFuture(null))
                                    .whenComplete((v, x) -> finallies.incrementAndGet()))
                            : AsyncIterable.generate(8, e -> {
                                try {
                                    for (int i = 0; i < 3; i++) {
                                        e.emit(i);
                                    }
                                    if (end.equals("more")) {
                                        e.emit(3);
                                    } else if (end.equals("fail")) {
                                        throw boom;
                                    }
                                } finally {
                                    finallies.incrementAndGet();
                                }
                            });
                    source.toPublisher().subscribe(s);
                    waitUntil(() -> s.items.get() == 3 && finallies.get() == 1, "the three elements, and the producer's end");
                    if (end.equals("more")) {
                        Thread.sleep(50);
                        assertEquals(List.of(0, 1, 2), s.signals, "no element beyond the demand, no end before the fourth element");
                        s.subscription.request(1);
                    }
                    assertTrue(s.ended.await(10, TimeUnit.SECONDS), end + ", async " + async + ": the terminal signal without another request; got " + s.signals);
                    return null;
                });
                List<Object> expected = end.equals("fail") ? List.of(0, 1, 2, boom) : end.equals("more") ? List.of(0, 1, 2, 3, "complete") : List.of(0, 1, 2, "complete");
                assertEquals(expected, s.signals, end + ", async " + async);
                assertEquals(null, s.overlap.get());
            }
        }
    }
}
