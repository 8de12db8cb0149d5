package dev.aio4j.sync;

import static dev.aio4j.sync.SyncTestSupport.awaitBlockedOn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.internal.sync.ConditionImpl;
import dev.aio4j.internal.sync.LockImpl;
import dev.aio4j.sync.AsyncCondition;
import dev.aio4j.sync.AsyncLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * awaitUntilAsync's task (CondWaitTask) whose predicate is still false after a signal goes back in
 * the condition's line: {@code state = IN_LINE}, then {@code joinLine} (the condition's monitor),
 * then it releases the lock. A {@code cancel()} from another thread that lands between the state
 * write and the {@code joinLine} withdraws it (IN_LINE to WITHDRAWN), finds it in no line yet, and
 * puts it in the lock's line (takeLock); the loop thread then adds the same waiter to the
 * condition's line: one waiter, whose links are one set of fields, in two lines. A waiter left in
 * a line that no longer owns its links is never removed by {@code WaiterList.remove}, and
 * {@code grantFirst} then spins for ever on it under the monitor (the next release() or signal()
 * hangs). The window is a few instructions wide; the test widens it white-box by holding the
 * condition's monitor while both the loop thread (in joinLine) and the canceller (in unlink) block
 * on it, then lets them go: the JVM picks who goes first.
 *
 * What must hold (the Javadoc of awaitUntilAsync): the cancelled task ends holding the lock, and
 * the lock's and the condition's lines hold no one once nobody waits. The test checks the line
 * counts (toString) instead of calling release(), which spins for ever when they are wrong.
 */
@Timeout(120)
class ConditionRelineCancelRaceTest {
    private static final int ROUNDS = 200;
    /** Whether a signal() or release() after a bad round hung (the rounds stop: its thread spins on). */
    private static boolean hung;

    @Test
    void aCancelLandingAsTheWaitGoesBackInLineLeavesNoGhostWaiter() {
        rounds(false);
    }

    /**
     * The same, with the lock's monitor held too when the condition's is let go, so that the
     * canceller's takeLock may come before the loop thread's release: the ordering in which the
     * waiter's links are overwritten by the lock's line and the next signal() spins for ever.
     */
    @Test
    void aCancelLandingAsTheWaitGoesBackInLineLeavesNoGhostWaiterGateHeldToo() {
        rounds(true);
    }

    private static void rounds(boolean holdGate) {
        List<String> failures = new ArrayList<>();
        hung = false;
        Async.run(LoopOptions.defaults().withThreading(Threading.SINGLE_THREAD), loop -> {
            for (int round = 0; round < ROUNDS && !hung; round++) {
                String f = oneRound(loop, holdGate);
                if (f != null) {
                    failures.add("round " + round + ": " + f);
                }
            }
            return null;
        });
        assertTrue(failures.isEmpty(), failures.size() + " bad rounds of " + ROUNDS + (hung ? " (stopped at the hang)" : "") + ":\n" + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
    }

    /** Null if the round ended well, else what was wrong. */
    private static String oneRound(Loop loop, boolean holdGate) throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        ReentrantLock monitor = ((ConditionImpl) cond).monitor;
        AtomicInteger evaluations = new AtomicInteger();
        AtomicReference<Thread> loopThread = new AtomicReference<>();
        CountDownLatch inLine = new CountDownLatch(1);
        AtomicReference<Task<Void>> waiter = new AtomicReference<>();
        loop.callSoon(() -> {
            loopThread.set(Thread.currentThread());
            if (!lock.tryLock()) {
                throw new AssertionError("lock taken");
            }
            // false at once and after the first signal: the task goes back in line once
            waiter.set(cond.awaitUntilAsync(() -> evaluations.incrementAndGet() > 2));
            inLine.countDown();
        });
        inLine.await();
        Task<Void> w = waiter.get();
        assertEquals(1, evaluations.get());

        Thread canceller = new Thread(w::cancel, "canceller");
        ReentrantLock gateMonitor = ((LockImpl) lock).gate.monitor;
        lock.lock();
        gateMonitor.lock();
        try {
            monitor.lock(); // re-entered by signal(): the same thread
            try {
                cond.signal();
                lock.release(); // hands the lock to w, whose step evaluates the predicate (false) and blocks in joinLine
                awaitBlockedOn(loopThread.get(), monitor, false);
                canceller.start(); // IN_LINE -> WITHDRAWN, then blocks in unlink
                awaitBlockedOn(canceller, monitor, true);
            } finally {
                monitor.unlock();
            }
            if (holdGate) { // both go on to the lock's monitor (takeLock, release) or end
                awaitBlockedOn(loopThread.get(), gateMonitor, false);
                awaitBlockedOn(canceller, gateMonitor, true);
            }
        } finally {
            gateMonitor.unlock();
        }
        canceller.join(5_000);
        try {
            w.join(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // asserted through the state
        }
        if (w.state() != TaskState.CANCELLED) {
            return "the waiter ended " + w.state();
        }
        Async.sleep(Duration.ofMillis(1));
        String lockSeen = lock.toString();
        String condSeen = cond.toString();
        if (!lock.isLocked() || !lockSeen.contains("waiters=0") || !condSeen.contains("waiters=0")) {
            // a signal() or release() may now spin for ever under the monitor: tried on a daemon thread
            String consequence = "";
            {
                AtomicReference<String> step = new AtomicReference<>("signal()");
                Thread signaller = new Thread(() -> {
                    cond.signal();
                    step.set("release()");
                    lock.release();
                    step.set("done");
                }, "signaller");
                signaller.setDaemon(true);
                signaller.start();
                signaller.join(2_000);
                hung = signaller.isAlive();
                consequence = hung ? "; then a " + step.get() + " did not return in 2 s (spinning at "
                        + signaller.getStackTrace()[0] + ")" : "; a signal() and a release() then returned";
            }
            return "after the cancelled wait ended: " + lockSeen + ", " + condSeen + " (expected locked, no waiters)" + consequence;
        }
        lock.release();
        return null;
    }
}
