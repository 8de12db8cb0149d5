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
