package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Stages derived from a task are tasks, cancelled by the task rule (see Task's "Composition"). */
class DerivedTaskTest extends LoopFixture {

    private Task<String> sleeper() {
        return loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMinutes(1)).thenApply(v -> "slept"));
    }

    /** An async loop of {@code rounds} rounds as a recursive thenCompose: each round's stage returns the next one's. */
    private static CompletionStage<Integer> rounds(int k, Promise<Integer> last, AtomicInteger made) {
        made.incrementAndGet();
        if (k == 0) return last;
        return Async.sleepAsync(Duration.ZERO).thenCompose(v -> rounds(k - 1, last, made));
    }

    @Test
    @Timeout(60)
    void aChainOfThousandsOfFollowingTasksCompletesFailsAndIsCancelledWithoutOverflowingTheStack() throws Exception {
        // each round is a task that follows the next round's: the last one's completion, or the
        // first one's cancellation, went down the chain one recursion per round, and from about a
        // thousand rounds the StackOverflowError was reported as a handler's failure (or thrown by
        // cancel()), and the first task never completed
        int depth = 5_000;
        for (String how : List.of("complete on the loop", "complete from another thread", "fail", "cancel")) {
            Promise<Integer> last = loop.createPromise();
            AtomicInteger made = new AtomicInteger();
            AtomicInteger cleanUps = new AtomicInteger();
            Task<Integer> first = loop.createTaskAsync(() -> rounds(depth, last, made).whenComplete((v, e) -> cleanUps.incrementAndGet()));
            loop.runUntilComplete(loop.createTask(() -> {
                while (made.get() <= depth) Async.sleep(Duration.ofMillis(1));
                return null;
            }));
            IllegalStateException failure = new IllegalStateException("the last round failed");
            switch (how) {
                case "complete on the loop" -> loop.runUntilComplete(loop.createTaskAsync(() -> {
                    last.complete(7);
                    return CompletableFuture.completedFuture(null);
                }));
                case "complete from another thread" -> {
                    Thread other = new Thread(() -> last.complete(7));
                    other.start();
                    other.join();
                }
                case "fail" -> last.fail(failure);
                default -> assertTrue(first.cancel(), how);
            }
            Outcome<Integer> outcome = loop.runUntilComplete(Async.gatherOutcomes(first)).get(0);
            switch (how) {
                case "fail" -> assertSame(failure, first.exceptionNow(), how);
                case "cancel" -> {
                    assertTrue(first.isCancelled(), how);
                    assertTrue(last.isCancelled(), "the cancellation reached the last round");
                }
                default -> assertEquals(7, first.resultNow(), how + ": " + outcome);
            }
            assertEquals(1, cleanUps.get(), how);
        }
    }

    @Test
    @Timeout(60)
    void aChainOfThousandsOfThenApplysCompletesAndIsCancelledFromEitherEnd() {
        // a derived stage's cancellation goes up to its input, and an input's completion down to
        // the stage: both one recursion per link before
        for (boolean cancel : new boolean[] {false, true}) {
            Promise<Integer> first = loop.createPromise();
            Task<Integer> last = first;
            for (int i = 0; i < 5_000; i++) last = last.thenApply(x -> x + 1);
            if (cancel) {
                assertTrue(last.cancel());
                assertTrue(first.isCancelled(), "the request went up the whole chain");
            } else {
                first.complete(0);
                assertEquals(5_000, last.resultNow());
            }
        }
    }

    @Test
    void cancellingADerivedTaskIsARequestThatGoesUpAndHandleRunsOnTheWayDown() {
        loop.runUntilComplete(loop.createTask(() -> {
            Task<String> source = sleeper();
            AtomicReference<Throwable> seen = new AtomicReference<>();
            Task<String> handled = source.handle((v, e) -> {
                seen.set(e);
                return "handled";
            });
            Async.sleep(Duration.ofMillis(5));
            assertTrue(handled.cancel());
            assertThrows(CancellationException.class, handled::join);
            assertTrue(source.isCancelled(), "the request went up");
            assertInstanceOf(CancellationException.class, seen.get(), "handle saw the cancellation as thrown");
            assertTrue(handled.isCancelled(), "a task that got a request ends CANCELLED though its function returned");
            return null;
        }));
    }

    @Test
    void aFunctionThatThrowsAfterARequestMakesTheTaskFail() {
        loop.runUntilComplete(loop.createTask(() -> {
            IllegalStateException boom = new IllegalStateException("boom");
            Task<String> failing = sleeper().exceptionally(e -> {
                throw boom;
            });
            Async.sleep(Duration.ofMillis(5));
            failing.cancel();
            assertSame(boom, assertThrows(IllegalStateException.class, failing::join));
            return null;
        }));
    }

    @Test
    void aThenComposeWhoseInputIsDoneRunsAndTheRequestReachesTheStageItReturned() {
        loop.runUntilComplete(loop.createTask(() -> {
            Promise<String> input = loop.createPromise();
            AtomicReference<Task<String>> next = new AtomicReference<>();
            Task<String> composed = input.thenComposeAsync(v -> { // runs on the loop, later
                next.set(sleeper());
                return next.get();
            });
            input.complete("in");
            composed.cancel(); // after the input, before the function ran
            assertThrows(CancellationException.class, composed::join);
            assertTrue(next.get() != null && next.get().isCancelled(), "the function ran and its stage got the request");
            return null;
        }));
    }

    @Test
    void functionsSeeExceptionsAsThrownAtAnyDepth() {
        IllegalArgumentException thrown = new IllegalArgumentException("x");
        Task<String> chain = loop.<String>createTaskAsync(() -> CompletableFuture.failedFuture(thrown))
                .thenApply(v -> v + "1")
                .thenApply(v -> v + "2")
                .handle((v, e) -> e == thrown ? "same instance" : "wrapped: " + e);
        assertEquals("same instance", loop.runUntilComplete(chain));
    }

    @Test
    void whenCompletePassesTheOutcomeOnAndAddsItsOwnFailureAsSuppressed() {
        IllegalStateException source = new IllegalStateException("source");
        RuntimeException action = new RuntimeException("action");
        Task<String> t = loop.<String>createTaskAsync(() -> CompletableFuture.failedFuture(source)).whenComplete((v, e) -> {
            throw action;
        });
        assertSame(source, assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(t)));
        assertSame(action, source.getSuppressed()[0]);
        assertEquals("v", loop.runUntilComplete(loop.createTask(() -> "v").whenComplete((v, e) -> { })));
    }

    @Test
    void asyncFormsRunOnTheLoopOrTheExecutorGiven() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "given"));
        try {
            Task<Integer> t = loop.createTask(() -> 1);
            Task<String> onLoop = t.thenApplyAsync(v -> Loop.current() == loop ? "loop" : "elsewhere");
            Task<String> onPool = t.thenApplyAsync(v -> Thread.currentThread().getName(), pool);
            assertEquals("loop", loop.runUntilComplete(onLoop));
            assertEquals("given", loop.runUntilComplete(onPool));
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void twoInputFormsWaitForBothOrEitherAndForwardTheRequestToBoth() {
        loop.runUntilComplete(loop.createTask(() -> {
            Task<Integer> a = loop.createTask(() -> 1);
            Task<Integer> b = loop.createTask(() -> 2);
            assertEquals(3, a.thenCombine(b, Integer::sum).join());
            assertEquals(3, a.thenCombine(CompletableFuture.completedFuture(2), Integer::sum).join(), "a plain stage as the other");
            Task<String> s1 = sleeper();
            Task<String> s2 = sleeper();
            Task<String> either = s1.applyToEither(s2, v -> v);
            Async.sleep(Duration.ofMillis(5));
            either.cancel();
            assertThrows(CancellationException.class, either::join);
            assertTrue(s1.isCancelled() && s2.isCancelled(), "both inputs got the request");
            Task<Integer> fast = loop.createTask(() -> 7);
            assertEquals(7, fast.applyToEither(sleeper().thenApply(v -> 0), v -> v).join());
            return null;
        }));
    }

    /** A blocking task, started, that sleeps until cancelled and then spends {@code cleanUpMillis} on its clean-up. */
    private Task<String> slowToCancel(long cleanUpMillis) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        Task<String> t = loop.createTask(() -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } finally {
                long end = System.nanoTime() + cleanUpMillis * 1_000_000L;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
            }
            return "slow";
        });
        started.await();
        return t;
    }

    @Test
    void aCancelledTwoInputStageEndsOnlyOnceBothInputsHaveEnded() {
        // Before (found from outside, 2026-12-05): it ended when the first input ended, here the
        // adopted future cancelled at once, while the other input's clean-up still ran
        List<java.util.function.BiFunction<Task<String>, Task<String>, Task<?>>> kinds = List.of(
                (a, b) -> a.thenCombine(b, (x, y) -> x),
                (a, b) -> a.thenAcceptBoth(b, (x, y) -> { }),
                (a, b) -> a.runAfterBoth(b, () -> { }),
                (a, b) -> a.applyToEither(b, x -> x),
                (a, b) -> a.acceptEither(b, x -> { }),
                (a, b) -> a.runAfterEither(b, () -> { }));
        loop.runUntilComplete(loop.createTask(() -> {
            for (int k = 0; k < kinds.size(); k++) {
                for (boolean slowIsThis : new boolean[] {true, false}) {
                    Task<String> slow = slowToCancel(100);
                    Task<String> quick = loop.adopt(new CompletableFuture<String>());
                    Task<?> d = slowIsThis ? kinds.get(k).apply(slow, quick) : kinds.get(k).apply(quick, slow);
                    d.cancel();
                    assertThrows(CancellationException.class, () -> d.join(Duration.ofSeconds(10)));
                    assertTrue(slow.isDone(), "kind " + k + (slowIsThis ? ", slow input first" : ", slow input second")
                            + ": the stage ended while an input's clean-up still ran");
                    assertTrue(slow.isCancelled() && quick.isCancelled());
                }
            }
            return null;
        }));
    }

    @Test
    void aWhenCompleteActionThatThrowsAfterARequestMakesTheTaskFailWithWhatItThrew() {
        // Before (found from outside, 2026-12-05): the task ended CANCELLED with its own exception,
        // and the action's was only suppressed in the input's: seen nowhere. As handle's and
        // exceptionally's functions, an action that throws after a request makes the task FAILED.
        loop.runUntilComplete(loop.createTask(() -> {
            RuntimeException boom = new RuntimeException("boom in whenComplete");
            Task<String> w = sleeper().whenComplete((v, e) -> {
                throw boom;
            });
            Async.sleep(Duration.ofMillis(5));
            assertTrue(w.cancel());
            assertSame(boom, assertThrows(RuntimeException.class, w::join));
            assertEquals(TaskState.FAILED, w.state());
            Task<String> quiet = sleeper().whenComplete((v, e) -> { });
            Async.sleep(Duration.ofMillis(5));
            quiet.cancel();
            assertThrows(CancellationException.class, quiet::join);
            assertTrue(quiet.isCancelled(), "an action that returns normally: CANCELLED");
            return null;
        }));
    }

    /**
     * asyncio's code after an await runs on the loop: a plain form's function over an input that
     * completes on a thread of no loop (a blocking task's, after its body; a to_thread pool's; a
     * plain thread completing an adopted future) runs in a step of the running loop, where
     * Loop.current() and sleepAsync work. Before (found from outside, 2026-12-07) it ran on that
     * thread and both threw IllegalStateException("no running event loop").
     */
    @Test
    void aFunctionOverAnInputCompletedOnAThreadOfNoLoopRunsOnTheLoop() {
        Async.run(l -> {
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<String> plain = new CompletableFuture<>();
            List<Task<String>> inputs = List.of(
                    l.createTask(() -> {
                        go.await();
                        return "blocking";
                    }),
                    Async.toThread(() -> {
                        go.await();
                        return "toThread";
                    }),
                    l.adopt(plain));
            List<Task<String>> derived = new ArrayList<>();
            List<Boolean> inputDoneWhenDerived = new CopyOnWriteArrayList<>();
            for (Task<String> input : inputs) {
                derived.add(l.createTaskAsync(() -> {
                    inputDoneWhenDerived.add(input.isDone());
                    return input.thenCompose(v ->
                            Async.sleepAsync(Duration.ofMillis(1)).thenApply(x -> v + (Loop.current() == l ? " on the loop" : " elsewhere")));
                }));
            }
            while (inputDoneWhenDerived.size() < inputs.size()) {
                Async.sleep(Duration.ofMillis(1));
            }
            assertEquals(List.of(false, false, false), inputDoneWhenDerived, "the stages are derived while their inputs are pending");
            go.countDown();
            new Thread(() -> plain.complete("plain")).start();
            List<String> got = new ArrayList<>();
            for (Task<String> d : derived) {
                got.add(d.join());
            }
            assertEquals(List.of("blocking on the loop", "toThread on the loop", "plain on the loop"), got);
            return null;
        });
    }

    /**
     * The same when the cancellation comes down from the input (cancelled by someone else, or by a
     * closing loop, which cancels every task): the action is asyncio's finally, and what it raises
     * replaces the CancelledError, so the task fails with it and, if nobody retrieves it, it is
     * reported. Before (found from outside, 2026-12-07) the task ended CANCELLED with the action's
     * exception suppressed in the input's cancellation, and a loop's close reported nothing. On
     * another failure the input's stays the task's, the action's suppressed (CompletableFuture's rule).
     */
    @Test
    void aWhenCompleteActionThatThrowsOnItsInputsCancellationMakesTheTaskFail() {
        RuntimeException boom = new RuntimeException("boom in whenComplete");
        loop.runUntilComplete(loop.createTask(() -> {
            Task<String> input = sleeper();
            Task<String> w = input.whenComplete((v, e) -> {
                throw boom;
            });
            Async.sleep(Duration.ofMillis(5));
            input.cancel();
            assertSame(boom, assertThrows(RuntimeException.class, w::join));
            assertEquals(TaskState.FAILED, w.state());

            IllegalStateException inputsOwn = new IllegalStateException("input's own");
            Task<String> failing = loop.createTaskAsync(() -> CompletableFuture.failedFuture(inputsOwn));
            Task<String> w2 = failing.whenComplete((v, e) -> {
                throw boom;
            });
            assertSame(inputsOwn, assertThrows(IllegalStateException.class, w2::join));
            return null;
        }));
        RuntimeException atClose = new RuntimeException("clean-up failed at close");
        Task<Object> t = loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofSeconds(10)).whenComplete((v, e) -> {
            throw atClose;
        }));
        loop.runUntilComplete(loop.createTask(() -> Async.sleep(Duration.ofMillis(5))));
        loop.close();
        assertEquals(TaskState.FAILED, t.state());
        assertTrue(x.reports().stream().anyMatch(r -> r.exception() == atClose), x.reports().toString());
    }

    @Test
    void aFailureAFunctionThrowsIsReportedIfUnretrievedAndAPassedOnOneIsNot() {
        IllegalStateException passed = new IllegalStateException("passed on");
        IllegalStateException own = new IllegalStateException("own");
        Task<String> failed = loop.createTaskAsync(() -> CompletableFuture.failedFuture(passed));
        failed.thenApply(v -> v).whenComplete((v, e) -> { }); // watched only, dropped
        Task<String> ok = loop.createTask(() -> "ok");
        ok.thenAccept(v -> {
            throw own;
        });
        loop.runUntilComplete(loop.createTask(() -> Async.sleep(Duration.ofMillis(5))));
        loop.close();
        List<ExceptionContext> reports = x.reports();
        assertEquals(1, reports.size(), reports.toString());
        assertSame(own, reports.get(0).exception());
    }

    @Test
    void badInputAndAClosedLoop() {
        Task<String> t = loop.createTask(() -> "x");
        Expect.assertNpeNames("fn", () -> t.thenApply(null));
        Expect.assertNpeNames("action", () -> t.whenComplete(null));
        Expect.assertNpeNames("other", () -> t.thenCombine(null, (a, b) -> a));
        Expect.assertNpeNames("executor", () -> t.thenApplyAsync(v -> v, null));
        loop.runUntilComplete(t);
        loop.close();
        assertThrows(IllegalStateException.class, () -> t.thenApply(v -> v));
        assertEquals("x", t.toCompletableFuture().thenApply(v -> v).join(), "the plain view still composes");
        assertFalse(t.isCancelled());
    }

    /** The inputs of a derived task, reachable only through it (and the weak references). */
    private record Derived(Task<Integer> task, List<WeakReference<Task<Integer>>> inputs) {}

    private Derived deriveFromInputsThatComplete(String how) {
        Promise<Integer> a = loop.createPromise();
        Promise<Integer> b = loop.createPromise();
        Task<Integer> derived = switch (how) {
            case "thenApply" -> a.thenApply(x -> x + 1);
            case "thenCombine" -> a.thenCombine(b, Integer::sum);
            default -> a.applyToEither(b, x -> x * 10);
        };
        a.complete(1);
        b.complete(2);
        return new Derived(derived, List.of(new WeakReference<>(a), new WeakReference<>(b)));
    }

    @Test
    void aDoneDerivedTaskKeepsNoReferenceToItsInputs() throws InterruptedException {
        for (String how : List.of("thenApply", "thenCombine", "applyToEither")) {
            Derived d = deriveFromInputsThatComplete(how);
            assertTrue(d.task().isDone(), how);
            for (int i = 0; i < 50 && d.inputs().stream().anyMatch(r -> r.get() != null); i++) {
                System.gc();
                Thread.sleep(10);
            }
            for (WeakReference<Task<Integer>> input : d.inputs()) {
                assertNull(input.get(), how + ": an input is still reachable after its derived task is done");
            }
            assertEquals(how.equals("thenApply") ? 2 : how.equals("thenCombine") ? 3 : 10, d.task().resultNow(), how);
        }
    }
}
