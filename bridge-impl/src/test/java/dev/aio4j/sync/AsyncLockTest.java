package dev.aio4j.sync;

import static dev.aio4j.sync.SyncTestSupport.assertMisuse;
import static dev.aio4j.sync.SyncTestSupport.assertRefusedOnLoopThread;
import static dev.aio4j.sync.SyncTestSupport.awaitParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Task;
import dev.aio4j.TaskFailedException;
import dev.aio4j.TaskState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AsyncLockTest {

    @Test
    void lockAndReleaseUncontended() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            assertFalse(lock.isLocked());
            try (Held held = lock.lock()) {
                assertTrue(lock.isLocked());
                assertFalse(lock.tryLock());
                assertTrue(held.toString().contains("lock"));
            }
            assertFalse(lock.isLocked());
            assertTrue(lock.tryLock());
            lock.release();
            Task<Void> t = lock.acquireAsync();
            assertTrue(t.isDone(), "a free lock is taken before acquireAsync returns");
            assertTrue(lock.isLocked());
            lock.release();
            return null;
        });
    }

    @Test
    void releaseOfAnUnlockedLockIsAMisuse() {
        AsyncLock lock = AsyncLock.create();
        IllegalStateException e = assertMisuse(lock::release);
        assertTrue(e.getMessage().contains("not locked"), e.getMessage());
    }

    @Test
    void heldClosesOnceOnly() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            Held first = lock.lock();
            first.close();
            Held second = lock.lock();
            first.close(); // must not release the lock that `second` holds now
            assertTrue(lock.isLocked());
            second.close();
            assertFalse(lock.isLocked());
            return null;
        });
    }

    @Test
    @SuppressWarnings("try") // the resource is the lock held
    void blockingWaitersAreServedInOrderOfArrival() {
        AsyncLock lock = AsyncLock.create();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Async.run(loop -> {
            lock.lock();
            List<Task<Void>> waiters = new ArrayList<>();
            for (String name : List.of("a", "b", "c")) {
                AtomicReference<Thread> thread = new AtomicReference<>();
                CountDownLatch started = new CountDownLatch(1);
                waiters.add(loop.createTask(() -> {
                    thread.set(Thread.currentThread());
                    started.countDown();
                    try (Held held = lock.lock()) {
                        order.add(name);
                    }
                    return null;
                }));
                started.await();
                awaitParked(thread.get());
            }
            lock.release();
            Async.gather(waiters).join();
            assertEquals(List.of("a", "b", "c"), order);
            return null;
        });
    }

    @Test
    void asyncWaitersAreServedInOrderOfCallsAndMixWithBlockingOnes() {
        AsyncLock lock = AsyncLock.create();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Async.run(loop -> {
            lock.lock();
            Task<Void> a = lock.acquireAsync();
            AtomicReference<Thread> thread = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Task<Void> b = loop.createTask(() -> {
                thread.set(Thread.currentThread());
                started.countDown();
                lock.lock();
                order.add("b");
                lock.release();
                return null;
            });
            started.await();
            awaitParked(thread.get());
            Task<Void> c = lock.acquireAsync();
            assertFalse(a.isDone());
            lock.release(); // to a
            a.join();
            order.add("a");
            assertFalse(c.isDone());
            lock.release(); // to b, which releases to c
            c.join();
            order.add("c");
            lock.release();
            b.join();
            assertEquals(List.of("a", "b", "c"), order);
            assertFalse(lock.isLocked());
            return null;
        });
    }

    @Test
    void tryLockDoesNotBargePastWaiters() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            lock.lock();
            Task<Void> waiter = lock.acquireAsync();
            lock.release(); // handed to the waiter, never free
            assertFalse(lock.tryLock());
            waiter.join();
            lock.release();
            assertTrue(lock.tryLock());
            lock.release();
            return null;
        });
    }

    @Test
    void cancellingAWaitingAcquireAsyncLeavesTheLockConsistent() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            lock.lock();
            Task<Void> waiter = lock.acquireAsync();
            Task<Void> next = lock.acquireAsync();
            assertTrue(waiter.cancel());
            assertThrows(CancellationException.class, waiter::join);
            assertEquals(TaskState.CANCELLED, waiter.state());
            lock.release(); // skips the cancelled waiter
            next.join();
            lock.release();
            assertFalse(lock.isLocked(), "no lock may be left with a cancelled waiter");
            return null;
        });
    }

    @Test
    void cancellingABlockingWaiterLeavesTheLockConsistent() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            lock.lock();
            AtomicReference<Thread> thread = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean acquired = new AtomicBoolean();
            Task<Void> waiter = loop.createTask(() -> {
                thread.set(Thread.currentThread());
                started.countDown();
                lock.lock();
                acquired.set(true);
                return null;
            });
            started.await();
            awaitParked(thread.get());
            waiter.cancel();
            assertThrows(CancellationException.class, waiter::join);
            assertFalse(acquired.get());
            lock.release();
            assertFalse(lock.isLocked());
            return null;
        });
    }

    @Test
    @SuppressWarnings("try") // the resource is the lock held
    void anInterruptPendingOnEntryIsACancellation() {
        AsyncLock lock = AsyncLock.create();
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, lock::lock);
            assertTrue(Thread.interrupted(), "outside a task the interrupt flag is set again");
        } finally {
            Thread.interrupted();
        }
        assertFalse(lock.isLocked());
    }

    @Test
    @SuppressWarnings("try") // the resource is the lock held
    void timeoutsAroundBothStylesLeaveTheLockConsistent() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            lock.lock();
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(20), lock::lock));
            Task<Void> timed = Async.waitFor(lock.acquireAsync(), Duration.ofMillis(20));
            assertThrows(AsyncTimeoutException.class, timed::join);
            lock.release();
            assertFalse(lock.isLocked());
            try (Held held = Async.timeout(Duration.ofSeconds(10), lock::lock)) {
                assertTrue(lock.isLocked());
            }
            return null;
        });
    }

    @Test
    void blockingMethodsRefuseTheLoopThread() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            assertRefusedOnLoopThread(loop, lock::lock);
            assertRefusedOnLoopThread(loop, () -> lock.withLock(() -> null));
            assertFalse(lock.isLocked());
            return null;
        });
    }

    @Test
    void asyncMethodsNeedALoop() {
        AsyncLock lock = AsyncLock.create();
        IllegalStateException e = assertMisuse(lock::acquireAsync);
        assertTrue(e.getMessage().contains("no running event loop"), e.getMessage());
        assertFalse(lock.isLocked());
    }

    @Test
    void withLockRunsTheBodyWithTheLockAndReleasesItOnEveryExit() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            assertEquals("x", lock.withLock(() -> {
                assertTrue(lock.isLocked());
                return "x";
            }));
            assertFalse(lock.isLocked());
            IllegalArgumentException unchecked = new IllegalArgumentException("boom");
            assertSame(unchecked, assertThrows(IllegalArgumentException.class, () -> lock.withLock(() -> {
                throw unchecked;
            })));
            assertFalse(lock.isLocked());
            IOException checked = new IOException("io");
            TaskFailedException wrapped = assertThrows(TaskFailedException.class, () -> lock.withLock(() -> {
                throw checked;
            }));
            assertSame(checked, wrapped.getCause());
            assertFalse(lock.isLocked());
            assertThrows(NullPointerException.class, () -> lock.withLock((java.util.concurrent.Callable<String>) null));
            assertThrows(NullPointerException.class, () -> lock.withLock((dev.aio4j.ThrowingRunnable) null));
            return null;
        });
    }

    @Test
    void withLockDoesNotRunTheBodyWhenCancelledWhileWaiting() {
        AsyncLock lock = AsyncLock.create();
        AtomicBoolean ran = new AtomicBoolean();
        Async.run(loop -> {
            lock.lock();
            AtomicReference<Thread> thread = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Task<Object> t = loop.createTask(() -> {
                thread.set(Thread.currentThread());
                started.countDown();
                return lock.withLock(() -> ran.getAndSet(true));
            });
            started.await();
            awaitParked(thread.get());
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            lock.release();
            assertFalse(ran.get());
            assertFalse(lock.isLocked());
            return null;
        });
    }

    @Test
    void withLockAsyncSerialisesNonBlockingBodies() {
        AsyncLock lock = AsyncLock.create();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Async.run(loop -> {
            List<Task<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                tasks.add(lock.withLockAsync(() -> {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    return Async.sleepAsync(Duration.ofMillis(2)).thenApply(v -> {
                        inside.decrementAndGet();
                        return n;
                    });
                }));
            }
            assertEquals(List.of(0, 1, 2, 3, 4), Async.gather(tasks).join());
            return null;
        });
        assertEquals(1, most.get());
        assertFalse(lock.isLocked());
    }

    @Test
    void aBodyThatWatchesItsOwnStageHearsOfItsEndWhileItStillHoldsTheLock() {
        // Completion handlers run in the order they were registered: the body's whenComplete on its
        // own stage (registered inside the body) before the guarded task's release (registered
        // when the body returned). The stress test saw two holders when the release came first.
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            AtomicReference<Boolean> lockedWhenBodySawItsEnd = new AtomicReference<>();
            lock.withLockAsync(() -> {
                Task<Void> sleep = Async.sleepAsync(Duration.ofMillis(1));
                sleep.toCompletableFuture().whenComplete((v, e) -> lockedWhenBodySawItsEnd.set(lock.isLocked()));
                return sleep;
            }).join();
            assertEquals(Boolean.TRUE, lockedWhenBodySawItsEnd.get());
            assertFalse(lock.isLocked());
            return null;
        });
    }

    @Test
    void withLockAsyncCallsTheBodyOnTheLoopThread() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            Thread loopThread = SyncTestSupport.onLoopThread(loop, Thread::currentThread);
            AtomicReference<Thread> bodyThread = new AtomicReference<>();
            lock.withLockAsync(() -> {
                bodyThread.set(Thread.currentThread());
                return CompletableFuture.completedFuture(null);
            }).join();
            assertSame(loopThread, bodyThread.get());
            return null;
        });
    }

    @Test
    void withLockAsyncFailsAsItsStageAndReleases() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            IllegalStateException boom = new IllegalStateException("boom");
            Task<Object> failed = lock.withLockAsync(() -> CompletableFuture.failedFuture(boom));
            assertSame(boom, assertThrows(IllegalStateException.class, failed::join));
            Task<Object> thrown = lock.withLockAsync(() -> {
                throw boom;
            });
            assertSame(boom, assertThrows(IllegalStateException.class, thrown::join));
            Task<Object> nullStage = lock.withLockAsync(() -> null);
            assertThrows(NullPointerException.class, nullStage::join);
            assertFalse(lock.isLocked());
            return null;
        });
    }

    @Test
    void cancellingWithLockAsyncCancelsItsStageAndReleasesAfterIt() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            AtomicReference<Task<String>> inner = new AtomicReference<>();
            AtomicBoolean lockedInInnerFinally = new AtomicBoolean();
            CountDownLatch innerRunning = new CountDownLatch(1);
            Task<String> t = lock.withLockAsync(() -> {
                inner.set(loop.createTask(() -> {
                    innerRunning.countDown();
                    try {
                        Async.sleep(Duration.ofDays(1));
                        return "never";
                    } finally {
                        lockedInInnerFinally.set(lock.isLocked());
                    }
                }));
                return inner.get();
            });
            innerRunning.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertTrue(inner.get().isCancelled(), "the body's task is cancelled with the guarded task");
            assertTrue(lockedInInnerFinally.get(), "the lock is released only after the body's task has finished");
            assertFalse(lock.isLocked());
            return null;
        });
    }

    /**
     * The form of acquire-then-release to prefer in non-blocking code (see acquireAsync's Javadoc): a
     * withLockAsync task cancelled just as the lock is handed to it never leaves the lock held.
     */
    @Test
    void withLockAsyncCancelledJustAfterTheGrantNeverLeaksTheLock() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            for (int i = 0; i < 300; i++) {
                lock.lock();
                Task<Void> t = loop.createTaskAsync(() -> lock.withLockAsync(() -> Async.sleepAsync(Duration.ZERO)));
                SyncTestSupport.awaitTrue("a waiter", () -> lock.toString().contains("waiters=1"));
                lock.release(); // hands the lock to t's guarded body...
                t.cancel(); // ...which is cancelled at that moment
                try {
                    t.join(Duration.ofSeconds(10));
                } catch (CancellationException expected) {
                    // cancelled before or after its body ran: either way it releases
                }
                assertFalse(lock.isLocked(), "round " + i + ": the lock leaked");
            }
            return null;
        });
    }

    @Test
    void withLockAsyncCancelledWhileWaitingNeverCallsTheBody() {
        AsyncLock lock = AsyncLock.create();
        AtomicBoolean called = new AtomicBoolean();
        Async.run(loop -> {
            lock.lock();
            Task<Object> t = lock.withLockAsync(() -> {
                called.set(true);
                return CompletableFuture.completedFuture(null);
            });
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            lock.release();
            assertFalse(lock.isLocked());
            return null;
        });
        assertFalse(called.get());
    }

    @Test
    void oneLockServesSeveralLoops() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch bothStarted = new CountDownLatch(2);
        Runnable program = () -> Async.run(loop -> {
            bothStarted.countDown();
            bothStarted.await();
            for (int i = 0; i < 200; i++) {
                Task<Void> t = i % 2 == 0
                        ? loop.createTask(() -> lock.withLock(() -> {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            inside.decrementAndGet();
                            return null;
                        }))
                        : lock.withLockAsync(() -> {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            inside.decrementAndGet();
                            return CompletableFuture.completedFuture(null);
                        });
                t.join();
            }
            return null;
        });
        Thread other = new Thread(program);
        other.start();
        program.run();
        other.join();
        assertEquals(1, most.get());
        assertFalse(lock.isLocked());
    }

    @Test
    void theTaskOfAFreeLockIsDoneAndItsResultNull() {
        AsyncLock lock = AsyncLock.create();
        Async.run(loop -> {
            Task<Void> t = lock.acquireAsync();
            assertNull(t.resultNow());
            assertInstanceOf(Task.class, t);
            lock.release();
            return null;
        });
    }
}
