package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * take(n) closes its source once it has its n, and the consumer's close of take's iterator gets
 * that same closing (the source is closed once). A hand-written source whose closeAsync() calls
 * back into take's iterator from another thread (its close, or a hasNext() once n are taken,
 * which closes too) and waits for that call to return must not deadlock: take calls the source's
 * closeAsync() outside its monitor. Before, it called it holding the monitor, and the callback's
 * thread blocked on it for ever (the source here gives up after 10 s and reports it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TakeSourceCloseCallsBackTest {

    static void check(String how, Function<AsyncIterator<Integer>, CompletionStage<?>> callBack) throws Exception {
        int rounds = Integer.getInteger("iteration.rounds", 5);
        List<String> bad = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            AtomicInteger closes = new AtomicInteger();
            AtomicReference<AsyncIterator<Integer>> view = new AtomicReference<>();
            AtomicReference<Object> callBackGot = new AtomicReference<>();
            AtomicReference<String> hung = new AtomicReference<>();
            AsyncIterable<Integer> source = () -> new AsyncIterator<Integer>() {
                int i;

                @Override
                public CompletionStage<Boolean> hasNext() {
                    return CompletableFuture.completedFuture(true);
                }

                @Override
                public Integer next() {
                    return i++;
                }

                @Override
                public CompletionStage<Void> closeAsync() {
                    closes.incrementAndGet();
                    Thread t = new Thread(() -> {
                        try {
                            callBackGot.set(callBack.apply(view.get()));
                        } catch (Throwable e) {
                            callBackGot.set(e);
                        }
                    });
                    t.start();
                    try {
                        t.join(10_000);
                    } catch (InterruptedException e) {
                        throw new RuntimeException(e);
                    }
                    if (t.isAlive()) hung.set("the callback's " + how + " did not return within 10 s");
                    return CompletableFuture.completedFuture(null);
                }
            };
            AsyncIterator<Integer> it = source.take(3).asyncIterator();
            view.set(it);
            List<Integer> got = new ArrayList<>();
            while (it.hasNext().toCompletableFuture().get(30, TimeUnit.SECONDS)) got.add(it.next());
            it.closeAsync().toCompletableFuture().get(30, TimeUnit.SECONDS); // the consumer's own close: the same closing
            Object cb = callBackGot.get();
            if (!got.equals(List.of(0, 1, 2))) bad.add("round " + round + ": got " + got);
            if (hung.get() != null) {
                bad.add("round " + round + ": " + hung.get());
            } else if (!(cb instanceof CompletionStage<?> s)) {
                bad.add("round " + round + ": " + cb);
            } else {
                // the callback's stage is that closing's, which completes once the source's close has
                CompletableFuture<?> f = s.toCompletableFuture();
                try {
                    f.get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    bad.add("round " + round + ": the callback's " + how + " failed: " + e);
                }
            }
            if (closes.get() != 1) bad.add("round " + round + ": the source was closed " + closes.get() + " times");
        }
        assertEquals(List.of(), bad.subList(0, Math.min(3, bad.size())), bad.size() + " problems in " + rounds + " rounds");
    }

    @Test
    void aSourceWhoseCloseClosesTakesIteratorFromAnotherThreadDoesNotDeadlock() throws Exception {
        check("closeAsync()", AsyncIterator::closeAsync);
    }

    @Test
    void aSourceWhoseCloseAsksTakesIteratorHasNextFromAnotherThreadDoesNotDeadlock() throws Exception {
        check("hasNext()", AsyncIterator::hasNext);
    }
}
