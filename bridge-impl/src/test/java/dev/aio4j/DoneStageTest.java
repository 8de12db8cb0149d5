package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A plain stage derived from a task that is done (thenApply, thenAccept, handle, whenComplete,
 * exceptionally on the result of an ...Async call that took effect at once) runs its function in
 * the caller and is done when it is returned, under the same rules as a stage that waited: its
 * function's own failure is reported if nobody retrieves it, an input's failure passed on is not
 * reported again (the input gave its report up for the stage), and the view of a done stage is
 * done with its outcome.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@ExtendWith(NoStrayInterrupt.class)
class DoneStageTest {
    private final Expect x = new Expect();

    private static <T> Task<T> done(Loop loop, T value) {
        Promise<T> p = loop.createPromise();
        p.complete(value);
        return p;
    }

    private static <T> Task<T> failed(Loop loop, Throwable e) {
        Promise<T> p = loop.createPromise();
        p.fail(e);
        return p;
    }

    @Test
    void aStageOfADoneTaskIsDoneWhenReturnedAndItsFunctionRanInTheCaller() {
        Async.run(loop -> {
            Thread caller = Thread.currentThread();
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            Task<Integer> source = done(loop, 20);
            Task<Integer> derived = source.thenApply(v -> {
                ranOn.set(Thread.currentThread());
                return v + 1;
            });
            assertTrue(derived.isDone());
            assertSame(caller, ranOn.get());
            assertEquals(21, derived.resultNow());
            assertEquals(TaskState.SUCCESS, derived.state());
            assertSame(loop, derived.loop());
            assertFalse(derived.cancel(), "a done stage cannot be cancelled");
            CompletableFuture<Integer> view = derived.toCompletableFuture();
            assertTrue(view.isDone());
            assertEquals(21, view.join());
            assertFalse(view.cancel(true));
            return null;
        });
    }

    @Test
    void theFunctionsOwnFailureIsReportedWhenNobodyRetrievesIt() {
        IllegalStateException boom = new IllegalStateException("thrown by the function");
        Async.run(loop -> {
            loop.setExceptionHandler(x);
            Task<Integer> derived = done(loop, 1).thenApply(v -> {
                throw boom;
            });
            assertTrue(derived.isDone());
            assertEquals(TaskState.FAILED, derived.state());
            return null;
        });
        List<ExceptionContext> reports = x.reports();
        assertEquals(1, reports.size(), reports.toString());
        assertSame(boom, reports.get(0).exception());
    }

    @Test
    void anInputsFailureSeenThroughItsStagesIsNotReported() {
        IllegalArgumentException boom = new IllegalArgumentException("the input's");
        Async.run(loop -> {
            loop.setExceptionHandler(x);
            Task<Integer> source = failed(loop, boom);
            Task<Void> accepted = source.thenAccept(v -> {
                throw new AssertionError("not called on a failure");
            });
            Task<Integer> watched = source.whenComplete((v, e) -> {});
            assertSame(boom, accepted.exceptionNow());
            assertSame(boom, watched.exceptionNow());
            return null;
        });
        assertEquals(List.of(), x.reports(), "retrieved by the stages, and not reported again by them");
    }

    @Test
    void aStageThatPassesOnItsInputsFailureReportsItOnceAtTheEndOfTheChain() {
        IllegalArgumentException boom = new IllegalArgumentException("passed on, then dropped");
        Async.run(loop -> {
            loop.setExceptionHandler(x);
            Task<Integer> source = failed(loop, boom);
            // the source's report is given up for this chain, whose last stage nobody retrieves:
            // reported once, as when the stages are derived before the source fails (Task's Javadoc)
            source.thenApply(v -> v + 1).thenApply(v -> v * 2);
            return null;
        });
        assertEquals(1, x.reports().size(), "reported once, for the chain's last stage: " + x.reports());
        assertSame(boom, x.reports().get(0).exception());
    }

    @Test
    void whenCompleteOnAFailedDoneTaskKeepsTheFailureAndAddsWhatTheActionThrewAsSuppressed() {
        IllegalStateException boom = new IllegalStateException("input");
        IllegalArgumentException second = new IllegalArgumentException("action");
        Async.run(loop -> {
            Task<Integer> source = failed(loop, boom);
            Task<Integer> watched = source.whenComplete((v, e) -> {
                throw second;
            });
            assertSame(boom, watched.exceptionNow());
            assertSame(second, boom.getSuppressed()[0]);
            CompletableFuture<Integer> view = watched.toCompletableFuture();
            assertTrue(view.isCompletedExceptionally());
            assertSame(boom, assertThrows(CompletionException.class, view::join).getCause());
            return null;
        });
    }

    @Test
    void handleAndExceptionallyOfADoneTaskSeeItsOutcome() {
        IllegalStateException boom = new IllegalStateException("input");
        Async.run(loop -> {
            Task<String> failing = failed(loop, boom);
            assertEquals("recovered", failing.exceptionally(e -> e == boom ? "recovered" : "wrong").resultNow());
            assertEquals("ok:null", done(loop, "ok").handle((v, e) -> v + ":" + e).resultNow());
            assertEquals("kept", done(loop, "kept").exceptionally(e -> "wrong").resultNow());
            return null;
        });
    }

    @Test
    void getAsyncOnANonEmptyQueueThenAcceptIsDoneAtOnce() {
        Async.run(loop -> {
            var queue = dev.aio4j.sync.AsyncQueue.<Integer>create(4);
            queue.putNow(7);
            int[] sum = new int[1];
            Task<Void> t = queue.getAsync().thenAccept(v -> sum[0] += v);
            assertTrue(t.isDone());
            assertEquals(7, sum[0]);
            assertTrue(t.toCompletableFuture().isDone());
            return null;
        });
    }
}
