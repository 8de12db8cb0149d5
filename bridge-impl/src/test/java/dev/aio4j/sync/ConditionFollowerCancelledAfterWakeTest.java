package dev.aio4j.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.sync.AsyncCondition;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The general rule of dev.aio4j.sync (AsyncLock's Javadoc, which AsyncCondition's says applies): a
 * task that follows a primitive's ...Async task (a non-blocking body that returns it, withLockAsync
 * whose body returns it, a waitFor over it) and is cancelled once that task was served ends with
 * its result, not cancelled: what was handed over is never lost. For a condition's awaitAsync what
 * is handed over is a signal (and the lock): a follower that ends CANCELLED after its awaitAsync
 * consumed the signal loses that wake-up, and a waiter that stays is never woken (asyncio 3.13's
 * Condition.wait passes the signal on to another waiter when anything but a normal return comes out
 * of it). Found racing a waitFor deadline with signal() (DeadlineInsideWaitRaceTest, about 1 round
 * in 300 under DEFAULT_DISPATCHER); made deterministic here: the follower is cancelled by a
 * completion function of the awaitAsync task registered before the follower's own, so between the
 * wait's success and the follower's completion.
 */
@Timeout(60)
class ConditionFollowerCancelledAfterWakeTest {

    /**
     * {@code follower} made from the awaitAsync task; the task is signalled, and the follower
     * cancelled just after the task completed; returns what became of the follower and of a second
     * waiter that stays, as "follower STATE, second woken|not woken".
     */
    private static String cancelledJustAfterTheWake(Loop loop, Function<Task<Void>, Task<?>> follower) throws Exception {
        AsyncCondition cond = AsyncCondition.create();
        AtomicReference<Task<Void>> wait = new AtomicReference<>();
        AtomicReference<Task<?>> f = new AtomicReference<>();
        CompletableFuture<Boolean> cancelReturned = new CompletableFuture<>();
        loop.callSoon(() -> {
            if (!cond.tryLock()) {
                throw new AssertionError();
            }
            Task<Void> w = cond.awaitAsync(); // releases the lock
            w.whenComplete((v, e) -> cancelReturned.complete(f.get().cancel())); // runs before the follower's handler
            wait.set(w);
            f.set(follower.apply(w));
        });
        Async.sleep(Duration.ofMillis(5));
        Task<String> second = loop.createTask(() -> cond.withLock(() -> {
            cond.await();
            return "woken";
        }));
        Async.sleep(Duration.ofMillis(5)); // both wait, the first first
        cond.withLock(() -> cond.signal()); // wakes the first only
        assertTrue(cancelReturned.get(), "cancel() found the follower done");
        Task<?> fol = f.get();
        try {
            fol.join(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // asserted through the state
        }
        assertEquals(TaskState.SUCCESS, wait.get().state(), "the awaitAsync task was served");
        // the follower holds the lock now, whatever its outcome (awaitAsync's rule); release it
        if (cond.isLocked() && !fol.state().equals(TaskState.RUNNING)) {
            cond.release();
        }
        String secondSeen;
        try {
            second.join(Duration.ofMillis(500));
            secondSeen = "second woken";
        } catch (dev.aio4j.AsyncTimeoutException e) {
            secondSeen = "second not woken";
            cond.withLock(() -> cond.signalAll());
            second.join(Duration.ofSeconds(5));
        }
        return "follower " + fol.state() + ", " + secondSeen;
    }

    @Test
    void aNonBlockingBodyThatReturnsAwaitAsync() {
        String seen = Async.run(loop -> cancelledJustAfterTheWake(loop, w -> loop.createTaskAsync(() -> w)));
        assertTrue(seen.equals("follower SUCCESS, second not woken") || seen.equals("follower CANCELLED, second woken"),
                "the wake-up was consumed by a follower that ended cancelled: " + seen);
    }

    @Test
    void aWaitForOverAwaitAsync() {
        String seen = Async.run(loop -> cancelledJustAfterTheWake(loop, w -> Async.waitFor(w, Duration.ofSeconds(30))));
        assertTrue(seen.equals("follower SUCCESS, second not woken") || seen.equals("follower CANCELLED, second woken"),
                "the wake-up was consumed by a follower that ended cancelled: " + seen);
    }
}
