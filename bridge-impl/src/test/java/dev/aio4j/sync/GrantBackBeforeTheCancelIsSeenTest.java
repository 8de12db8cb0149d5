package dev.aio4j.sync;

import static dev.aio4j.sync.SyncTestSupport.awaitBlockedOn;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.internal.sync.LockImpl;
import dev.aio4j.internal.sync.QueueImpl;
import dev.aio4j.internal.sync.SemaphoreImpl;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A waiter task served (the lock handed over, an item put) and then cancelled from another thread
 * before its completing step gives its grant back, and the task ends CANCELLED. Whoever sees it
 * cancelled must find the grant back already: the lock free, the permit counted, the item in the
 * queue, as asyncio's single thread can never see otherwise. The canceller's give-back needs the
 * primitive's monitor, so it can be held up there on a busy primitive while the loop's step
 * completes the task. Before 2026-12-07 that step did not wait for it: the task's done callbacks
 * and a Kotlin awaiter (withTimeoutOrNull { lock.acquireAsync().await() } on DEFAULT_DISPATCHER,
 * 1 of 300 rounds in a CI run) saw the task cancelled and the lock still locked, the give-back
 * landing a moment later. The test holds the monitor white-box until the canceller blocks on it.
 */
@Timeout(60)
class GrantBackBeforeTheCancelIsSeenTest {
    private static final int ROUNDS = 5;

    /** The primitive as one case sees it. */
    private interface Case {
        ReentrantLock monitor();

        /** On the loop: makes the primitive busy and returns a waiter task. */
        Task<?> waitingTask();

        /** Serves the waiter (with the monitor held by this thread: re-entered). */
        void serve();

        /** What the primitive looks like: "ok" when the grant is back. */
        String state();
    }

    @Test
    void aLockAcquireAsync() {
        rounds(() -> new Case() {
            final AsyncLock lock = AsyncLock.create();

            public ReentrantLock monitor() {
                return ((LockImpl) lock).gate.monitor;
            }

            public Task<?> waitingTask() {
                if (!lock.tryLock()) {
                    throw new AssertionError("locked");
                }
                return lock.acquireAsync();
            }

            public void serve() {
                lock.release();
            }

            public String state() {
                return lock.isLocked() ? "the lock still locked" : "ok";
            }
        });
    }

    @Test
    void aSemaphoreAcquireAsync() {
        rounds(() -> new Case() {
            final AsyncSemaphore s = AsyncSemaphore.create(1);

            public ReentrantLock monitor() {
                return ((SemaphoreImpl) s).gate.monitor;
            }

            public Task<?> waitingTask() {
                if (!s.tryAcquire()) {
                    throw new AssertionError("no permit");
                }
                return s.acquireAsync();
            }

            public void serve() {
                s.release();
            }

            public String state() {
                return s.availablePermits() == 1 ? "ok" : s.availablePermits() + " permits";
            }
        });
    }

    @Test
    void aQueueGetAsync() {
        rounds(() -> new Case() {
            final AsyncQueue<String> q = AsyncQueue.create();

            public ReentrantLock monitor() {
                return ((QueueImpl<?>) q).monitor;
            }

            public Task<?> waitingTask() {
                return q.getAsync();
            }

            public void serve() {
                q.putNow("item");
            }

            public String state() {
                return q.size() == 1 ? "ok" : q.size() + " items in the queue";
            }
        });
    }

    private static void rounds(Supplier<Case> cases) {
        Async.run(LoopOptions.defaults().withThreading(Threading.SINGLE_THREAD), loop -> {
            for (int round = 0; round < ROUNDS; round++) {
                assertEquals("ok", oneRound(loop, cases.get()), "round " + round + ", when its done callback saw the waiter cancelled");
            }
            return null;
        });
    }

    private static String oneRound(Loop loop, Case c) throws Exception {
        AtomicReference<Thread> loopThread = new AtomicReference<>();
        AtomicReference<Task<?>> waiter = new AtomicReference<>();
        AtomicReference<String> seen = new AtomicReference<>();
        CountDownLatch waiting = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch seenDone = new CountDownLatch(1);
        loop.callSoon(() -> {
            loopThread.set(Thread.currentThread());
            Task<?> w = c.waitingTask();
            w.addDoneCallback(t -> {
                seen.set(t.state() == TaskState.CANCELLED ? c.state() : "the waiter ended " + t.state());
                seenDone.countDown();
            });
            waiter.set(w);
            waiting.countDown();
        });
        waiting.await();
        loop.callSoon(() -> { // keeps the loop's thread until the canceller is held up: the completing step comes after
            try {
                go.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        ReentrantLock monitor = c.monitor();
        Thread canceller = new Thread(() -> waiter.get().cancel(), "canceller");
        monitor.lock();
        try {
            c.serve(); // the waiter is served; its completing step is queued behind the one above
            canceller.start(); // claims the grant for the cancel, then blocks giving it back
            awaitBlockedOn(canceller, monitor, false);
            go.countDown();
            // the loop's step completes the task meanwhile, or waits (for the give-back, or for the monitor)
            Thread lt = loopThread.get();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (seenDone.getCount() > 0 && lt.getState() != Thread.State.BLOCKED && !monitor.hasQueuedThread(lt) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        } finally {
            monitor.unlock();
        }
        canceller.join(5_000);
        if (!seenDone.await(5, TimeUnit.SECONDS)) {
            return "the waiter did not end";
        }
        Async.sleep(Duration.ofMillis(1));
        String after = c.state();
        return "ok".equals(after) ? seen.get() : seen.get() + "; afterwards " + after;
    }
}
