package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Loop.close() against task creation: once close() has begun, a new task is either refused with
 * IllegalStateException("loop is closed") or cancelled and waited for like the others; none is
 * left PENDING or RUNNING, and close() returns. (The race with other threads: LoopCloseStressTest.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoopCloseRaceTest {

    /** A blocking body that waits until cancelled. */
    private static Task<Object> sleeper(Loop loop) {
        return loop.createTask(() -> {
            Async.sleep(Duration.ofMinutes(1));
            return null;
        });
    }

    @Test
    void tasksCreatedByDoneCallbacksOfTasksThatCloseCancelledAreCancelledOrRefused() {
        Loop loop = Async.newLoop();
        List<Task<?>> created = new CopyOnWriteArrayList<>();
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        loop.setExceptionHandler((l, context) -> refused.add(context.exception()));
        CountDownLatch started = new CountDownLatch(2);
        Task<Object> blocking = loop.createTask(() -> {
            started.countDown();
            Async.sleep(Duration.ofMinutes(1));
            return null;
        });
        Task<Object> nonBlocking = loop.createTaskAsync(() -> {
            started.countDown();
            return new CompletableFuture<>();
        });
        Promise<Object> step = loop.createPromise();
        loop.callSoon(() -> step.complete(null));
        loop.runUntilComplete(step);
        for (Task<Object> t : List.of(blocking, nonBlocking)) {
            t.addDoneCallback(done -> {
                created.add(sleeper(loop));
                created.add(loop.createTaskAsync(CompletableFuture::new));
            });
        }
        loop.close();
        assertTrue(loop.isClosed());
        assertEquals(4, created.size() + 2 * refused.size(), () -> "created " + created + ", refused " + refused);
        for (Task<?> t : created) {
            assertTrue(t.isDone(), () -> t + " was left behind by close()");
        }
        for (Throwable e : refused) {
            assertEquals("loop is closed", e.getMessage());
        }
        assertTrue(blocking.isCancelled());
        assertTrue(nonBlocking.isCancelled());
    }

    @Test
    void aTaskCreatedAfterCloseIsRefused() {
        Loop loop = Async.newLoop();
        loop.close();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> sleeper(loop));
        assertEquals("loop is closed", e.getMessage());
        assertFalse(e instanceof java.util.concurrent.CancellationException);
    }
}
