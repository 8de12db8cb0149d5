package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.aio4j.sync.AsyncLock;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Clean-up written on a chain of stages runs when the chain is cancelled. Written against
 * {@link CompletionStage} only, so that it also runs (red) on the old stages, which were
 * CompletableFutures: cancelled at once, their functions skipped.
 */
class DerivedStageCancellationTest {

    @Test
    void whenCompleteOnANonBlockingBodysStageRunsWhenTheTaskIsCancelled() {
        Async.run(loop -> {
            AtomicReference<Throwable> seen = new AtomicReference<>();
            CountDownLatch bodyRan = new CountDownLatch(1);
            Task<Void> t = loop.createTaskAsync(() -> {
                bodyRan.countDown();
                return Async.sleepAsync(Duration.ofMinutes(1)).whenComplete((v, e) -> seen.set(e));
            });
            bodyRan.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertInstanceOf(CancellationException.class, seen.get(), "the clean-up ran, and saw the cancellation");
            return null;
        });
    }

    /**
     * asyncio's {@code try: await sleep(5) except CancelledError: await sleep(0.2); raise}, written
     * as a chain: the request goes up to the sleep it waits in, comes back down as the
     * CancellationException, and the clean-up's own wait, the stage that exceptionallyCompose's
     * function returns, is not cancelled again: the request was delivered once, at the first wait
     * (Task's Javadoc: a function's returned stage receives the request only when the function's
     * input had completed before it came). The task ends CANCELLED after the clean-up. Before
     * 2026-12-07 the pending request cancelled the clean-up's sleep at once (found from outside).
     */
    @Test
    void theCleanUpStageOfAnExceptionallyComposeRunsUncancelledAfterTheRequestWasDelivered() {
        Async.run(loop -> {
            AtomicReference<Throwable> cleanUpEnded = new AtomicReference<>();
            CountDownLatch bodyRan = new CountDownLatch(1);
            Task<String> t = loop.createTaskAsync(() -> {
                bodyRan.countDown();
                return Async.sleepAsync(Duration.ofMinutes(1)).thenApply(v -> "value")
                        .exceptionallyCompose(e -> {
                            Task<Void> cleanUp = Async.sleepAsync(Duration.ofMillis(50));
                            return cleanUp.handle((v, e2) -> {
                                cleanUpEnded.set(e2 == null ? new Throwable("normally") : e2);
                                return null;
                            }).thenCompose(v -> CompletableFuture.<String>failedFuture(e));
                        });
            });
            bodyRan.await();
            Async.sleep(Duration.ofMillis(10));
            long cancelledAt = System.nanoTime();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            long tookMillis = (System.nanoTime() - cancelledAt) / 1_000_000;
            org.junit.jupiter.api.Assertions.assertEquals("normally", cleanUpEnded.get().getMessage(), "the clean-up's sleep was cancelled: " + cleanUpEnded.get());
            org.junit.jupiter.api.Assertions.assertTrue(tookMillis >= 45, "the task ended " + tookMillis + " ms after cancel(), before its clean-up");
            org.junit.jupiter.api.Assertions.assertEquals(TaskState.CANCELLED, t.state());
            return null;
        });
    }

    /**
     * The request went up, but the input ended with something else than the cancellation (a failure
     * of its own as it was cancelled; a timeout that passed as the request came): the request was not
     * delivered, and the stage the function returns, its next wait, receives it. Without that, a
     * chain that retries on a failure (timeoutAsync(...).exceptionallyCompose(e -> retry)) went on
     * retrying for ever after its cancel() (a full CI run of ConditionBufferTest hung with 18,000 tasks).
     */
    @Test
    void theStageReturnedOnAnotherFailureThanTheCancellationReceivesTheRequest() {
        Async.run(loop -> {
            CountDownLatch bodyRan = new CountDownLatch(1);
            AtomicReference<Throwable> retryEnded = new AtomicReference<>();
            Task<String> input = loop.createTaskAsync(() -> {
                bodyRan.countDown();
                return Async.sleepAsync(Duration.ofMinutes(1)).<String>handle((v, e) -> {
                    throw new IllegalStateException("a failure of its own as it is cancelled");
                });
            });
            Task<String> chain = input.exceptionallyCompose(e -> Async.sleepAsync(Duration.ofMinutes(1))
                    .whenComplete((v, e2) -> retryEnded.set(e2)).thenApply(v -> "retried"));
            bodyRan.await();
            Async.sleep(Duration.ofMillis(10));
            chain.cancel();
            assertThrows(CancellationException.class, () -> chain.join(Duration.ofSeconds(10)));
            assertInstanceOf(IllegalStateException.class, input.exceptionNow());
            assertInstanceOf(CancellationException.class, retryEnded.get(), "the retry's wait was not cancelled");
            return null;
        });
    }

    /**
     * A task is cancelled once: a second cancel() while the clean-up's stage runs does not cut it,
     * as it does not cut a blocking body's clean-up after its interrupt (both styles alike).
     */
    @Test
    void aSecondRequestDuringTheCleanUpDoesNotCutItAsInTheBlockingStyle() {
        Async.run(loop -> {
            for (boolean blocking : new boolean[] {false, true}) {
                AtomicReference<String> cleanUpEnded = new AtomicReference<>();
                CountDownLatch inCleanUp = new CountDownLatch(1);
                CountDownLatch bodyRan = new CountDownLatch(1);
                Task<String> t = blocking
                        ? loop.createTask(() -> {
                            bodyRan.countDown();
                            try {
                                Async.sleep(Duration.ofMinutes(1));
                                return "value";
                            } catch (CancellationException e) {
                                inCleanUp.countDown();
                                try {
                                    Async.sleep(Duration.ofMillis(100));
                                    cleanUpEnded.set("normally");
                                } catch (CancellationException again) {
                                    cleanUpEnded.set("cancelled");
                                }
                                throw e;
                            }
                        })
                        : loop.createTaskAsync(() -> {
                            bodyRan.countDown();
                            return Async.sleepAsync(Duration.ofMinutes(1)).thenApply(v -> "value")
                                    .exceptionallyCompose(e -> {
                                        inCleanUp.countDown();
                                        return Async.sleepAsync(Duration.ofMillis(100))
                                                .whenComplete((v, e2) -> cleanUpEnded.set(e2 == null ? "normally" : "cancelled"))
                                                .thenCompose(v -> CompletableFuture.<String>failedFuture(e));
                                    });
                        });
                bodyRan.await();
                Async.sleep(Duration.ofMillis(10));
                t.cancel();
                inCleanUp.await();
                t.cancel("again");
                assertThrows(CancellationException.class, t::join);
                org.junit.jupiter.api.Assertions.assertEquals("normally", cleanUpEnded.get(), blocking ? "blocking" : "non-blocking");
            }
            return null;
        });
    }

    /** 1,000 trials: the old stages leaked the lock in about one in ten. */
    @Test
    void aThenComposeThatReleasesALockRunsWhenCancelledJustAfterTheGrant() {
        Async.run(loop -> {
            for (int trial = 0; trial < 1_000; trial++) {
                AsyncLock lock = AsyncLock.create();
                lock.acquireAsync().join();
                Task<Void> acquire = lock.acquireAsync();
                CompletionStage<String> chain = acquire.thenCompose(v -> {
                    lock.release();
                    return CompletableFuture.completedFuture("done");
                });
                loop.callSoon(lock::release); // the grant, on the loop's thread
                chain.toCompletableFuture().cancel(false); // this thread: just before or after it
                try {
                    acquire.join();
                } catch (CancellationException expected) {
                    // cancelled before the grant: the lock was never this chain's
                }
                try {
                    loop.adopt(chain).join();
                } catch (CancellationException expected) {
                    // the chain ends cancelled either way
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                while (lock.isLocked() && System.nanoTime() < deadline) Thread.sleep(1);
                assertFalse(lock.isLocked(), "trial " + trial + ": the lock leaked");
            }
            return null;
        });
    }
}
