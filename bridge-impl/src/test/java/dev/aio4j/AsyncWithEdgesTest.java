package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncExitStack;
import dev.aio4j.stream.AsyncResource;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * async with at its edges, on both threadings (found from outside on 2026-12-05, each failed
 * before its fix): a cancelled usingAsync or enterAsync waits for the task it waited on before it
 * closes or ends; a close that returns null or an opaque stage does not replace the body's
 * exception; Async.using wraps a checked exception of open; AsyncResource.close() refuses a loop's
 * thread before it closes anything; an exit stack's closing that goes on from another thread while
 * its loop closes runs to its end.
 */
class AsyncWithEdgesTest {

    static LoopOptions on(Threading threading) {
        return LoopOptions.defaults().withThreading(threading);
    }

    /** A resource that logs its close. */
    static AsyncCloseable logging(String name, List<String> log) {
        return () -> {
            log.add("close " + name);
            return CompletableFuture.completedFuture(null);
        };
    }

    /**
     * A blocking task that sleeps until cancelled, then takes 50 ms to clean up, logging its end;
     * it counts {@code started} down as it goes to sleep (a cancellation from then on reaches its
     * clean-up; a sleep of the test's own could end before the task starts, on a loaded machine).
     */
    static Task<String> slowToCancel(Loop loop, List<String> log, String name, CountDownLatch started) {
        return loop.createTask(() -> {
            try {
                started.countDown();
                Async.sleep(Duration.ofSeconds(30));
                return "slept";
            } catch (CancellationException e) {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                log.add(name + " finished");
                throw e;
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCancelledUsingAsyncClosesTheResourceAfterTheBodysTaskHasFinished(Threading threading) {
        // Before: the wait on the body's stage ended at the cancellation; the resource was closed
        // while the body's task still ran, and the task was done before it: [close r, joined, body finished]
        for (boolean derived : new boolean[] {false, true}) {
            List<String> log = new CopyOnWriteArrayList<>();
            CountDownLatch started = new CountDownLatch(1);
            Async.run(on(threading), loop -> {
                Function<AsyncCloseable, CompletionStage<String>> body = derived
                        ? r -> Async.sleepAsync(Duration.ofMillis(1)).thenCompose(v -> slowToCancel(loop, log, "body", started))
                        : r -> slowToCancel(loop, log, "body", started);
                Task<String> using = Async.usingAsync(() -> CompletableFuture.completedFuture(logging("r", log)), body::apply);
                started.await();
                using.cancel();
                assertThrows(CancellationException.class, using::join);
                log.add("joined");
                return null;
            });
            assertEquals(List.of("body finished", "close r", "joined"), log, derived ? "a derived body" : "a task body");
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aResourceArrivingAfterEnterAsyncWasCancelledBeforeItsFirstStepIsClosed(Threading threading) {
        // Before: an enterAsync task cancelled before its coroutine's first step never ran its
        // body, so nothing cancelled the opening nor closed what it brought (2-12 of 400 rounds
        // from outside). Here the cancel comes in the step that made the task: on one thread, before
        // its first step for sure
        AtomicInteger closes = new AtomicInteger();
        CompletableFuture<AsyncCloseable> opening = new CompletableFuture<>();
        Async.run(on(threading), loop -> {
            AsyncExitStack stack = AsyncExitStack.create();
            Task<AsyncCloseable> entering = loop.createTaskAsync(() -> {
                Task<AsyncCloseable> entered = stack.enterAsync(opening.minimalCompletionStage());
                entered.cancel();
                return entered;
            });
            assertThrows(CancellationException.class, entering::join);
            opening.complete(() -> {
                closes.incrementAndGet();
                return CompletableFuture.completedFuture(null);
            });
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (closes.get() == 0 && System.nanoTime() < deadline) {
                Async.sleep(Duration.ofMillis(1));
            }
            stack.close();
            return null;
        });
        assertEquals(1, closes.get(), "the resource that arrived after the cancellation is closed, once");
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCancelledEnterAsyncEndsAfterTheOpeningTaskHasFinished(Threading threading) {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(1);
        Async.run(on(threading), loop -> {
            AsyncExitStack stack = AsyncExitStack.create();
            Task<String> opening = slowToCancel(loop, log, "opening", started);
            Task<AsyncCloseable> entering = stack.enterAsync(opening.thenApply(s -> logging(s, log)));
            started.await();
            entering.cancel();
            assertThrows(CancellationException.class, entering::join);
            log.add("joined, opening done: " + opening.isDone());
            stack.close();
            return null;
        });
        assertEquals(List.of("opening finished", "joined, opening done: true"), log);
    }

    /** A stage whose toCompletableFuture() refuses, as CompletionStage's contract allows. */
    @SuppressWarnings("unchecked")
    static CompletionStage<Void> opaque(CompletableFuture<Void> cf) {
        return (CompletionStage<Void>) Proxy.newProxyInstance(AsyncWithEdgesTest.class.getClassLoader(), new Class<?>[] {CompletionStage.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("toCompletableFuture")) {
                        throw new UnsupportedOperationException("an opaque stage");
                    }
                    try {
                        return m.invoke(cf, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCloseThatReturnsNullOrAnOpaqueStageDoesNotReplaceTheBodysException(Threading threading) {
        // Before: a NullPointerException (the null) or the UnsupportedOperationException escaped from the
        // catch block that closed the resource, and the body's exception was lost
        AsyncCloseable returnsNull = () -> null;
        AsyncCloseable opaqueFailing = () -> opaque(CompletableFuture.failedFuture(new IllegalStateException("close failed")));
        Async.run(on(threading), loop -> {
            for (AsyncCloseable resource : List.of(returnsNull, opaqueFailing)) {
                IllegalArgumentException mine = new IllegalArgumentException("the body failed");
                IllegalArgumentException blocking = assertThrows(IllegalArgumentException.class, () -> Async.using(() -> resource, r -> {
                    throw mine;
                }));
                assertSame(mine, blocking);
                assertEquals(1, mine.getSuppressed().length, "the close's failure is suppressed");
                IllegalArgumentException mine2 = new IllegalArgumentException("the body failed");
                Task<Object> nonBlocking = Async.usingAsync(() -> CompletableFuture.completedFuture(resource), r -> CompletableFuture.failedFuture(mine2));
                assertSame(mine2, assertThrows(IllegalArgumentException.class, nonBlocking::join));
                assertEquals(1, mine2.getSuppressed().length, "the close's failure is suppressed");
            }
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCloseThatReturnsAnOpaqueStageIsWaitedFor(Threading threading) {
        CompletableFuture<Void> closing = new CompletableFuture<>();
        AsyncResource resource = () -> opaque(closing);
        String r = Async.run(on(threading), loop -> {
            CompletableFuture.delayedExecutor(30, TimeUnit.MILLISECONDS).execute(() -> closing.complete(null));
            return Async.using(() -> resource, x -> "used") + ", closed: " + closing.isDone();
        });
        assertEquals("used, closed: true", r);
    }

    @Test
    void usingWrapsACheckedExceptionOfOpenOnce() {
        // Before: the IOException itself was thrown, which Java code cannot catch by its type
        IOException io = new IOException("cannot open");
        Throwable thrown = Async.run(loop -> assertThrows(TaskFailedException.class, () -> Async.using(() -> {
            throw io;
        }, r -> "never")));
        assertSame(io, thrown.getCause());
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void closeOnALoopsThreadRefusesBeforeClosingAnything(Threading threading) {
        // Before: closeAsync() was called (the resource closed, an exit stack's every resource),
        // then the IllegalStateException thrown, and a failure of the closing was lost
        List<String> log = new CopyOnWriteArrayList<>();
        Async.runAsync(on(threading), loop -> {
            AsyncResource single = AsyncResource.of(logging("single", log));
            AsyncExitStack stack = AsyncExitStack.create();
            stack.enter(logging("a", log));
            stack.enter(logging("b", log));
            assertThrows(IllegalStateException.class, single::close);
            assertThrows(IllegalStateException.class, stack::close);
            assertEquals(List.of(), log, "nothing closed");
            return stack.closeAsync();
        });
        assertEquals(List.of("close b", "close a"), log);
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void anExitStacksClosingThatGoesOnFromAnotherThreadWhileTheLoopClosesRunsToItsEnd(Threading threading) throws Exception {
        // Before: on one thread, the rest of the closing was queued on the loop after its close had
        // run its last step, and dropped with the queue: 2-6 of 300 rounds never closed "a"
        int rounds = Integer.getInteger("asyncWith.closeRounds", 300);
        int bad = 0;
        String first = null;
        for (int round = 0; round < rounds; round++) {
            List<String> log = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> bClosing = new CompletableFuture<>();
            AsyncExitStack stack = AsyncExitStack.create();
            AtomicReference<CompletionStage<Void>> closed = new AtomicReference<>();
            long spin = (round % 30) * 20_000L;
            Thread completer = new Thread(() -> {
                long end = System.nanoTime() + spin;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                bClosing.complete(null);
            });
            Async.runAsync(on(threading), loop -> {
                stack.enter(logging("a", log));
                stack.enter(() -> {
                    log.add("close b");
                    return bClosing;
                });
                closed.set(stack.closeAsync());
                completer.start();
                return CompletableFuture.completedFuture(null);
            });
            completer.join();
            try {
                closed.get().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                bad++;
                first = first != null ? first : "round " + round + ": the closing never ended; " + log;
                continue;
            }
            if (!log.equals(List.of("close b", "close a"))) {
                bad++;
                first = first != null ? first : "round " + round + ": " + log;
            }
        }
        assertEquals(0, bad, first);
    }

    @Test
    void anEnterAsyncCancelledWhileItAwaitsAMinimalStageReportsNothing() {
        // The wait is Task.await()'s (KotlinAwait.stage): cancelled, it called the stage's cancel(),
        // which a minimalCompletionStage refuses, and the UnsupportedOperationException went to the
        // loop's exception handler (ResumeWithTest has the same for a Kotlin caller of Suspend.resumeWith)
        List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
        CompletableFuture<AsyncCloseable> source = new CompletableFuture<>();
        Async.run(loop -> {
            loop.setExceptionHandler((l, context) -> reports.add(context));
            Task<AsyncCloseable> entering = AsyncExitStack.create().enterAsync(source.minimalCompletionStage());
            Async.sleep(Duration.ofMillis(10));
            entering.cancel();
            assertThrows(CancellationException.class, entering::join);
            return null;
        });
        assertEquals(List.of(), reports);
    }
}
