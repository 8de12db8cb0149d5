package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Blocking calls made on a loop's own thread (in a callback, a non-blocking body, a done callback)
 * would stall every callback: they throw {@link IllegalStateException} saying what to do instead,
 * and the loop goes on.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@ExtendWith(NoStrayInterrupt.class)
class BlockingOnLoopThreadTest extends LoopFixture {

    /** Asserts the refusal: an ISE, not a cancellation, that names the call and says what to do. */
    static IllegalStateException assertRefused(String call, Executable blocking) {
        IllegalStateException e = assertThrows(IllegalStateException.class, blocking);
        assertFalse(e instanceof CancellationException, "a refusal must not look like a cancellation: " + e);
        String m = e.getMessage();
        assertTrue(m.contains(call), m);
        assertTrue(m.contains("would block the event loop's thread"), m);
        assertTrue(m.contains("createTaskAsync") && m.contains("loop.createTask") && m.contains("Async.toThread"),
                "the message does not say what to do instead: " + m);
        return e;
    }

    /** Runs {@code check} in a callSoon callback and returns once the loop has run it. */
    private void onLoopThread(Expect.ThrowingRunnable check) {
        Promise<Void> done = loop.createPromise();
        loop.callSoon(() -> {
            x.verify(check);
            done.complete(null);
        });
        loop.runUntilComplete(done);
        x.check();
    }

    @Test
    void taskAwaitInACallbackIsRefused() {
        Promise<String> pending = loop.createPromise();
        onLoopThread(() -> {
            assertRefused("Task.join()", pending::join);
            assertRefused("Task.join()", () -> pending.join(Duration.ofMillis(1)));
        });
        assertFalse(pending.isDone(), "a refused await must not cancel what it would have awaited");
    }

    @Test
    void taskAwaitOfADoneTaskInACallbackIsRefusedToo() {
        Promise<String> done = loop.createPromise();
        done.complete("done");
        onLoopThread(() -> assertRefused("Task.join()", done::join));
    }

    @Test
    void asyncSleepInACallbackIsRefused() {
        onLoopThread(() -> {
            assertRefused("Async.sleep()", () -> Async.sleep(Duration.ofMillis(1)));
            assertRefused("Async.sleep()", () -> Async.sleep(Duration.ZERO));
        });
    }

    @Test
    void otherBlockingEntryPointsInACallbackAreRefused() {
        onLoopThread(() -> {
            assertRefused("Async.run()", () -> Async.run(l -> "nested"));
            assertRefused("Async.timeout()", () -> Async.timeout(Duration.ofSeconds(1), () -> "x"));
            assertRefused("Async.timeoutScope()", () -> Async.timeoutScope(Duration.ofSeconds(1), scope -> "x"));
            assertRefused("Async.taskGroup()", () -> Async.taskGroup(g -> "x"));
        });
    }

    @Test
    void badInputIsReportedBeforeTheRefusal() {
        onLoopThread(() -> {
            assertThrows(IllegalArgumentException.class, () -> Async.sleep(Duration.ofMillis(-1)));
            Expect.assertNpeNames("delay", () -> Async.sleep(null));
        });
    }

    @Test
    void aBlockingCallInANonBlockingBodyFailsTheTaskWithTheRefusal() {
        Promise<String> other = loop.createPromise();
        Task<String> awaits = loop.createTaskAsync(() -> CompletableFuture.completedFuture(other.join()));
        Task<String> sleeps = loop.createTaskAsync(() -> {
            Async.sleep(Duration.ofMillis(1));
            return CompletableFuture.completedFuture("slept");
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(awaits));
        assertRefused("Task.join()", () -> {
            throw e;
        });
        assertEquals(TaskState.FAILED, awaits.state());
        assertRefused("Async.sleep()", () -> loop.runUntilComplete(sleeps));
        assertFalse(other.isDone());
    }

    @Test
    void aBlockingCallInADoneCallbackIsRefusedAndReported() {
        Promise<String> p = loop.createPromise();
        Promise<String> other = loop.createPromise();
        Promise<Void> done = loop.createPromise();
        p.addDoneCallback(t -> {
            x.verify(() -> assertRefused("Task.join()", other::join));
            other.join(); // uncaught: goes to the handler
        });
        p.addDoneCallback(t -> done.complete(null)); // the loop goes on
        p.complete("p");
        loop.runUntilComplete(done);
        assertEquals(1, x.reports().size(), x.reports().toString());
        assertRefused("Task.join()", () -> {
            throw (IllegalStateException) x.reports().get(0).exception();
        });
    }

    @Test
    void blockingStyleTasksMayBlock() {
        // the same calls work in a blocking-style task, which is what the message says to use
        Promise<String> p = loop.createPromise();
        loop.callLater(Duration.ofMillis(5), () -> p.complete("awaited"));
        Task<String> t = loop.createTask(() -> {
            Async.sleep(Duration.ofMillis(1));
            return p.join();
        });
        assertEquals("awaited", loop.runUntilComplete(t));
        assertEquals("awaited", Async.run(l -> l.createTask(() -> Async.toThread(() -> "awaited").join()).join()));
    }

    @Test
    void aTaskCannotAwaitItself() {
        Task<String> t = loop.createTask(() -> {
            Task<?> me = Async.currentTask();
            IllegalStateException e = assertThrows(IllegalStateException.class, me::join);
            assertFalse(e instanceof CancellationException);
            return "refused";
        });
        assertEquals("refused", loop.runUntilComplete(t));
    }
}
