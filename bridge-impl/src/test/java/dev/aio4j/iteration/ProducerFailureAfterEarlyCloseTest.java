package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.ExceptionContext;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A generator's producer that failed ahead of a consumer that stopped early (closed the iterator
 * before reading up to the failure, which sat behind buffered elements): the failure is never
 * silently dropped. It fails the close, or, when the producer had ended before the close, goes to
 * the loop's exception handler, once. Not reported: a failure the consumer got (hasNext() failed
 * with it), and the cancellation (GeneratorExit) the close itself caused. Before, the failure of a
 * producer that had ended before the close went nowhere.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProducerFailureAfterEarlyCloseTest {

    enum Body { BLOCKING, NON_BLOCKING }

    static final class Boom extends RuntimeException {
        Boom() {
            super("the producer failed");
        }
    }

    static AsyncIterable<Integer> failingAfter(Body body, int n, Boom boom) {
        return body == Body.BLOCKING
                ? AsyncIterable.generate(8, e -> {
                    for (int i = 0; i < n; i++) e.emit(i);
                    throw boom;
                })
                : AsyncIterable.generateAsync(8, out -> {
                    for (int i = 0; i < n; i++) out.emitAsync(i);
                    return CompletableFuture.failedFuture(boom);
                });
    }

    /** Waits until no task of the loop but the calling one is pending: the producer has ended. */
    static void untilTheProducerEnded(Loop loop) {
        Task<?> me = Async.currentTask();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (loop.allTasks().stream().anyMatch(t -> t != me && !t.isDone())) {
            if (System.nanoTime() > deadline) throw new AssertionError("the producer did not end");
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Runs {@code consumer} in a blocking task; returns the reports of the exception handler that carry {@code boom}. */
    static List<ExceptionContext> run(Threading t, Boom boom, Consumer consumer, List<Throwable> closeFailures) {
        List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
        try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(t))) {
            loop.setExceptionHandler((l, c) -> reports.add(c));
            loop.runUntilComplete(loop.createTask(() -> {
                consumer.accept(loop, closeFailures);
                return null;
            }));
        }
        List<ExceptionContext> mine = new ArrayList<>();
        for (ExceptionContext c : reports) {
            if (c.exception() == boom) mine.add(c);
            else throw new AssertionError("an unexpected report: " + c);
        }
        return mine;
    }

    interface Consumer {
        void accept(Loop loop, List<Throwable> closeFailures) throws Exception;
    }

    static void close(AsyncIterator<?> it, List<Throwable> closeFailures) {
        try {
            it.closeAsync().toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException e) {
            closeFailures.add(e.getCause());
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aFailureBehindBufferedElementsOfAProducerThatEndedBeforeTheCloseIsReported(Threading t) {
        List<String> bad = new ArrayList<>();
        int rounds = Integer.getInteger("iteration.rounds", 10);
        for (int round = 0; round < rounds; round++) {
            for (Body body : Body.values()) {
                Boom boom = new Boom();
                List<Throwable> closeFailures = new CopyOnWriteArrayList<>();
                List<ExceptionContext> reports = run(t, boom, (loop, cf) -> {
                    AsyncIterator<Integer> it = failingAfter(body, 5, boom).asyncIterator();
                    it.hasNext().toCompletableFuture().join();
                    it.next(); // one of five; the failure waits behind the other four
                    untilTheProducerEnded(loop);
                    close(it, cf);
                }, closeFailures);
                long seen = reports.size() + closeFailures.stream().filter(e -> e == boom).count();
                if (seen != 1) {
                    bad.add(body + " round " + round + ": the failure was reported " + reports.size() + " times and failed the close "
                            + closeFailures + " (expected once in all)");
                }
            }
        }
        assertEquals(List.of(), bad.subList(0, Math.min(4, bad.size())), bad.size() + " of " + 2 * rounds + " cases wrong");
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aFailureTheConsumerGotIsNotReportedAgainNorTheCloseCancellation(Threading t) {
        for (Body body : Body.values()) {
            Boom boom = new Boom();
            List<Throwable> closeFailures = new CopyOnWriteArrayList<>();
            List<ExceptionContext> reports = run(t, boom, (loop, cf) -> {
                AsyncIterator<Integer> it = failingAfter(body, 2, boom).asyncIterator();
                Throwable got = null;
                try {
                    while (it.hasNext().toCompletableFuture().join()) it.next();
                } catch (java.util.concurrent.CompletionException e) {
                    got = e.getCause();
                }
                if (got != boom) throw new AssertionError("the consumer got " + got);
                close(it, cf);
            }, closeFailures);
            assertEquals(List.of(), reports, body + ": a failure the consumer got was reported too");
            assertEquals(List.of(), closeFailures, body + ": the close failed");
            // an endless producer closed early: its GeneratorExit is no failure to report
            List<ExceptionContext> none = run(t, boom, (loop, cf) -> {
                AsyncIterator<Integer> it = (body == Body.BLOCKING
                        ? AsyncIterable.<Integer>generate(8, e -> {
                            for (int i = 0; ; i++) e.emit(i);
                        })
                        : AsyncIterable.<Integer>generateAsync(8, out -> new CompletableFuture<>().thenCompose(v -> out.emitAsync(0))))
                        .asyncIterator();
                if (body == Body.BLOCKING) {
                    it.hasNext().toCompletableFuture().join();
                    it.next();
                } else {
                    it.hasNext(); // starts the producer, which waits on something else
                }
                close(it, cf);
            }, closeFailures);
            assertEquals(List.of(), none, body + ": the close's own cancellation was reported");
            assertEquals(List.of(), closeFailures, body + ": the close failed");
        }
    }
}
