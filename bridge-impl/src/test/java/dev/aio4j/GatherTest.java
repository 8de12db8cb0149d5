package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** asyncio.gather and gather(return_exceptions=True). */
@Timeout(30)
class GatherTest {

    @Test
    void resultsComeInArgumentOrderNotCompletionOrder() {
        List<String> r = Async.run(loop -> {
            Task<String> slow = loop.createTask(() -> {
                Async.sleep(Duration.ofMillis(60));
                return "slow";
            });
            Task<String> fast = loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(1)).thenApply(v -> "fast"));
            CompletableFuture<String> plain = CompletableFuture.completedFuture("plain");
            return Async.gather(slow, fast, plain).join();
        });
        assertEquals(List.of("slow", "fast", "plain"), r);
    }

    @Test
    void anEmptyGatherIsDoneWithAnEmptyList() {
        Async.run(loop -> {
            Task<List<Object>> t = Async.gather();
            assertEquals(List.of(), t.join());
            assertEquals(List.of(), Async.gather(List.of()).join());
            assertEquals(List.of(), Async.gatherOutcomes().join());
            return null;
        });
    }

    @Test
    void theFirstFailureFailsTheGatherAtOnceAndTheOthersRunOn() {
        Async.run(loop -> {
            IllegalStateException boom = new IllegalStateException("boom");
            Promise<String> slow = loop.createPromise();
            Task<String> failing = loop.createTask(() -> {
                throw boom;
            });
            Task<List<String>> all = Async.gather(slow, failing);
            IllegalStateException thrown = assertThrows(IllegalStateException.class, all::join);
            assertSame(boom, thrown);
            assertEquals(TaskState.FAILED, all.state());
            assertFalse(slow.isDone(), "asyncio: the other awaitables are not cancelled");
            slow.complete("still ok");
            return null;
        });
    }

    @Test
    void laterFailuresCountAsRetrievedByTheGather() {
        List<ExceptionContext> reported = new ArrayList<>();
        Async.run(loop -> {
            loop.setExceptionHandler((l, c) -> reported.add(c));
            Promise<String> a = loop.createPromise();
            Promise<String> b = loop.createPromise();
            Task<List<String>> all = Async.gather(a, b);
            a.fail(new RuntimeException("first"));
            b.fail(new RuntimeException("second"));
            assertThrows(RuntimeException.class, all::join);
            return null;
        });
        assertEquals(List.of(), reported);
    }

    @Test
    void cancellingTheGatherCancelsEveryChildAndWaitsForThem() {
        Async.run(loop -> {
            AtomicInteger finallies = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(2);
            Task<String> a = loop.createTask(() -> {
                try {
                    started.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return "a";
                } finally {
                    Thread.sleep(30); // a slow finally: the gather must wait for it
                    finallies.incrementAndGet();
                }
            });
            Task<String> b = loop.createTask(() -> {
                try {
                    started.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return "b";
                } finally {
                    finallies.incrementAndGet();
                }
            });
            Task<List<String>> all = Async.gather(a, b);
            started.await();
            assertTrue(all.cancel());
            assertThrows(CancellationException.class, all::join);
            assertEquals(2, finallies.get(), "the gather completes when its children have finished");
            assertTrue(a.isCancelled());
            assertTrue(b.isCancelled());
            assertEquals(TaskState.CANCELLED, all.state());
            return null;
        });
    }

    @Test
    void aChildCancelledFromElsewhereFailsTheGatherWithItsCancellation() {
        Async.run(loop -> {
            Promise<String> a = loop.createPromise();
            Promise<String> b = loop.createPromise();
            Task<List<String>> all = Async.gather(a, b);
            a.cancel("a went away");
            CancellationException e = assertThrows(CancellationException.class, all::join);
            assertEquals("a went away", e.getMessage());
            assertEquals(TaskState.CANCELLED, all.state(), "a task that ends with a CancellationException is cancelled (asyncio's gather().cancelled() is false)");
            assertFalse(b.isCancelled(), "the others are left alone");
            b.cancel();
            return null;
        });
    }

    @Test
    void aTaskAwaitingAGatherPassesItsCancellationToTheChildren() {
        Async.run(loop -> {
            Promise<String> a = loop.createPromise();
            Task<Void> s = loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMinutes(1)));
            CountDownLatch waiting = new CountDownLatch(1);
            Task<List<Object>> waiter = loop.createTask(() -> {
                waiting.countDown();
                return Async.<Object>gather(a, s).join();
            });
            waiting.await();
            Async.sleep(Duration.ofMillis(20));
            waiter.cancel();
            assertThrows(CancellationException.class, waiter::join);
            assertTrue(a.isCancelled());
            assertTrue(s.isCancelled());
            return null;
        });
    }

    @Test
    void gatherOutcomesCollectsEveryEndingAndNeverFails() {
        Async.run(loop -> {
            RuntimeException boom = new RuntimeException("boom");
            Promise<String> ok = loop.createPromise();
            Promise<String> failed = loop.createPromise();
            Promise<String> cancelled = loop.createPromise();
            Task<List<Outcome<String>>> all = Async.gatherOutcomes(ok, failed, cancelled);
            failed.fail(boom);
            cancelled.cancel("c");
            assertFalse(all.isDone(), "it waits for all, failures included");
            ok.complete("fine");
            List<Outcome<String>> outcomes = all.join();
            assertEquals(new Outcome.Success<>("fine"), outcomes.get(0));
            assertSame(boom, assertInstanceOf(Outcome.Failure.class, outcomes.get(1)).exception());
            assertEquals("c", assertInstanceOf(Outcome.Cancelled.class, outcomes.get(2)).exception().getMessage());
            assertThrows(UnsupportedOperationException.class, () -> outcomes.add(null));
            return null;
        });
    }

    @Test
    void childrenAlreadyDoneAreTakenWhenTheGatherStartsInArgumentOrderWithTheOthers() {
        List<ExceptionContext> reported = new ArrayList<>();
        Async.run(loop -> {
            loop.setExceptionHandler((l, c) -> reported.add(c));
            RuntimeException boom = new RuntimeException("boom");
            Promise<String> doneOk = loop.createPromise();
            doneOk.complete("done");
            Promise<String> later = loop.createPromise();
            CompletableFuture<String> pendingStage = new CompletableFuture<>();
            Task<List<String>> mixed = Async.gather(CompletableFuture.completedFuture("stage"), later, doneOk, pendingStage);
            assertFalse(mixed.isDone());
            pendingStage.complete("stage later");
            later.complete("later");
            assertEquals(List.of("stage", "later", "done", "stage later"), mixed.join());

            Promise<String> doneFailed = loop.createPromise();
            doneFailed.fail(boom);
            Promise<String> failsLater = loop.createPromise();
            Task<List<String>> failing = Async.gather(doneOk, doneFailed, failsLater);
            assertTrue(failing.isDone(), "a child that had failed fails the gather as it starts");
            assertSame(boom, assertThrows(RuntimeException.class, failing::join));
            failsLater.fail(new RuntimeException("second"));

            Promise<String> doneCancelled = loop.createPromise();
            doneCancelled.cancel("c");
            List<Outcome<String>> outcomes = Async.gatherOutcomes(doneOk, doneFailed, doneCancelled).join();
            assertEquals(new Outcome.Success<>("done"), outcomes.get(0));
            assertSame(boom, assertInstanceOf(Outcome.Failure.class, outcomes.get(1)).exception());
            assertEquals("c", assertInstanceOf(Outcome.Cancelled.class, outcomes.get(2)).exception().getMessage());
            assertThrows(UnsupportedOperationException.class, () -> outcomes.set(0, null));
            return null;
        });
        assertEquals(List.of(), reported, "every child's failure counts as retrieved by the gather");
    }

    @Test
    void gatherOutcomesCancelledStillCancelsTheChildren() {
        Async.run(loop -> {
            Promise<String> a = loop.createPromise();
            Task<List<Outcome<String>>> all = Async.gatherOutcomes(a);
            all.cancel();
            assertThrows(CancellationException.class, all::join);
            assertTrue(a.isCancelled());
            return null;
        });
    }

    @Test
    void tasksOfDifferentLoopsCannotBeGathered() throws Exception {
        Loop other = Async.newLoop();
        try {
            Promise<String> foreign = other.createPromise();
            Async.run(loop -> {
                Promise<String> local = loop.createPromise();
                assertThrows(IllegalArgumentException.class, () -> Async.gather(local, foreign));
                local.cancel();
                return null;
            });
        } finally {
            other.close();
        }
    }

    @Test
    void badInput() {
        Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            Expect.assertNpeNames("tasks", () -> Async.gather((List<CompletableFuture<String>>) null));
            Expect.assertNpeNames("tasks", () -> Async.gather((CompletableFuture<String>[]) null));
            Expect.assertNpeNames("tasks[1]", () -> Async.gather(p, null));
            Expect.assertNpeNames("tasks[0]", () -> Async.gatherOutcomes(null, p));
            p.cancel();
            return null;
        });
        IllegalStateException noLoop = assertThrows(IllegalStateException.class, () -> Async.gather());
        assertFalse(noLoop instanceof CancellationException);
        assertTrue(noLoop.getMessage().contains("no running event loop"), noLoop.getMessage());
    }

    /**
     * The results whatever the order and the threads in which the children complete: some done
     * before the gather, then in argument order, then in reverse, a null result among them (the
     * gather takes a child's result as it completes when it is the next one in argument order, and
     * reads the others at the end).
     */
    @Test
    void resultsAreRightInAnyCompletionOrder() {
        Async.run(loop -> {
            int n = 40;
            List<Promise<String>> children = new ArrayList<>();
            for (int i = 0; i < n; i++) children.add(loop.createPromise());
            for (int i = 0; i < 10; i += 2) children.get(i).complete("v" + i); // done before, with gaps
            Task<List<String>> all = Async.gather(children);
            Task<List<Outcome<String>>> outcomes = Async.gatherOutcomes(children);
            for (int i = 1; i < 10; i += 2) children.get(i).complete("v" + i);
            for (int i = 10; i < 25; i++) children.get(i).complete(i == 12 ? null : "v" + i); // in order
            for (int i = n - 1; i >= 25; i--) children.get(i).complete("v" + i); // in reverse
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) expected.add(i == 12 ? null : "v" + i);
            assertEquals(expected, all.join());
            List<Outcome<String>> got = outcomes.join();
            for (int i = 0; i < n; i++) assertEquals(new Outcome.Success<>(expected.get(i)), got.get(i), "outcome " + i);
            return null;
        });
    }

    /** The same with the children completed by four threads at once, many times, with a failure among outcomes. */
    @Test
    void resultsAreRightWhenChildrenCompleteOnManyThreads() throws Exception {
        RuntimeException boom = new RuntimeException("boom");
        for (int round = 0; round < 200; round++) {
            Async.run(loop -> {
                int n = 64;
                List<Promise<Integer>> children = new ArrayList<>();
                for (int i = 0; i < n; i++) children.add(loop.createPromise());
                Task<List<Integer>> all = Async.gather(children.subList(0, n - 1));
                Task<List<Outcome<Integer>>> outcomes = Async.gatherOutcomes(children);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int first = t;
                    Thread thread = new Thread(() -> {
                        for (int i = first; i < n; i += 4) {
                            if (i == n - 1) children.get(i).fail(boom); else children.get(i).complete(i);
                        }
                    });
                    thread.start();
                    threads.add(thread);
                }
                for (Thread t : threads) t.join();
                List<Integer> expected = new ArrayList<>();
                for (int i = 0; i < n - 1; i++) expected.add(i);
                assertEquals(expected, all.join());
                List<Outcome<Integer>> got = outcomes.join();
                for (int i = 0; i < n - 1; i++) assertEquals(new Outcome.Success<>(i), got.get(i), "outcome " + i);
                assertSame(boom, assertInstanceOf(Outcome.Failure.class, got.get(n - 1)).exception());
                return null;
            });
        }
    }
}
