package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** asyncio.timeout in both styles: only its own cancellation becomes the timeout. */
@Timeout(30)
class TimeoutTest {

    @Test
    void aBodyInTimeReturnsItsResult() {
        Async.run(loop -> {
            assertEquals("ok", Async.timeout(Duration.ofSeconds(5), () -> "ok"));
            return null;
        });
    }

    @Test
    void anExpiredBodyIsInterruptedAndTheTimeoutIsThrown() {
        Async.run(loop -> {
            long start = System.nanoTime();
            AsyncTimeoutException e = assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(30), () -> {
                Async.sleep(Duration.ofMinutes(1));
                return "never";
            }));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
            assertInstanceOf(CancellationException.class, e.getCause());
            assertEquals("the body did not complete within PT0.03S", e.getMessage());
            // the cause says what asked, not that the task was being cancelled (it said so before 2026-12-07)
            assertEquals("Async.sleep() was interrupted: a cancellation of main's wait (a timeout or task group scope, or Thread.interrupt())",
                    e.getCause().getMessage());
            assertFalse(Thread.currentThread().isInterrupted(), "the deadline's interrupt does not leak out");
            // a JDK blocking call gets the interrupt as InterruptedException: also the timeout
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(30), () -> {
                Thread.sleep(60_000);
                return "never";
            }));
            assertFalse(Thread.currentThread().isInterrupted());
            return null;
        });
    }

    @Test
    void theDeadlineCancelsAnAwaitedTaskToo() {
        Async.run(loop -> {
            Promise<String> p = loop.createPromise();
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(20), p::join));
            assertTrue(p.isCancelled(), "cancellation went down the await");
            return null;
        });
    }

    @Test
    void aBodyThatCatchesTheInterruptAndReturnsKeepsItsResult() {
        Async.run(loop -> {
            String r = Async.timeout(Duration.ofMillis(20), () -> {
                try {
                    Async.sleep(Duration.ofMinutes(1));
                    return "slept";
                } catch (CancellationException e) {
                    return "caught";
                }
            });
            assertEquals("caught", r);
            assertFalse(Thread.currentThread().isInterrupted());
            return null;
        });
    }

    @Test
    void aCancellationFromOutsideStaysACancellation() {
        Async.run(loop -> {
            CountDownLatch inBody = new CountDownLatch(1);
            Task<String> t = loop.createTask(() -> Async.timeout(Duration.ofMinutes(1), () -> {
                inBody.countDown();
                Async.sleep(Duration.ofMinutes(1));
                return "never";
            }));
            inBody.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertEquals(TaskState.CANCELLED, t.state());
            return null;
        });
    }

    @Test
    void otherExceptionsPassThroughByTheRule() {
        Async.run(loop -> {
            IllegalStateException unchecked = new IllegalStateException("x");
            IOException checked = new IOException("io");
            assertSame(unchecked, assertThrows(IllegalStateException.class, () -> Async.timeout(Duration.ofSeconds(5), () -> {
                throw unchecked;
            })));
            assertSame(checked, assertThrows(TaskFailedException.class, () -> Async.timeout(Duration.ofSeconds(5), () -> {
                throw checked;
            })).getCause());
            return null;
        });
    }

    @Test
    void theBlockingFormIsRefusedOnTheLoopThread() {
        Async.runAsync(loop -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Async.timeout(Duration.ofSeconds(1), () -> "x"));
            assertFalse(e instanceof CancellationException);
            return CompletableFuture.completedFuture(null);
        });
    }

    @Test
    void theNonBlockingFormCancelsTheStageAndTimesOut() {
        Async.runAsync(loop -> {
            CompletableFuture<String> never = new CompletableFuture<>();
            Task<String> t = Async.timeoutAsync(Duration.ofMillis(20), () -> never);
            return t.handle((v, e) -> {
                assertInstanceOf(AsyncTimeoutException.class, e);
                // the blocking form's words: before 2026-12-07 it named the hidden task that ran the body
                assertEquals("the body did not complete within PT0.02S", e.getMessage());
                assertInstanceOf(CancellationException.class, e.getCause());
                assertTrue(never.isCancelled());
                return null;
            });
        });
        String r = Async.runAsync(loop -> Async.timeoutAsync(Duration.ofSeconds(5), () -> Async.sleepAsync(Duration.ofMillis(1)).thenApply(v -> "in time")));
        assertEquals("in time", r);
    }

    @Test
    void theNonBlockingFormCancelledFromOutsideStaysACancellation() {
        Async.run(loop -> {
            CompletableFuture<String> never = new CompletableFuture<>();
            Task<String> t = Async.timeoutAsync(Duration.ofMinutes(1), () -> never);
            Async.sleep(Duration.ofMillis(20));
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertTrue(never.isCancelled());
            return null;
        });
    }

    @Test
    void badInput() {
        Async.run(loop -> {
            Expect.assertNpeNames("timeout", () -> Async.timeout(null, () -> "x"));
            Expect.assertNpeNames("body", () -> Async.timeout(Duration.ZERO, null));
            assertThrows(IllegalArgumentException.class, () -> Async.timeout(Duration.ofMillis(-1), () -> "x"));
            Expect.assertNpeNames("timeout", () -> Async.timeoutAsync(null, () -> CompletableFuture.completedFuture("x")));
            Expect.assertNpeNames("body", () -> Async.timeoutAsync(Duration.ZERO, null));
            assertThrows(IllegalArgumentException.class, () -> Async.timeoutAsync(Duration.ofMillis(-1), () -> CompletableFuture.completedFuture("x")));
            return null;
        });
    }
}
