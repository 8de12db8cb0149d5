package dev.aio4j.sync;

import static dev.aio4j.sync.SyncTestSupport.assertMisuse;
import static dev.aio4j.sync.SyncTestSupport.assertRefusedOnLoopThread;
import static dev.aio4j.sync.SyncTestSupport.awaitParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AsyncConditionTest {
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    /**
     * Starts a blocking-style waiter that takes the lock, awaits, records its name, and releases;
     * returns once it is parked in await().
     */
    private static Task<Void> blockingWaiter(Loop loop, AsyncCondition cond, String name, List<String> woken) throws InterruptedException {
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Thread> thread = new AtomicReference<>();
        Task<Void> t = loop.createTask(() -> {
            cond.lock();
            try {
                thread.set(Thread.currentThread());
                waiting.countDown();
                cond.await();
                assertTrue(cond.isLocked(), "a wait returns with the lock held");
                woken.add(name);
            } finally {
                cond.release();
            }
            return null;
        });
        waiting.await();
        awaitParked(thread.get());
        return t;
    }

    /** Starts a non-blocking waiter that records its name and releases the lock when woken. */
    private static Task<Void> asyncWaiter(Loop loop, AsyncCondition cond, String name, List<String> woken) {
        cond.lock();
        Task<Void> waited = cond.awaitAsync();
        assertFalse(cond.isLocked(), "awaitAsync releases the lock before it returns");
        return loop.adopt(waited.thenRun(() -> {
            assertTrue(cond.isLocked(), "the wait's task completes with the lock held");
            woken.add(name);
            cond.release();
        }));
    }

    /** A task that releases the condition's lock when {@code waited} is done, however it ended. */
    private static Task<Void> releaseWhenDone(Loop loop, AsyncCondition cond, Task<Void> waited) {
        return loop.adopt(waited.handle((v, e) -> {
            cond.release();
            return null;
        }));
    }

    @Test
    void waitAndSignalWithoutTheLockAreMisuses() {
        AsyncCondition cond = AsyncCondition.create();
        Async.run(loop -> {
            assertTrue(assertMisuse(cond::signal).getMessage().contains("lock"));
            assertMisuse(() -> cond.signal(2));
            assertMisuse(cond::signalAll);
            assertMisuse(cond::await);
            assertMisuse(cond::awaitAsync);
            assertMisuse(() -> cond.awaitUntil(() -> true));
            assertMisuse(() -> cond.awaitUntilAsync(() -> true));
            cond.lock();
            assertThrows(IllegalArgumentException.class, () -> cond.signal(-1));
            assertThrows(NullPointerException.class, () -> cond.awaitUntil(null));
            cond.signal(0);
            cond.signal();
            cond.signalAll(); // nobody waits: nothing happens
            cond.release();
            return null;
        });
    }

    @Test
    void aConditionIsItsLockAndSharesAGivenOne() {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition a = AsyncCondition.create(lock);
        AsyncCondition b = AsyncCondition.create(a);
        Async.run(loop -> {
            lock.lock();
            assertTrue(a.isLocked());
            assertTrue(b.isLocked());
            assertFalse(a.tryLock());
            b.release();
            assertFalse(lock.isLocked());
            assertEquals("x", a.withLock(() -> {
                assertTrue(lock.isLocked());
                return "x";
            }));
            a.acquireAsync().join();
            assertTrue(b.isLocked());
            a.release();
            return null;
        });
        assertThrows(IllegalArgumentException.class, () -> AsyncCondition.create(new ForeignLock()));
        assertThrows(NullPointerException.class, () -> AsyncCondition.create(null));
    }

    @Test
    void signalTwoReleasesExactlyTheTwoLongestWaitersOfBothStyles() {
        AsyncCondition cond = AsyncCondition.create();
        List<String> woken = Collections.synchronizedList(new ArrayList<>());
        Async.run(loop -> {
            Task<Void> b1 = blockingWaiter(loop, cond, "b1", woken);
            Task<Void> a1 = asyncWaiter(loop, cond, "a1", woken);
            Task<Void> b2 = blockingWaiter(loop, cond, "b2", woken);
            Task<Void> a2 = asyncWaiter(loop, cond, "a2", woken);
            cond.lock();
            cond.signal(2);
            cond.release();
            Async.gather(b1, a1).join(GENEROUS);
            Async.sleep(Duration.ofMillis(20)); // time in which a third wake-up would show
            assertEquals(2, woken.size(), "signal(2) wakes exactly two: " + woken);
            assertTrue(woken.containsAll(List.of("b1", "a1")), "the two that waited longest: " + woken);
            assertFalse(b2.isDone() || a2.isDone());
            cond.lock();
            cond.signalAll();
            cond.release();
            Async.gather(b2, a2).join(GENEROUS);
            assertEquals(4, woken.size());
            assertFalse(cond.isLocked());
            return null;
        });
    }

    /**
     * asyncio: the waiters signal(n) wakes take the lock back in the order they waited (each
     * re-acquires in the order of the wake-ups; the JDK's Condition moves them to the lock's
     * queue). Before: blocking waiters, once woken, raced for the lock (out of order in up to 29 of
     * 50 rounds), and under DEFAULT_DISPATCHER so did non-blocking ones.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void signalledWaitersTakeTheLockBackInTheOrderTheyWaited(Threading threading) {
        int rounds = 50;
        int outOfOrder = 0;
        String seen = "";
        for (int r = 0; r < rounds; r++) {
            AsyncCondition cond = AsyncCondition.create();
            List<String> woken = Collections.synchronizedList(new ArrayList<>());
            Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                List<Task<Void>> signalled = new ArrayList<>();
                for (String name : List.of("b0", "b1", "a2", "b3", "a4", "b5")) {
                    signalled.add(name.startsWith("b") ? blockingWaiter(loop, cond, name, woken) : asyncWaiter(loop, cond, name, woken));
                }
                Task<Void> last = signalled.remove(5);
                cond.lock();
                cond.signal(5);
                cond.release();
                Async.gather(signalled).join(GENEROUS);
                cond.lock();
                cond.signal();
                cond.release();
                last.join(GENEROUS);
                return null;
            });
            if (!woken.equals(List.of("b0", "b1", "a2", "b3", "a4", "b5"))) {
                outOfOrder++;
                seen = woken.toString();
            }
        }
        assertEquals(0, outOfOrder, outOfOrder + " of " + rounds + " rounds out of order, e.g. " + seen);
    }

    @Test
    void theLockIsFreeWhileTasksWaitAndTakenBackBeforeTheyReturn() {
        AsyncCondition cond = AsyncCondition.create();
        List<String> woken = Collections.synchronizedList(new ArrayList<>());
        Async.run(loop -> {
            Task<Void> waiter = blockingWaiter(loop, cond, "w", woken);
            assertTrue(cond.tryLock(), "the lock is free while the waiter waits");
            cond.signal();
            Async.sleep(Duration.ofMillis(10));
            assertFalse(waiter.isDone(), "the woken waiter needs the lock back first");
            assertTrue(woken.isEmpty());
            cond.release();
            waiter.join(GENEROUS);
            assertEquals(List.of("w"), woken);
            return null;
        });
    }

    @Test
    void awaitUntilWaitsForThePredicate() {
        AsyncCondition cond = AsyncCondition.create();
        List<Integer> items = Collections.synchronizedList(new ArrayList<>());
        Async.run(loop -> {
            AtomicReference<Thread> thread = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Task<Integer> consumer = loop.createTask(() -> cond.withLock(() -> {
                thread.set(Thread.currentThread());
                started.countDown();
                cond.awaitUntil(() -> items.contains(1));
                items.remove(Integer.valueOf(1));
                return 1;
            }));
            Task<Integer> asyncConsumer = loop.createTaskAsync(() -> cond.acquireAsync()
                    .thenCompose(v -> cond.awaitUntilAsync(() -> items.contains(2)))
                    .thenApply(v -> {
                        items.remove(Integer.valueOf(2));
                        cond.release();
                        return 2;
                    }));
            started.await();
            awaitParked(thread.get());
            Async.sleep(Duration.ofMillis(5)); // let the non-blocking consumer register
            cond.withLock(() -> {
                cond.signalAll(); // the predicates are still false: both wait again
                return null;
            });
            Async.sleep(Duration.ofMillis(10));
            assertFalse(consumer.isDone() || asyncConsumer.isDone());
            cond.withLock(() -> {
                items.add(1);
                items.add(2);
                cond.signalAll();
                return null;
            });
            assertEquals(2, asyncConsumer.join(GENEROUS));
            assertEquals(1, consumer.join(GENEROUS));
            assertFalse(cond.isLocked());
            return null;
        });
    }

    @Test
    void aTruePredicateReturnsAtOnceAndAFailingOneFailsWithTheLockHeld() {
        AsyncCondition cond = AsyncCondition.create();
        Async.run(loop -> {
            cond.lock();
            cond.awaitUntil(() -> true);
            assertTrue(cond.isLocked());
            Task<Void> t = cond.awaitUntilAsync(() -> true);
            assertEquals(TaskState.SUCCESS, t.state());
            assertTrue(cond.isLocked());
            IllegalStateException boom = new IllegalStateException("boom");
            Task<Void> failing = cond.awaitUntilAsync(() -> {
                throw boom;
            });
            assertSame(boom, assertThrows(IllegalStateException.class, failing::join));
            assertSame(boom, assertThrows(IllegalStateException.class, () -> cond.awaitUntil(() -> {
                throw boom;
            })));
            assertTrue(cond.isLocked());
            cond.release();
            return null;
        });
    }

    @Test
    void aCancelledAwaitAsyncEndsOnlyOnceItHoldsTheLockAgain() {
        AsyncCondition cond = AsyncCondition.create();
        Async.run(loop -> {
            cond.lock();
            Task<Void> waiter = cond.awaitAsync();
            cond.lock();
            waiter.cancel();
            Async.sleep(Duration.ofMillis(10));
            assertEquals(TaskState.RUNNING, waiter.state(), "cancelled, but waiting for the lock");
            cond.release();
            assertThrows(CancellationException.class, () -> waiter.join(GENEROUS));
            assertTrue(cond.isLocked(), "a cancelled wait leaves the lock held for its caller");
            cond.release();
            return null;
        });
    }

    @Test
    void aCancelledBlockingAwaitThrowsWithTheLockHeld() {
        AsyncCondition cond = AsyncCondition.create();
        AtomicBoolean heldWhenCancelled = new AtomicBoolean();
        Async.run(loop -> {
            CountDownLatch waiting = new CountDownLatch(1);
            AtomicReference<Thread> thread = new AtomicReference<>();
            Task<Void> waiter = loop.createTask(() -> {
                cond.lock();
                try {
                    thread.set(Thread.currentThread());
                    waiting.countDown();
                    cond.await();
                } catch (CancellationException e) {
                    heldWhenCancelled.set(cond.isLocked());
                    throw e;
                } finally {
                    cond.release();
                }
                return null;
            });
            waiting.await();
            awaitParked(thread.get());
            cond.lock(); // the waiter cannot take the lock back until this releases it
            waiter.cancel();
            Async.sleep(Duration.ofMillis(10));
            assertEquals(TaskState.RUNNING, waiter.state());
            cond.release();
            assertThrows(CancellationException.class, () -> waiter.join(GENEROUS));
            assertTrue(heldWhenCancelled.get(), "await() throws with the lock held");
            assertFalse(cond.isLocked());
            return null;
        });
    }

    /** Waits until {@code lock} has {@code n} waiters (its toString counts them). */
    private static void awaitLockWaiters(AsyncLock lock, int n) {
        SyncTestSupport.awaitTrue(n + " waiter(s) of " + lock, () -> lock.toString().contains("waiters=" + n + ")"));
    }

    /**
     * asyncio's Condition.wait: a cancellation that arrives while the wait, signalled, takes the
     * lock back is raised by that wait once the lock is held again (issue 12, item 8), and the
     * signal goes on to the next waiter.
     */
    @Test
    @SuppressWarnings("try")
    void aBlockingAwaitCancelledWhileItTakesTheLockBackAfterASignalThrows() {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        AtomicBoolean heldWhenThrown = new AtomicBoolean();
        AtomicBoolean returned = new AtomicBoolean();
        Async.run(loop -> {
            AtomicReference<Thread> thread = new AtomicReference<>();
            CountDownLatch waiting = new CountDownLatch(1);
            Task<Void> waiter = loop.createTask(() -> {
                try (Held held = cond.lock()) {
                    thread.set(Thread.currentThread());
                    waiting.countDown();
                    try {
                        cond.await();
                        returned.set(true);
                    } catch (CancellationException e) {
                        heldWhenThrown.set(cond.isLocked());
                        throw e;
                    }
                }
                return null;
            });
            waiting.await();
            awaitParked(thread.get());
            cond.lock();
            Task<Void> next = cond.awaitAsync(); // a second waiter, behind it
            cond.lock();
            cond.signal(); // reaches the blocking waiter, which now waits for the lock
            awaitLockWaiters(lock, 1);
            assertTrue(waiter.cancel());
            cond.release();
            assertThrows(CancellationException.class, () -> waiter.join(GENEROUS));
            assertFalse(returned.get(), "await() returned normally although cancelled before it held the lock");
            assertTrue(heldWhenThrown.get(), "await() throws with the lock held");
            next.join(GENEROUS); // the signal went on
            assertTrue(cond.isLocked());
            cond.release();
            return null;
        });
    }

    @Test
    void anAwaitAsyncCancelledWhileItTakesTheLockBackAfterASignalEndsCancelledHoldingIt() {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        Async.run(loop -> {
            cond.lock();
            Task<Void> waiter = cond.awaitAsync();
            cond.lock();
            Task<Void> next = cond.awaitAsync();
            cond.lock();
            cond.signal();
            awaitLockWaiters(lock, 1);
            assertTrue(waiter.cancel());
            assertEquals(TaskState.RUNNING, waiter.state(), "cancelled, but waiting for the lock");
            cond.release();
            assertThrows(CancellationException.class, () -> waiter.join(GENEROUS));
            assertTrue(cond.isLocked(), "a cancelled wait leaves the lock held for its caller");
            cond.release();
            next.join(GENEROUS); // the signal went on
            assertTrue(cond.isLocked());
            cond.release();
            return null;
        });
    }

    @Test
    void aSignalThatReachedACancelledWaiterIsPassedOn() {
        AsyncCondition cond = AsyncCondition.create();
        Async.run(loop -> {
            cond.lock();
            Task<Void> first = cond.awaitAsync();
            cond.lock();
            Task<Void> second = cond.awaitAsync();
            Task<Void> firstDone = releaseWhenDone(loop, cond, first);
            Task<Void> secondDone = releaseWhenDone(loop, cond, second);
            cond.lock();
            cond.signal(1); // reaches `first`...
            first.cancel(); // ...which is cancelled before it can return
            cond.release();
            Async.gather(firstDone, secondDone).join(GENEROUS);
            assertEquals(TaskState.CANCELLED, first.state());
            assertEquals(TaskState.SUCCESS, second.state(), "the signal went on to the next waiter");
            assertFalse(cond.isLocked());
            return null;
        });
    }

    @Test
    void timeoutsAroundBothStylesLeaveTheLockRight() {
        AsyncCondition cond = AsyncCondition.create();
        Async.run(loop -> {
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(20), () -> cond.withLock(() -> {
                cond.await();
                return null;
            })));
            assertFalse(cond.isLocked());
            cond.lock();
            Task<Void> timed = Async.waitFor(cond.awaitAsync(), Duration.ofMillis(20));
            assertThrows(AsyncTimeoutException.class, timed::join);
            assertTrue(cond.isLocked(), "the timed-out wait took the lock back for its caller");
            cond.release();
            return null;
        });
    }

    @Test
    void blockingWaitsRefuseTheLoopThread() {
        AsyncCondition cond = AsyncCondition.create();
        Async.run(loop -> {
            cond.lock();
            assertRefusedOnLoopThread(loop, cond::await);
            assertRefusedOnLoopThread(loop, () -> cond.awaitUntil(() -> false));
            assertTrue(cond.isLocked(), "a refused wait did not release the lock");
            cond.release();
            return null;
        });
    }

    /** An AsyncLock of another implementation, which a condition cannot be bound to. */
    private static final class ForeignLock implements AsyncLock {
        @Override
        public Held lock() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Task<Void> acquireAsync() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean tryLock() {
            return false;
        }

        @Override
        public void release() {}

        @Override
        public <T> T withLock(Callable<? extends T> body) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> Task<T> withLockAsync(Callable<? extends CompletionStage<? extends T>> body) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isLocked() {
            return false;
        }
    }
}
