package dev.aio4j.structured;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A shield cancelled while the task it shields fails on another thread: exactly one of the two
 * decides the shield's outcome, and a {@code cancel()} that returned true leaves the shield
 * cancelled (asyncio: {@code outer.cancel()} succeeded, so the outer future is cancelled, and
 * the shield's inner-done callback then only marks the inner exception retrieved). Before the fix,
 * the inner failure completing the shield between the cancellation request and the shield's own
 * completion made the shield FAILED after {@code cancel()} had returned true. Rounds:
 * {@code -Dstructured.shieldRounds=N}.
 */
@Timeout(120)
class ShieldCancelRaceTest {

    private static final int ROUNDS = ScopeSupport.rounds("structured.shieldRounds", 20_000);

    @Test
    void aCancelThatReturnedTrueLeavesTheShieldCancelledWhenTheInnerFailsMeanwhile() throws Exception {
        ExecutorService failer = Executors.newSingleThreadExecutor();
        String wrong;
        try {
            wrong = race(failer);
        } finally {
            failer.shutdown();
            assertTrue(failer.awaitTermination(10, TimeUnit.SECONDS));
        }
        assertNull(wrong);
    }

    private static String race(ExecutorService failer) {
        return Async.run(loop -> {
            int bad = 0;
            String first = null;
            for (int i = 0; i < ROUNDS; i++) {
                Promise<String> inner = loop.createPromise();
                Task<String> shield = Async.shield(inner);
                RuntimeException failure = new IllegalStateException("inner " + i);
                AtomicInteger ready = new AtomicInteger();
                Future<?> failed = failer.submit(() -> {
                    ready.incrementAndGet();
                    while (ready.get() < 2) Thread.onSpinWait();
                    inner.fail(failure);
                });
                ready.incrementAndGet();
                while (ready.get() < 2) Thread.onSpinWait();
                boolean cancelled = shield.cancel();
                failed.get();
                inner.exceptionNow(); // retrieved here: a shield cancelled first leaves the inner failure to its own awaiters
                String how = null;
                if (!shield.isDone()) {
                    how = "the shield is not done";
                } else if (cancelled && shield.state() != TaskState.CANCELLED) {
                    how = "cancel() returned true, the shield ended " + shield.state();
                } else if (!cancelled && shield.state() != TaskState.FAILED) {
                    how = "cancel() returned false, the shield ended " + shield.state();
                }
                if (shield.state() == TaskState.FAILED) shield.exceptionNow(); // the inner failure, passed on: retrieved
                if (how != null) {
                    bad++;
                    if (first == null) first = "round " + i + ": " + how;
                }
            }
            return bad == 0 ? null : bad + " of " + ROUNDS + " rounds went wrong; first " + first;
        });
    }
}
