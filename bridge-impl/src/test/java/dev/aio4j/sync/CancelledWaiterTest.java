package dev.aio4j.sync;

import static dev.aio4j.sync.SyncTestSupport.startParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * asyncio's rule for a task cancelled while it waits in a primitive: once {@code cancel()} has
 * returned, the primitive no longer counts that waiter, so what is released, put or taken after it
 * goes to the next live waiter or stays. Both body styles; each case is tried a few times, since a
 * blocking waiter that left its line only when its thread woke up lost the race most of the time,
 * not always.
 */
@Timeout(60)
class CancelledWaiterTest {
    private static final int TRIALS = 20;
    private Loop loop;

    /** Runs {@code test} as the main task of a run (blocking style), with {@link #loop} set. */
    private void inRun(Runnable test) {
        Async.run(l -> {
            loop = l;
            test.run();
            return null;
        });
    }

    private static void assertCancelled(Task<?> waiter) {
        assertThrows(CancellationException.class, waiter::join);
        assertEquals(TaskState.CANCELLED, waiter.state());
    }

    private <T> Task<T> parked(Callable<T> body) {
        try {
            return startParked(loop, body);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------------- queue

    private void anItemPutAfterTheCancelStays(Function<AsyncQueue<Integer>, Task<Integer>> waitingGet) {
        for (int i = 0; i < TRIALS; i++) {
            AsyncQueue<Integer> q = AsyncQueue.create();
            Task<Integer> b = waitingGet.apply(q);
            assertTrue(b.cancel());
            q.putNow(i);
            assertEquals(1, q.size(), "trial " + i + ": the item went to the cancelled get");
            assertCancelled(b);
            assertEquals(i, q.getNow());
        }
    }

    @Test
    void blockingGet() {
        inRun(() -> {
            anItemPutAfterTheCancelStays(q -> parked(q::get));
        });
    }

    @Test
    void getAsync() {
        inRun(() -> {
            anItemPutAfterTheCancelStays(q -> q.getAsync());
        });
    }

    private void aPutCancelledWhileTheQueueIsFullPutsNothing(Function<AsyncQueue<Integer>, Task<Void>> waitingPut) {
        for (int i = 0; i < TRIALS; i++) {
            AsyncQueue<Integer> q = AsyncQueue.create(1);
            q.putNow(-1);
            Task<Void> b = waitingPut.apply(q);
            assertTrue(b.cancel());
            assertEquals(-1, q.getNow());
            assertTrue(q.isEmpty(), "trial " + i + ": the cancelled put's item went in");
            assertCancelled(b);
            assertTrue(q.isEmpty());
        }
    }

    @Test
    void blockingPut() {
        inRun(() -> {
            aPutCancelledWhileTheQueueIsFullPutsNothing(q -> parked(() -> {
                q.put(7);
                return null;
            }));
        });
    }

    @Test
    void putAsync() {
        inRun(() -> {
            aPutCancelledWhileTheQueueIsFullPutsNothing(q -> q.putAsync(7));
        });
    }

    // ------------------------------------------------------------- lock, semaphore

    /**
     * The primitive is held by the test; a waiter is parked or waiting; it is cancelled, then
     * {@code release} must leave the lock or permit free for {@code tryTake} (which the test then holds).
     */
    private void aReleaseAfterTheCancelStays(Supplier<Task<?>> waiter, Runnable release, Supplier<Boolean> tryTake) {
        for (int i = 0; i < TRIALS; i++) {
            Task<?> b = waiter.get();
            assertTrue(b.cancel());
            release.run();
            assertTrue(tryTake.get(), "trial " + i + ": the release went to the cancelled waiter");
            assertCancelled(b);
        }
    }

    @Test
    void blockingLock() {
        inRun(() -> {
            AsyncLock lock = AsyncLock.create();
            assertTrue(lock.tryLock());
            aReleaseAfterTheCancelStays(() -> parked(() -> {
                lock.lock();
                lock.release();
                return null;
            }), lock::release, lock::tryLock);
            assertTrue(lock.isLocked());
            lock.release();
            assertFalse(lock.isLocked());
        });
    }

    @Test
    void blockingWithLock() {
        inRun(() -> {
            AsyncLock lock = AsyncLock.create();
            assertTrue(lock.tryLock());
            aReleaseAfterTheCancelStays(() -> parked(() -> lock.withLock(() -> null)), lock::release, lock::tryLock);
        });
    }

    @Test
    void lockAcquireAsync() {
        inRun(() -> {
            AsyncLock lock = AsyncLock.create();
            assertTrue(lock.tryLock());
            aReleaseAfterTheCancelStays(() -> lock.acquireAsync(), lock::release, lock::tryLock);
        });
    }

    @Test
    void blockingAcquire() {
        inRun(() -> {
            AsyncSemaphore s = AsyncSemaphore.create(1);
            assertTrue(s.tryAcquire());
            aReleaseAfterTheCancelStays(() -> parked(() -> {
                s.acquire();
                s.release();
                return null;
            }), s::release, s::tryAcquire);
            assertEquals(0, s.availablePermits());
        });
    }

    @Test
    void blockingWithPermit() {
        inRun(() -> {
            AsyncSemaphore s = AsyncSemaphore.bounded(1);
            assertTrue(s.tryAcquire());
            aReleaseAfterTheCancelStays(() -> parked(() -> s.withPermit(() -> null)), s::release, s::tryAcquire);
        });
    }

    @Test
    void semaphoreAcquireAsync() {
        inRun(() -> {
            AsyncSemaphore s = AsyncSemaphore.create(1);
            assertTrue(s.tryAcquire());
            aReleaseAfterTheCancelStays(() -> s.acquireAsync(), s::release, s::tryAcquire);
        });
    }

    // --------------------------------------------------- a grant that came first

    @Test
    void aGrantBeforeTheCancelIsKeptAndTheCancellationArrivesAtTheNextWait() {
        inRun(() -> {
            AsyncQueue<Integer> q = AsyncQueue.create();
            AsyncEvent never = AsyncEvent.create();
            java.util.concurrent.atomic.AtomicInteger got = new java.util.concurrent.atomic.AtomicInteger(-1);
            Task<Void> b = parked(() -> {
                got.set(q.get());
                never.await();
                return null;
            });
            q.putNow(5);
            SyncTestSupport.awaitTrue("the get returned", () -> got.get() == 5);
            assertTrue(b.cancel());
            assertCancelled(b);
            assertTrue(q.isEmpty());
        });
    }
}
