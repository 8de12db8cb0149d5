package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.ExceptionContext;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Outcome;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncIterable;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A close that fails while a cancellation propagates: try-with-resources adds its failure to the
 * cancellation as suppressed, and the task ends CANCELLED; nobody need look into a cancellation,
 * so the failure is reported to the loop's exception handler as well, once, the same instance.
 * Before, it was only suppressed and went nowhere: a generator's producer that failed as its
 * cancelled consumer closed it (a composition tester's "never seen", through take(n)), a
 * resource of a cancelled usingAsync or using whose close failed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseFailureUnderCancellationTest {
    static final class CloseBroke extends RuntimeException {
        CloseBroke() {
            super("the close broke");
        }
    }

    /** The consumer task to cancel once it waits, given a latch to count down when it does. */
    enum Consumer {
        FOR_EACH_OVER_A_BLOCKING_GENERATOR(false, started -> {
            AsyncIterable<Integer> gen = AsyncIterable.generate(1, out -> {
                try {
                    out.emit(1);
                    out.emit(2); // parks: the buffer is full until the consumer takes 1
                    Async.sleep(Duration.ofSeconds(30));
                } catch (RuntimeException cancelled) {
                    throw new CloseBroke(); // the producer fails as it is closed
                }
            });
            return Loop.current().createTaskAsync(() -> gen.forEach(x -> {
                started.countDown();
                // then the walk waits for the next element, which never comes in time
            }));
        }),
        FOR_EACH_OVER_A_NON_BLOCKING_GENERATOR(false, started -> {
            AsyncIterable<Integer> gen = AsyncIterable.generateAsync(1, out -> out.emitAsync(1)
                    .thenCompose(v -> Async.sleepAsync(Duration.ofSeconds(30)))
                    .handle((v, e) -> {
                        throw new CloseBroke(); // the producer's clean-up fails as it is closed
                    }));
            return Loop.current().createTaskAsync(() -> gen.forEach(x -> started.countDown()));
        }),
        USING_ASYNC(true, started -> Async.usingAsync(
                () -> CompletableFuture.completedFuture((AsyncCloseable) () -> CompletableFuture.failedFuture(new CloseBroke())),
                r -> {
                    started.countDown();
                    return Async.sleepAsync(Duration.ofSeconds(30));
                })),
        USING_IN_A_BLOCKING_TASK(true, started -> Loop.current().createTask(() -> Async.using(
                () -> (AsyncCloseable) () -> CompletableFuture.failedFuture(new CloseBroke()),
                r -> {
                    started.countDown();
                    Async.sleep(Duration.ofSeconds(30));
                    return null;
                }))),
        /** The body meets its cancellation as an InterruptedException (a JDK wait): that is the cancellation too. */
        USING_IN_A_BLOCKING_TASK_INTERRUPTED(false, started -> Loop.current().createTask(() -> Async.using(
                () -> (AsyncCloseable) () -> CompletableFuture.failedFuture(new CloseBroke()),
                r -> {
                    started.countDown();
                    Thread.sleep(30_000);
                    return null;
                })));

        /**
         * Whether the close's failure is a suppressed exception of the task's own cancellation too:
         * a walk's coroutine closes under kotlinx's cancellation exception, not the task's.
         */
        final boolean suppressedOnTheOutcome;
        final Function<CountDownLatch, Task<?>> start;

        Consumer(boolean suppressedOnTheOutcome, Function<CountDownLatch, Task<?>> start) {
            this.suppressedOnTheOutcome = suppressedOnTheOutcome;
            this.start = start;
        }
    }

    static List<Object[]> cases() {
        return Arrays.stream(Consumer.values())
                .flatMap(c -> Arrays.stream(Threading.values()).map(t -> new Object[] {c, t}))
                .toList();
    }

    /** Completes once [latch] is counted down, or at [deadline] (System.nanoTime()), sleeping on the loop in between. */
    static java.util.concurrent.CompletionStage<Void> untilCounted(CountDownLatch latch, long deadline) {
        if (latch.getCount() == 0 || System.nanoTime() - deadline > 0) return CompletableFuture.completedFuture(null);
        return Async.sleepAsync(Duration.ofMillis(5)).thenCompose(v -> untilCounted(latch, deadline));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("cases")
    void theCloseFailureIsSuppressedAndReported(Consumer consumer, Threading threading) throws Exception {
        CopyOnWriteArrayList<ExceptionContext> reported = new CopyOnWriteArrayList<>();
        try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))) {
            loop.setExceptionHandler((l, ctx) -> reported.add(ctx));
            CountDownLatch started = new CountDownLatch(1);
            Task<?> task = loop.runUntilComplete(loop.createTaskAsync(() -> CompletableFuture.completedFuture(consumer.start.apply(started))));
            // the loop runs until the consumer has started (a producer's virtual thread may take a while on a loaded
            // machine: with only 100 ms of running, the consumer never started in one full run), then a little more
            loop.runUntilComplete(loop.createTaskAsync(() -> untilCounted(started, System.nanoTime() + TimeUnit.SECONDS.toNanos(10))));
            assertTrue(started.await(0, TimeUnit.SECONDS), "the consumer started");
            loop.runUntilComplete(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(100))));
            task.cancel();
            loop.runUntilComplete(loop.createTaskAsync(() -> Async.wait(List.of(task))));
            assertEquals(TaskState.CANCELLED, task.state(), "a cancellation stays a cancellation");
            List<ExceptionContext> ours = reported.stream().filter(c -> c.exception() instanceof CloseBroke).toList();
            assertEquals(1, ours.size(), "reported to the handler, once: " + reported);
            if (consumer.suppressedOnTheOutcome) {
                Throwable cancellation = ((Outcome.Cancelled<?>) task.outcomeNow()).exception();
                List<Throwable> suppressed = Arrays.asList(cancellation.getSuppressed());
                assertEquals(List.of(ours.get(0).exception()), suppressed, "the same instance, suppressed");
            }
        }
    }
}
