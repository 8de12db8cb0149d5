package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncExitStack;
import dev.aio4j.stream.AsyncResource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code async with} in both styles ({@link Async#using}, {@link Async#usingAsync}, an
 * {@link AsyncResource} in try-with-resources) and {@link AsyncExitStack}: close once on success,
 * failure and cancellation, the close not cut short by that cancellation, and try-with-resources'
 * exception rule.
 */
class AsyncWithTest extends LoopFixture {

    /** A resource whose close takes a while (a loop timer) and may fail. */
    static final class Res implements AsyncResource {
        final String name;
        final List<String> log;
        final RuntimeException closeFailure;
        final AtomicInteger closes = new AtomicInteger();
        volatile boolean closed;

        Res(String name, List<String> log, RuntimeException closeFailure) {
            this.name = name;
            this.log = log;
            this.closeFailure = closeFailure;
        }

        @Override
        public CompletionStage<Void> closeAsync() {
            closes.incrementAndGet();
            log.add("closing " + name);
            return Async.sleepAsync(Duration.ofMillis(20)).thenCompose(v -> {
                closed = true;
                log.add("closed " + name);
                return closeFailure == null ? CompletableFuture.<Void>completedFuture(null) : CompletableFuture.<Void>failedFuture(closeFailure);
            });
        }
    }

    final List<String> log = new CopyOnWriteArrayList<>();

    <T> T run(Callable<T> body) {
        return loop.runUntilComplete(loop.createTask(body));
    }

    // -------------------------------------------------------------------------- blocking

    @Test
    void usingClosesOnceAfterTheBody() {
        Res r = new Res("r", log, null);
        String got = run(() -> Async.using(() -> r, res -> {
            log.add("body");
            return "ok";
        }));
        assertEquals("ok", got);
        assertEquals(List.of("body", "closing r", "closed r"), log);
        assertEquals(1, r.closes.get());
    }

    @Test
    void usingTheBodysExceptionWinsAndTheClosesIsSuppressed() {
        RuntimeException bodyFailure = new RuntimeException("body");
        RuntimeException closeFailure = new IllegalStateException("close");
        Res r = new Res("r", log, closeFailure);
        RuntimeException e = assertThrows(RuntimeException.class, () -> run(() -> Async.using(() -> r, res -> {
            throw bodyFailure;
        })));
        assertSame(bodyFailure, e);
        assertArrayEquals(new Throwable[] {closeFailure}, e.getSuppressed());
        assertEquals(1, r.closes.get());
        assertTrue(r.closed);
    }

    @Test
    void usingACloseFailureAloneIsThrown() {
        RuntimeException closeFailure = new IllegalStateException("close");
        Res r = new Res("r", log, closeFailure);
        assertSame(closeFailure, assertThrows(IllegalStateException.class, () -> run(() -> Async.using(() -> r, res -> "ok"))));
        assertEquals(1, r.closes.get());
    }

    @Test
    void usingACheckedBodyFailureIsWrappedOnce() {
        Exception checked = new java.io.IOException("io");
        Res r = new Res("r", log, null);
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> run(() -> Async.using(() -> r, res -> {
            throw checked;
        })));
        assertSame(checked, e.getCause());
        assertEquals(1, r.closes.get());
    }

    @Test
    void usingACancelledBodyStillClosesAndTheCloseIsNotCutShort() {
        Res r = new Res("r", log, null);
        CountDownLatch inBody = new CountDownLatch(1);
        run(() -> {
            Task<String> t = loop.createTask(() -> Async.using(() -> r, res -> {
                inBody.countDown();
                Async.sleep(Duration.ofDays(1));
                return "never";
            }));
            inBody.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertTrue(t.isCancelled());
            assertTrue(r.closed, "the task ended before its resource was closed");
            assertEquals(1, r.closes.get());
            return null;
        });
    }

    @Test
    void usingRefusesTheLoopThreadAndNulls() {
        assertThrows(NullPointerException.class, () -> Async.using(null, r -> null));
        assertThrows(NullPointerException.class, () -> Async.<Res, Object>using(() -> null, null));
        assertThrows(NullPointerException.class, () -> Async.usingAsync(null, r -> null));
        assertThrows(NullPointerException.class, () -> run(() -> Async.using(() -> null, r -> "x")));
        loop.runUntilComplete(loop.createTaskAsync(() -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Async.using(() -> new Res("r", log, null), r -> "x"));
            assertTrue(!(e instanceof CancellationException));
            return CompletableFuture.completedFuture(null);
        }));
    }

    @Test
    void tryWithResourcesOnAnAsyncResourceWaitsForItsClose() {
        Res r = new Res("r", log, null);
        run(() -> {
            try (Res res = r) {
                log.add("body" + (res.closed ? " (closed!)" : ""));
            }
            assertTrue(r.closed, "close() returned before closeAsync() completed");
            return null;
        });
        assertEquals(List.of("body", "closing r", "closed r"), log);
    }

    @Test
    void tryWithResourcesOnAnAsyncResourceSuppressesTheClosesFailure() {
        RuntimeException closeFailure = new IllegalStateException("close");
        RuntimeException bodyFailure = new RuntimeException("body");
        RuntimeException e = assertThrows(RuntimeException.class, () -> run(() -> {
            try (AsyncResource res = AsyncResource.of(new Res("r", log, closeFailure))) {
                log.add("body " + res);
                throw bodyFailure;
            }
        }));
        assertSame(bodyFailure, e);
        assertSame(closeFailure, e.getSuppressed()[0]);
    }

    // ------------------------------------------------------------------------ non-blocking

    @Test
    void usingAsyncClosesOnceAfterTheBodysStage() {
        Res r = new Res("r", log, null);
        String got = loop.runUntilComplete(loop.createTaskAsync(() -> Async.usingAsync(
                () -> CompletableFuture.completedFuture(r),
                res -> Async.sleepAsync(Duration.ofMillis(5)).thenApply(v -> {
                    log.add("body");
                    return "ok";
                }))));
        assertEquals("ok", got);
        assertEquals(List.of("body", "closing r", "closed r"), log);
        assertEquals(1, r.closes.get());
    }

    @Test
    void usingAsyncTheBodysFailureWinsAndTheClosesIsSuppressed() {
        RuntimeException bodyFailure = new RuntimeException("body");
        RuntimeException closeFailure = new IllegalStateException("close");
        Res r = new Res("r", log, closeFailure);
        RuntimeException e = assertThrows(RuntimeException.class, () -> loop.runUntilComplete(loop.createTaskAsync(() -> Async.usingAsync(
                () -> CompletableFuture.completedFuture(r),
                res -> CompletableFuture.failedFuture(bodyFailure)))));
        assertSame(bodyFailure, e);
        assertArrayEquals(new Throwable[] {closeFailure}, e.getSuppressed());
        assertEquals(1, r.closes.get());

        Res r2 = new Res("r2", log, closeFailure);
        assertSame(closeFailure, assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(loop.createTaskAsync(() -> Async.usingAsync(
                () -> CompletableFuture.completedFuture(r2), res -> CompletableFuture.completedFuture("ok"))))));
        assertEquals(1, r2.closes.get());
    }

    @Test
    void usingAsyncCancelledClosesOnceAndTheCloseIsNotCutShort() {
        Res r = new Res("r", log, null);
        run(() -> {
            CountDownLatch inBody = new CountDownLatch(1);
            Task<String> t = loop.createTaskAsync(() -> Async.usingAsync(
                    () -> CompletableFuture.completedFuture(r),
                    res -> {
                        inBody.countDown();
                        return Async.sleepAsync(Duration.ofDays(1)).thenApply(v -> "never");
                    }));
            inBody.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertTrue(t.isCancelled());
            assertTrue(r.closed, "the task ended before its resource was closed");
            assertEquals(1, r.closes.get());
            return null;
        });
    }

    @Test
    void usingAsyncAFailedOpenClosesNothing() {
        RuntimeException openFailure = new RuntimeException("open");
        assertSame(openFailure, assertThrows(RuntimeException.class, () -> loop.runUntilComplete(loop.createTaskAsync(() -> Async.<Res, String>usingAsync(
                () -> CompletableFuture.failedFuture(openFailure), res -> CompletableFuture.completedFuture("x"))))));
    }

    static CompletionStage<Res> openChecked(Res r, java.io.IOException failure) throws java.io.IOException {
        if (failure != null) {
            throw failure;
        }
        return CompletableFuture.completedFuture(r);
    }

    static CompletionStage<String> readChecked(Res r, java.io.IOException failure) throws java.io.IOException {
        r.log.add("body");
        throw failure;
    }

    @Test
    void usingAsyncACheckedExceptionOfTheBodyIsTheFailureAndTheResourceIsClosedOnce() {
        java.io.IOException bodyFailure = new java.io.IOException("read");
        Res r = new Res("r", log, null);
        Task<String> t = loop.createTaskAsync(() -> Async.usingAsync(() -> openChecked(r, null), res -> readChecked(res, bodyFailure)));
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> loop.runUntilComplete(t));
        assertSame(bodyFailure, e.getCause(), "wrapped once, by the exception rule");
        assertSame(bodyFailure, t.exceptionNow(), "the task's failure is the exception as thrown");
        assertEquals(List.of("body", "closing r", "closed r"), log);
        assertEquals(1, r.closes.get());
    }

    @Test
    void usingAsyncACheckedExceptionOfOpenIsTheFailureAndNothingIsClosed() {
        java.io.IOException openFailure = new java.io.IOException("open");
        Res r = new Res("r", log, null);
        Task<String> t = loop.createTaskAsync(() -> Async.usingAsync(() -> openChecked(r, openFailure), res -> readChecked(res, null)));
        assertSame(openFailure, assertThrows(TaskFailedException.class, () -> loop.runUntilComplete(t)).getCause());
        assertSame(openFailure, t.exceptionNow());
        assertEquals(List.of(), log, "neither the body nor a close ran");
        assertEquals(0, r.closes.get());
    }

    // -------------------------------------------------------------------------- exit stack

    @Test
    void anExitStackClosesInReverseOrderWithTheFirstFailureAndTheRestSuppressed() {
        RuntimeException failB = new IllegalStateException("b");
        RuntimeException failA = new IllegalArgumentException("a");
        RuntimeException e = assertThrows(RuntimeException.class, () -> run(() -> Async.using(AsyncExitStack::create, stack -> {
            stack.enter(new Res("a", log, failA));
            stack.enter(new Res("b", log, failB));
            stack.enter(new Res("c", log, null));
            return "ok";
        })));
        assertSame(failB, e, "the first close to fail (b, closed before a) gives the exception");
        assertArrayEquals(new Throwable[] {failA}, e.getSuppressed());
        assertEquals(List.of("closing c", "closed c", "closing b", "closed b", "closing a", "closed a"), log);
    }

    @Test
    void anExitStackUnderAFailingBody() {
        RuntimeException bodyFailure = new RuntimeException("body");
        RuntimeException failA = new IllegalArgumentException("a");
        RuntimeException e = assertThrows(RuntimeException.class, () -> run(() -> {
            try (AsyncExitStack stack = AsyncExitStack.create()) {
                stack.enter(new Res("a", log, failA));
                stack.enterAsync(CompletableFuture.completedFuture(new Res("b", log, null))).join();
                stack.enter(() -> {
                    log.add("callback");
                    return CompletableFuture.completedFuture(null);
                });
                throw bodyFailure;
            }
        }));
        assertSame(bodyFailure, e);
        assertSame(failA, e.getSuppressed()[0]);
        assertEquals(List.of("callback", "closing b", "closed b", "closing a", "closed a"), log);
    }

    @Test
    void anExitStackClosesOnceAndRefusesNewResourcesAfter() throws Exception {
        run(() -> {
            AsyncExitStack stack = AsyncExitStack.create();
            Res a = new Res("a", log, null);
            stack.enter(a);
            CompletionStage<Void> first = stack.closeAsync();
            CompletionStage<Void> second = stack.closeAsync(); // a stage of the same closing, the caller's own:
            first.toCompletableFuture().cancel(false); // cancelling one caller's ends only that caller's wait
            assertNull(second.toCompletableFuture().get());
            stack.close();
            assertEquals(1, a.closes.get());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> stack.enter(new Res("late", log, null)));
            assertTrue(!(e instanceof CancellationException));
            Res late = new Res("late2", log, null);
            assertThrows(IllegalStateException.class, stack.enterAsync(CompletableFuture.completedFuture(late))::join);
            assertTrue(late.closed, "a resource that arrived after the close was not closed");
            assertThrows(NullPointerException.class, () -> stack.enter((AsyncCloseable) null));
            return null;
        });
    }

    @Test
    void anExitStackInUsingAsync() {
        Res a = new Res("a", log, null);
        Res b = new Res("b", log, null);
        String got = loop.runUntilComplete(loop.createTaskAsync(() -> Async.usingAsync(
                () -> CompletableFuture.completedFuture(AsyncExitStack.create()),
                stack -> stack.enterAsync(CompletableFuture.completedFuture(a))
                        .thenCompose(x -> stack.enterAsync(Async.sleepAsync(Duration.ofMillis(5)).thenApply(v -> b)))
                        .thenApply(x -> "ok"))));
        assertEquals("ok", got);
        assertEquals(List.of("closing b", "closed b", "closing a", "closed a"), log);
    }

    // ------------------------------------------------------------------ found from outside (2026-12-05)

    /** Resources whose close completes at once, each logging its number as it closes. */
    static List<AsyncCloseable> closedAtOnce(int n, List<Integer> closed) {
        List<AsyncCloseable> rs = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            rs.add(() -> {
                closed.add(k);
                return CompletableFuture.completedFuture(null);
            });
        }
        return rs;
    }

    /** Enters [resources] in an exit stack, closes it with [close], and checks that every one closed, in reverse order. */
    static void closesEveryOneInReverse(String where, java.util.function.Function<AsyncExitStack, CompletionStage<Void>> close) {
        int n = 5_000;
        List<Integer> closed = new CopyOnWriteArrayList<>();
        AsyncExitStack stack = AsyncExitStack.create();
        for (AsyncCloseable r : closedAtOnce(n, closed)) stack.enter(r);
        CompletionStage<Void> done = close.apply(stack);
        assertTrue(done.toCompletableFuture().isDone(), where + ": the close of " + n + " resources closed at once has not completed; closed " + closed.size());
        done.toCompletableFuture().join();
        assertEquals(n, closed.size(), where);
        for (int i = 0; i < n; i++) assertEquals(n - 1 - i, closed.get(i), where + ": position " + i);
    }

    @Test
    void anExitStackOfThousandsOfResourcesClosedAtOnceClosesThemAll() {
        // it closed them through a chain of whenComplete calls, one frame deeper each: the stack
        // overflowed after some hundreds, CompletableFuture swallowed the error, and the close never completed
        closesEveryOneInReverse("outside any loop", AsyncExitStack::closeAsync);
        closesEveryOneInReverse("on the loop's thread", stack -> loop.runUntilComplete(loop.createTaskAsync(() -> {
            CompletionStage<Void> done = stack.closeAsync();
            return CompletableFuture.completedFuture(done);
        })));
        closesEveryOneInReverse("in a blocking body", stack -> run(stack::closeAsync));
    }

    @Test
    void anExitStackWhoseResourceReturnsNullFromCloseAsyncFailsAndStillClosesTheOthers() {
        List<String> closed = new CopyOnWriteArrayList<>();
        AsyncExitStack stack = AsyncExitStack.create();
        stack.enter(() -> {
            closed.add("a");
            return CompletableFuture.completedFuture(null);
        });
        AsyncCloseable broken = () -> null;
        stack.enter(broken);
        stack.enter(() -> {
            closed.add("c");
            return CompletableFuture.completedFuture(null);
        });
        CompletableFuture<Void> done = stack.closeAsync().toCompletableFuture();
        assertTrue(done.isDone(), "the close hangs on a closeAsync() that returned null");
        java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class, done::join);
        NullPointerException npe = assertInstanceOfNpe(e.getCause());
        assertTrue(npe.getMessage().contains("closeAsync() returned null"), npe.getMessage());
        assertEquals(List.of("c", "a"), closed);
    }

    private static NullPointerException assertInstanceOfNpe(Throwable t) {
        assertTrue(t instanceof NullPointerException, "expected a NullPointerException, got " + t);
        return (NullPointerException) t;
    }

    /** An opening stage that cancellation cannot reach (its toCompletableFuture() is a copy). */
    static final class Unreachable {
        final CompletableFuture<Res> source = new CompletableFuture<>();
        final CompletionStage<Res> stage = source.minimalCompletionStage();
    }

    @Test
    void aResourceThatArrivesAfterEnterAsyncWasCancelledIsClosed() {
        Unreachable opening = new Unreachable();
        AsyncExitStack stack = AsyncExitStack.create();
        Res r = new Res("late", log, null);
        Task<Res> entering = loop.createTask(() -> {
            Task<Res> t = stack.enterAsync(opening.stage);
            Async.sleep(Duration.ofMillis(5));
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            opening.source.complete(r); // arrives anyway
            Async.sleep(Duration.ofMillis(60));
            return t.isCancelled() ? r : null;
        });
        assertSame(r, loop.runUntilComplete(entering));
        stack.closeAsync().toCompletableFuture().join();
        assertTrue(r.closed, "a resource that arrived after enterAsync was cancelled was never closed");
        assertEquals(1, r.closes.get());
    }

    @Test
    void aResourceThatArrivesAfterUsingAsyncWasCancelledIsClosed() {
        Unreachable opening = new Unreachable();
        Res r = new Res("late", log, null);
        AtomicInteger bodies = new AtomicInteger();
        Task<String> outer = loop.createTask(() -> {
            Task<String> t = loop.createTaskAsync(() -> Async.usingAsync(() -> opening.stage, res -> {
                bodies.incrementAndGet();
                return CompletableFuture.completedFuture("used");
            }));
            Async.sleep(Duration.ofMillis(5));
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            opening.source.complete(r); // arrives anyway
            Async.sleep(Duration.ofMillis(60));
            return "done";
        });
        assertEquals("done", loop.runUntilComplete(outer));
        assertTrue(r.closed, "a resource that arrived after usingAsync was cancelled was never closed");
        assertEquals(1, r.closes.get());
        assertEquals(0, bodies.get(), "the body must not run for a cancelled usingAsync");
    }
}
