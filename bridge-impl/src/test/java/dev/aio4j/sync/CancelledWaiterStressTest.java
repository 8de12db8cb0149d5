package dev.aio4j.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cancel-then-put and cancel-then-release, repeated per primitive and per blocking method: a
 * blocking-style task starts a wait, the test cancels it after a random delay (before it waits, as
 * it enters the wait, or while it is parked), then at once puts, takes or releases. Whatever the
 * interleaving, nothing done after {@code cancel()} returned may go to the cancelled task: one lost
 * item or one leaked lock or permit fails the run. {@link #fullRun()} (tag {@code stress}, 10,000
 * rounds per method, times {@code -Dstress=N}) is the proof; {@link #shortRun()} runs 200 of each
 * in the normal build.
 */
@Timeout(600)
class CancelledWaiterStressTest {
    private static final Duration GENEROUS = Duration.ofSeconds(30);

    @Test
    void shortRun() {
        run(200);
    }

    @Test
    @Tag("stress")
    void fullRun() {
        run(10_000 * Integer.getInteger("stress", 1));
    }

    private static void run(int rounds) {
        Async.run(loop -> {
            Random random = new Random(42);
            queueGet(loop, random, rounds);
            queuePut(loop, random, rounds);
            AsyncLock lock = AsyncLock.create();
            released(loop, random, rounds, "lock()", lock::tryLock, lock::release, () -> {
                lock.lock().close();
                return null;
            });
            released(loop, random, rounds, "withLock()", lock::tryLock, lock::release, () -> lock.withLock(() -> null));
            AsyncCondition cond = AsyncCondition.create();
            released(loop, random, rounds, "condition lock()", cond::tryLock, cond::release, () -> {
                cond.lock().close();
                return null;
            });
            AsyncSemaphore semaphore = AsyncSemaphore.bounded(1);
            released(loop, random, rounds, "acquire()", semaphore::tryAcquire, semaphore::release, () -> {
                semaphore.acquire().close();
                return null;
            });
            released(loop, random, rounds, "withPermit()", semaphore::tryAcquire, semaphore::release,
                    () -> semaphore.withPermit(() -> null));
            conditionSignal(loop, random, rounds);
            return null;
        });
    }

    /** Spins a random while (0 to ~20 µs): the cancel lands before, during or after the waiter's entry. */
    private static void randomPause(Random random) {
        for (int k = random.nextInt(4_000); k > 0; k--) {
            Thread.onSpinWait();
        }
    }

    private static void assertEndsCancelled(Task<?> b, String what, int round) {
        try {
            b.join(GENEROUS);
            fail(what + ", round " + round + ": the cancelled task returned normally");
        } catch (CancellationException expected) {
            // the task's cancellation
        }
        assertEquals(TaskState.CANCELLED, b.state(), what + ", round " + round);
    }

    private static void queueGet(Loop loop, Random random, int rounds) {
        AsyncQueue<Integer> q = AsyncQueue.create();
        for (int i = 0; i < rounds; i++) {
            AtomicReference<String> trace = new AtomicReference<>("not run");
            Task<Integer> b = loop.createTask(() -> {
                trace.set("running, interrupted " + Thread.currentThread().isInterrupted());
                Integer v = q.get();
                trace.set("got " + v + ", interrupted " + Thread.currentThread().isInterrupted());
                return v;
            });
            randomPause(random);
            assertTrue(b.cancel());
            String atCancel = trace.get();
            q.putNow(i);
            assertEndsCancelled(b, "get()", i);
            assertEquals(1, q.size(), "get(), round " + i + ": the item put after cancel() was lost; at cancel: " + atCancel + "; then " + trace.get());
            assertEquals(i, q.getNow());
        }
    }

    private static void queuePut(Loop loop, Random random, int rounds) {
        AsyncQueue<Integer> q = AsyncQueue.create(1);
        for (int i = 0; i < rounds; i++) {
            q.putNow(-1);
            Task<Void> b = loop.createTask(() -> {
                q.put(7);
                return null;
            });
            randomPause(random);
            assertTrue(b.cancel());
            assertEquals(-1, q.getNow());
            assertTrue(q.isEmpty(), "put(), round " + i + ": the cancelled put's item went in");
            assertEndsCancelled(b, "put()", i);
            assertTrue(q.isEmpty(), "put(), round " + i);
        }
    }

    /** The test holds the primitive; a task waits for it; cancel, then release: it must be free for the test again. */
    private static void released(Loop loop, Random random, int rounds, String what,
            Callable<Boolean> tryTake, Runnable release, Callable<Void> waitingBody) throws Exception {
        assertTrue(tryTake.call());
        for (int i = 0; i < rounds; i++) {
            Task<Void> b = loop.createTask(waitingBody);
            randomPause(random);
            assertTrue(b.cancel());
            release.run();
            assertTrue(tryTake.call(), what + ", round " + i + ": the release went to the cancelled task");
            assertEndsCancelled(b, what, i);
        }
        release.run();
        assertTrue(tryTake.call(), what + ": free at the end");
        release.run();
    }

    /** A live waiter parked in await(); a second one is cancelled, then a signal: the live one wakes. */
    @SuppressWarnings("try")
    private static void conditionSignal(Loop loop, Random random, int rounds) throws Exception {
        AsyncCondition cond = AsyncCondition.create();
        for (int i = 0; i < rounds / 10; i++) {
            Task<Void> live = SyncTestSupport.startParked(loop, () -> {
                try (Held held = cond.lock()) {
                    cond.await();
                }
                return null;
            });
            Task<Void> b = loop.createTask(() -> {
                try (Held held = cond.lock()) {
                    cond.await();
                }
                return null;
            });
            randomPause(random);
            assertTrue(b.cancel());
            try (Held held = cond.lock()) {
                cond.signal();
            }
            live.join(GENEROUS);
            assertEndsCancelled(b, "condition await()", i);
            assertFalse(cond.isLocked(), "condition, round " + i);
        }
    }
}
