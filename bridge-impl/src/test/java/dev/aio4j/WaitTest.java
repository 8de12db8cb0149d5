package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** asyncio.wait: never cancels, never fails because of its tasks. */
@Timeout(30)
class WaitTest {

    @Test
    void allCompletedWaitsForEveryTask() {
        Async.run(loop -> {
            Promise<String> a = loop.createPromise();
            Promise<String> b = loop.createPromise();
            Task<Done<String>> w = Async.wait(List.of(a, b));
            a.complete("a");
            assertFalse(w.isDone());
            b.fail(new RuntimeException("b"));
            Done<String> d = w.join();
            assertEquals(List.of(a, b), new ArrayList<>(d.done()), "argument order");
            assertEquals(Set.of(), d.pending());
            b.exceptionNow(); // retrieve it: wait does not
            return null;
        });
    }

    @Test
    void firstCompletedReturnsAtTheFirstEnding() {
        Async.run(loop -> {
            Promise<String> a = loop.createPromise();
            Promise<String> b = loop.createPromise();
            Task<Done<String>> w = Async.wait(List.of(a, b), ReturnWhen.FIRST_COMPLETED);
            b.complete("b");
            Done<String> d = w.join();
            assertEquals(Set.of(b), d.done());
            assertEquals(Set.of(a), d.pending());
            assertFalse(a.isDone(), "wait cancels nothing");
            a.cancel();
            return null;
        });
    }

    @Test
    void firstExceptionIgnoresResultsAndCancellations() {
        Async.run(loop -> {
            Promise<String> ok = loop.createPromise();
            Promise<String> cancelled = loop.createPromise();
            Promise<String> failing = loop.createPromise();
            Promise<String> pending = loop.createPromise();
            Task<Done<String>> w = Async.wait(List.of(ok, cancelled, failing, pending), ReturnWhen.FIRST_EXCEPTION);
            ok.complete("ok");
            cancelled.cancel();
            Async.sleep(Duration.ofMillis(20));
            assertFalse(w.isDone(), "a result or a cancellation is not an exception");
            failing.fail(new RuntimeException("x"));
            Done<String> d = w.join();
            assertEquals(List.of(ok, cancelled, failing), new ArrayList<>(d.done()));
            assertEquals(Set.of(pending), d.pending());
            failing.exceptionNow();
            pending.cancel();
            return null;
        });
    }

    @Test
    void firstExceptionReturnsWhenAllAreDoneWithoutFailure() {
        Async.run(loop -> {
            Promise<String> a = loop.createPromise();
            Task<Done<String>> w = Async.wait(List.of(a), ReturnWhen.FIRST_EXCEPTION);
            a.complete("fine");
            assertEquals(Set.of(a), w.join().done());
            return null;
        });
    }

    @Test
    void aTimeoutReturnsWhatIsDoneAndCancelsNothing() {
        Async.run(loop -> {
            Promise<String> never = loop.createPromise();
            Task<String> quick = loop.createTask(() -> "quick");
            quick.join();
            Done<String> d = Async.wait(List.of(quick, never), ReturnWhen.ALL_COMPLETED, Duration.ofMillis(30)).join();
            assertEquals(Set.of(quick), d.done());
            assertEquals(Set.of(never), d.pending());
            assertFalse(never.isDone());
            Done<String> zero = Async.wait(List.of(never), ReturnWhen.ALL_COMPLETED, Duration.ZERO).join();
            assertEquals(Set.of(never), zero.pending());
            never.cancel();
            return null;
        });
    }

    @Test
    void cancellingTheWaitCancelsOnlyTheWait() {
        Async.run(loop -> {
            Promise<String> a = loop.createPromise();
            Task<Done<String>> w = Async.wait(List.of(a));
            assertTrue(w.cancel());
            assertThrows(CancellationException.class, w::join);
            assertFalse(a.isDone());
            a.cancel();
            return null;
        });
    }

    @Test
    void waitDoesNotRetrieveFailures() {
        List<ExceptionContext> reported = new ArrayList<>();
        RuntimeException boom = new RuntimeException("unseen");
        Async.run(loop -> {
            loop.setExceptionHandler((l, c) -> reported.add(c));
            Task<String> failing = loop.createTask(() -> {
                throw boom;
            });
            Async.wait(List.of(failing)).join();
            return null;
        });
        assertEquals(1, reported.size(), "asyncio's wait does not mark exceptions retrieved");
        assertEquals(boom, reported.get(0).exception());
    }

    @Test
    void badInput() {
        Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            assertThrows(IllegalArgumentException.class, () -> Async.wait(List.<Task<String>>of()));
            Expect.assertNpeNames("tasks", () -> Async.wait(null));
            Expect.assertNpeNames("returnWhen", () -> Async.wait(List.of(p), null));
            Expect.assertNpeNames("timeout", () -> Async.wait(List.of(p), ReturnWhen.ALL_COMPLETED, null));
            assertThrows(IllegalArgumentException.class, () -> Async.wait(List.of(p), ReturnWhen.ALL_COMPLETED, Duration.ofMillis(-1)));
            p.cancel();
            return null;
        });
    }
}
