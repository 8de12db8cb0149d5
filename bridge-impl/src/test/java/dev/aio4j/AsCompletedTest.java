package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** asyncio.as_completed in both styles. */
@Timeout(30)
class AsCompletedTest {

    @Test
    void blockingIterationYieldsInCompletionOrder() {
        // the completions come in loop steps of their own, in an order unlike the input's, and only
        // once the walk has registered (iterator()): no timer, so no two of them share a step however
        // late the body runs (tasks already done when a walk begins come in no promised order, as in asyncio)
        List<String> order = Async.run(loop -> {
            Promise<String> a = loop.createPromise();
            Promise<String> b = loop.createPromise();
            Promise<String> c = loop.createPromise();
            Iterator<Task<String>> walk = Async.asCompleted(List.of(a, b, c)).iterator();
            loop.callSoon(() -> {
                c.complete("c");
                loop.callSoon(() -> {
                    b.fail(new RuntimeException("b"));
                    loop.callSoon(() -> a.complete("a"));
                });
            });
            List<String> seen = new ArrayList<>();
            while (walk.hasNext()) {
                Task<String> t = walk.next();
                assertTrue(t.isDone(), "each task comes done");
                seen.add(t.state() == TaskState.SUCCESS ? t.resultNow() : "failed " + t.exceptionNow().getMessage());
            }
            return seen;
        });
        assertEquals(List.of("c", "failed b", "a"), order);
    }

    @Test
    void nonBlockingIterationYieldsInCompletionOrderWithoutAThread() {
        // forEach's walk begins at the loop's next step (its coroutine was dispatched in this one); the
        // callback scheduled after it runs after it in that step and completes b, and a one step later
        List<String> order = Async.runAsync(loop -> {
            Promise<String> a = loop.createPromise();
            Promise<String> b = loop.createPromise();
            List<String> seen = new ArrayList<>();
            CompletionStage<List<String>> walked = Async.asCompletedAsync(List.of(a, b)).forEach(t -> seen.add(t.resultNow())).thenApply(v -> seen);
            loop.callSoon(() -> {
                b.complete("b");
                loop.callSoon(() -> a.complete("a"));
            });
            return walked;
        });
        assertEquals(List.of("b", "a"), order);
    }

    @Test
    void emptyInputGivesAnEmptyIteration() {
        Async.run(loop -> {
            Iterator<Task<String>> it = Async.asCompleted(List.<Task<String>>of()).iterator();
            assertFalse(it.hasNext());
            assertThrows(NoSuchElementException.class, it::next);
            return null;
        });
    }

    @Test
    void aTimeoutEndsTheIterationButCancelsNothing() {
        Async.run(loop -> {
            Promise<String> never = loop.createPromise();
            Iterator<Task<String>> it = Async.asCompleted(List.of(never), Duration.ofMillis(30)).iterator();
            assertTrue(it.hasNext());
            assertThrows(AsyncTimeoutException.class, it::next);
            assertFalse(never.isDone());
            never.cancel();
            return null;
        });
        Async.runAsync(loop -> {
            Promise<String> never = loop.createPromise();
            return Async.asCompletedAsync(List.of(never), Duration.ofMillis(30)).forEach(t -> {})
                    .handle((v, e) -> {
                        assertInstanceOf(AsyncTimeoutException.class, e instanceof CompletionException ? e.getCause() : e);
                        assertFalse(never.isDone());
                        never.cancel();
                        return null;
                    });
        });
    }

    @Test
    void anInterruptWhileWaitingIsACancellationAndLeavesTheTasksAlone() {
        Async.run(loop -> {
            Promise<String> never = loop.createPromise();
            CountDownLatch iterating = new CountDownLatch(1);
            Task<String> walker = loop.createTask(() -> {
                iterating.countDown();
                for (Task<String> t : Async.asCompleted(List.of(never))) {
                    return t.resultNow();
                }
                return "none";
            });
            iterating.await();
            Async.sleep(Duration.ofMillis(20));
            walker.cancel();
            assertThrows(CancellationException.class, walker::join);
            assertFalse(never.isDone(), "as_completed never cancels what it watches");
            never.cancel();
            return null;
        });
    }

    @Test
    void iteratingOnTheLoopThreadIsRefused() {
        Async.runAsync(loop -> {
            Promise<String> never = loop.createPromise();
            Iterator<Task<String>> it = Async.asCompleted(List.of(never)).iterator();
            IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
            assertFalse(e instanceof CancellationException);
            never.cancel();
            return never.handle((v, x) -> null);
        });
    }

    @Test
    void tasksOfDifferentLoopsAreRefusedAndNoTasksNeedALoopForTheNonBlockingForm() {
        Loop other = Async.newLoop();
        try {
            Promise<String> foreign = other.createPromise();
            Async.run(loop -> {
                Promise<String> local = loop.createPromise();
                List<Task<String>> both = List.of(local, foreign);
                assertThrows(IllegalArgumentException.class, () -> Async.asCompleted(both));
                assertThrows(IllegalArgumentException.class, () -> Async.asCompleted(both, Duration.ofSeconds(1)));
                assertThrows(IllegalArgumentException.class, () -> Async.asCompletedAsync(both));
                assertThrows(IllegalArgumentException.class, () -> Async.asCompletedAsync(both, Duration.ofSeconds(1)));
                local.cancel();
                return null;
            });
        } finally {
            other.close();
        }
        IllegalStateException noLoop = assertThrows(IllegalStateException.class, () -> Async.asCompletedAsync(List.<Task<String>>of()));
        assertFalse(noLoop instanceof CancellationException);
    }

    @Test
    void badInput() {
        Async.run(loop -> {
            Expect.assertNpeNames("tasks", () -> Async.asCompleted(null));
            Expect.assertNpeNames("timeout", () -> Async.asCompleted(List.of(), null));
            assertThrows(IllegalArgumentException.class, () -> Async.asCompleted(List.of(), Duration.ofSeconds(-1)));
            Expect.assertNpeNames("tasks", () -> Async.asCompletedAsync(null));
            return null;
        });
    }
}
