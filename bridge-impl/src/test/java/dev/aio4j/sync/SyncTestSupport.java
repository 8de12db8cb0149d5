package dev.aio4j.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Loop;
import dev.aio4j.Task;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.junit.jupiter.api.function.Executable;

/** Helpers shared by the tests of dev.aio4j.sync. */
final class SyncTestSupport {
    private SyncTestSupport() {}

    /** kotlinx's expect(n): asserts that steps happen in order. */
    static final class Steps {
        private final AtomicInteger step = new AtomicInteger();

        void expect(int n) {
            int was = step.incrementAndGet();
            assertEquals(n, was, "step out of order");
        }

        int now() {
            return step.get();
        }
    }

    /**
     * Waits (up to 10 s) until {@code thread} is parked: how a test knows that a blocking-style task
     * has entered a blocking wait (the java.util.concurrent TCK does the same).
     */
    static void awaitParked(Thread thread) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            Thread.State s = thread.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail(thread + " did not park; state " + s);
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Starts a blocking-style task running {@code body} and returns it once its thread is parked,
     * that is, once {@code body} waits in a blocking call.
     */
    static <T> Task<T> startParked(Loop loop, Callable<T> body) throws InterruptedException {
        AtomicReference<Thread> thread = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Task<T> task = loop.createTask(() -> {
            thread.set(Thread.currentThread());
            started.countDown();
            return body.call();
        });
        started.await();
        awaitParked(thread.get());
        return task;
    }

    /** Waits (up to 10 s) until {@code condition} holds; for states reached on another thread. */
    static void awaitTrue(String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            Thread.onSpinWait();
        }
    }

    /** Asserts that {@code call} fails with an IllegalStateException that is not a cancellation. */
    static IllegalStateException assertMisuse(Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        assertFalse(e instanceof CancellationException, "a misuse must not look like a cancellation: " + e);
        return e;
    }

    /** Runs {@code body} on the loop's own thread (in a non-blocking task's body) and returns what it returned. */
    static <T> T onLoopThread(Loop loop, Supplier<T> body) {
        Task<T> t = loop.createTaskAsync(() -> CompletableFuture.completedFuture(body.get()));
        return t.join();
    }

    /** Asserts that a blocking call refuses the loop's thread. */
    static void assertRefusedOnLoopThread(Loop loop, Runnable blockingCall) {
        IllegalStateException e = onLoopThread(loop, () -> {
            try {
                blockingCall.run();
                return null;
            } catch (IllegalStateException refused) {
                return refused;
            }
        });
        if (e == null) {
            fail("the blocking call ran on the loop's thread");
        }
        assertFalse(e instanceof CancellationException, e.toString());
        if (!e.getMessage().contains("would block the event loop's thread")) {
            fail("unexpected message: " + e.getMessage());
        }
    }

    /** Waits until {@code t} is waiting to take {@code monitor} (or, with {@code mayEnd}, has ended). */
    static void awaitBlockedOn(Thread t, ReentrantLock monitor, boolean mayEnd) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            if (mayEnd && t.getState() == Thread.State.TERMINATED) {
                return;
            }
            if (monitor.hasQueuedThread(t)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t + " not blocked on the monitor but " + t.getState());
            }
            Thread.onSpinWait();
        }
    }
}
