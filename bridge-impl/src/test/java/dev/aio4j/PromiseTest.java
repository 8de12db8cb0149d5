package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Promise: asyncio's Future, completed by hand. */
@Timeout(30)
class PromiseTest {

    @Test
    void theFirstCompletionWins() {
        Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            assertEquals(TaskState.PENDING, p.state());
            assertTrue(p.complete("a"));
            assertFalse(p.complete("b"));
            assertFalse(p.fail(new RuntimeException()));
            assertFalse(p.cancel());
            assertEquals("a", p.join());
            return null;
        });
    }

    @Test
    void failDeliversTheExceptionAndACancellationCancels() {
        Async.run(loop -> {
            Promise<String> failed = loop.createPromise();
            RuntimeException boom = new RuntimeException("boom");
            assertTrue(failed.fail(boom));
            assertSame(boom, assertThrows(RuntimeException.class, failed::join));
            assertEquals(TaskState.FAILED, failed.state());

            Promise<String> cancelled = loop.createPromise();
            assertTrue(cancelled.fail(new CancellationException("via fail")));
            assertEquals(TaskState.CANCELLED, cancelled.state());
            return null;
        });
    }

    @Test
    void cancellingAPromiseCompletesItAtOnceAndWakesItsAwaiter() {
        Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            Task<String> waiter = loop.createTask(() -> p.join());
            Async.sleep(Duration.ofMillis(20));
            assertTrue(p.cancel("gone"));
            assertTrue(p.isDone(), "a promise has no body to wait for");
            CancellationException e = assertThrows(CancellationException.class, waiter::join);
            assertEquals(TaskState.CANCELLED, waiter.state());
            assertEquals("gone", assertThrows(CancellationException.class, p::join).getMessage());
            return null;
        });
    }

    @Test
    void completedFromAnotherThread() throws Exception {
        String r = Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            Thread t = new Thread(() -> p.complete("from a plain thread"));
            t.start();
            t.join();
            return p.join();
        });
        assertEquals("from a plain thread", r);
    }
}
