package dev.aio4j.docaudit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.ExceptionContext;
import dev.aio4j.Loop;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import dev.aio4j.sync.Held;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The behaviours that the 2026-12-06 documentation audit wrote into the Javadoc where it had been
 * silent or too narrow: each test pins one added sentence, so that a change of behaviour shows up
 * as a doc to update.
 */
class DocClaimsTest {

    /**
     * Task.cancel()'s @return and AsyncLock's general rules: a lock's acquireAsync task that was
     * served but is not done yet can still be cancelled (true), and the lock goes back at once; a
     * queue's putAsync task whose item was let in cannot (false), and the item stays put.
     */
    @Test
    void cancelOfAServedAcquireGivesTheLockBackAndOfAServedPutRefuses() {
        AsyncLock lock = AsyncLock.create();
        AsyncQueue<String> queue = AsyncQueue.create(1);
        Object[] seen = new Object[6];
        String outcome = Async.runAsync(loop -> {
            assertTrue(lock.acquireAsync().isDone()); // a free lock is taken at once
            Task<Void> second = lock.acquireAsync();  // waits
            lock.release();                           // hands the lock to second, completed in a later step
            seen[0] = second.isDone();
            seen[1] = second.cancel();
            seen[2] = lock.isLocked();                // given back by cancel() itself
            queue.putNow("a");
            Task<Void> put = queue.putAsync("b");     // waits for room
            queue.getNow();                           // lets "b" in: the put's effect has happened
            seen[3] = put.isDone();
            seen[4] = put.cancel();
            return Async.wait(List.of(second, put), dev.aio4j.ReturnWhen.ALL_COMPLETED)
                    .thenApply(done -> second.state() + " " + put.state());
        });
        assertEquals(false, seen[0], "served, not done yet");
        assertEquals(true, seen[1], "cancel() of a served acquire before it completes succeeds");
        assertEquals(false, seen[2], "and the lock went back at once");
        assertEquals(false, seen[3], "the put was let in, not done yet");
        assertEquals(false, seen[4], "cancel() of a put already let in refuses");
        assertEquals("CANCELLED SUCCESS", outcome);
        assertEquals("b", queue.getNow());
        assertFalse(lock.isLocked());
    }

    /** Task.join(): IllegalStateException from the task's own body. */
    @Test
    void aTaskCannotJoinItself() {
        Async.run(loop -> {
            Task<?> self = Async.currentTask();
            assertThrows(IllegalStateException.class, self::join);
            assertThrows(IllegalStateException.class, () -> self.join(Duration.ofMillis(1)));
            return null;
        });
    }

    /** Held.close(): the first close throws what the lock's release() throws; a second does nothing. */
    @Test
    void heldCloseThrowsWhenTheLockWasReleasedMeanwhile() {
        AsyncLock lock = AsyncLock.create();
        Held held = lock.lock();
        lock.release(); // no owner: anyone may release it
        assertThrows(IllegalStateException.class, held::close);
        held.close();
        assertFalse(lock.isLocked());
    }

    /** AsyncSemaphore.release(): an unbounded semaphore refuses a count above Integer.MAX_VALUE. */
    @Test
    void unboundedSemaphoreRefusesACountAboveIntegerMaxValue() {
        AsyncSemaphore sem = AsyncSemaphore.create(Integer.MAX_VALUE);
        assertThrows(IllegalStateException.class, sem::release);
        assertEquals(Integer.MAX_VALUE, sem.availablePermits());
    }

    /** Loop.callExceptionHandler(): with no thread running the loop, the handler runs on the caller's thread. */
    @Test
    void callExceptionHandlerOnALoopNotRunningRunsOnTheCallingThread() {
        Loop loop = Async.newLoop();
        try {
            Thread[] ranOn = new Thread[1];
            loop.setExceptionHandler((l, c) -> ranOn[0] = Thread.currentThread());
            loop.callExceptionHandler(new ExceptionContext("audit", null, null));
            assertSame(Thread.currentThread(), ranOn[0]);
        } finally {
            loop.close();
        }
    }

    /** Loop.runUntilComplete(): a loop stopped before the future is done throws IllegalStateException. */
    @Test
    void runUntilCompleteOfALoopStoppedBeforeTheFutureIsDone() {
        Loop loop = Async.newLoop();
        try {
            Promise<Integer> never = loop.createPromise();
            loop.stop(); // not running: the next run does one iteration
            assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(never));
            never.cancel();
        } finally {
            loop.close();
        }
    }

    /** Async.gather(): only plain stages, and no loop on the calling thread, is an IllegalStateException. */
    @Test
    void gatherOfPlainStagesWithoutALoopThrows() {
        CompletableFuture<Integer> one = CompletableFuture.completedFuture(1);
        assertThrows(IllegalStateException.class, () -> Async.gather(one));
        assertThrows(IllegalStateException.class, () -> Async.gatherOutcomes(List.of(one)));
        assertThrows(IllegalStateException.class, () -> Async.waitFor(one, Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, () -> Async.shield(one));
    }

    /** Async.gather/wait/waitFor/shield: a task of a closed loop is an IllegalStateException. */
    @Test
    void combinatorsRefuseTheTasksOfAClosedLoop() {
        Loop loop = Async.newLoop();
        Promise<Integer> p = loop.createPromise();
        p.complete(1);
        loop.close();
        assertThrows(IllegalStateException.class, () -> Async.gather(p));
        assertThrows(IllegalStateException.class, () -> Async.wait(List.of(p)));
        assertThrows(IllegalStateException.class, () -> Async.waitFor(p, Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, () -> Async.shield(p));
        // a stage method too, while toCompletableFuture() still gives a plain view
        assertThrows(IllegalStateException.class, () -> p.thenApply(x -> x));
        assertEquals(1, p.toCompletableFuture().join());
    }

    /** Task.asDeferred() (Kotlin): a task of a closed loop is refused, done or not. */
    @Test
    void asDeferredRefusesATaskOfAClosedLoop() {
        Loop loop = Async.newLoop();
        Promise<Integer> p = loop.createPromise();
        p.complete(1);
        loop.close();
        assertThrows(IllegalStateException.class, () -> dev.aio4j.kotlin.Tasks.asDeferred(p));
    }

    /** The CompletionStage methods of a task: a null function is a NullPointerException. */
    @Test
    void stageMethodsRefuseANullFunction() {
        Loop loop = Async.newLoop();
        try {
            Promise<Integer> p = loop.createPromise();
            assertThrows(NullPointerException.class, () -> p.thenApply(null));
            assertThrows(NullPointerException.class, () -> p.thenCombine(p, null));
            assertThrows(NullPointerException.class, () -> p.thenCombine(null, (a, b) -> a));
            assertThrows(NullPointerException.class, () -> p.thenApplyAsync(x -> x, null));
            p.complete(0);
        } finally {
            loop.close();
        }
    }

    /**
     * TaskGroup: a cancellation from outside stays a cancellation unless a task of the group failed,
     * before the outer cancel (the group was already failing) or while it was being cancelled: the
     * failure wins, as asyncio's TaskGroup raises its errors over the parent's cancellation.
     */
    @Test
    void aGroupCancelledFromOutsideFailsWithAFailureOfItsTasks() {
        Async.run(loop -> {
            // 1. the group is failing (a task threw) when the outer cancel comes
            RuntimeException x = new IllegalStateException("x");
            java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
            Task<Object> failing = Async.taskGroupAsync(tg -> {
                tg.createTask(() -> {
                    running.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        interrupted.countDown(); // the group cancels it: x was raised
                        release.await();         // and holds the group open until the outer cancel came
                    }
                    return null;
                });
                tg.createTask(() -> {
                    // once the first one runs: cancelled before its body started, it would never count
                    // down `interrupted` (the test hung so once, on a loaded machine)
                    running.await();
                    throw x;
                });
                return new CompletableFuture<>();
            });
            interrupted.await();
            failing.cancel();
            release.countDown();
            IllegalStateException e = assertThrows(IllegalStateException.class, failing::join);
            assertSame(x, e);

            // 2. the outer cancel comes first, and a task fails on its cancellation
            RuntimeException y = new IllegalStateException("y");
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            Task<Object> cancelled = Async.taskGroupAsync(tg -> {
                tg.createTask(() -> {
                    started.countDown();
                    try {
                        new java.util.concurrent.CountDownLatch(1).await();
                    } catch (InterruptedException ie) {
                        throw y; // not a cancellation: a failure
                    }
                    return null;
                });
                return new CompletableFuture<>();
            });
            started.await();
            cancelled.cancel();
            IllegalStateException f = assertThrows(IllegalStateException.class, cancelled::join);
            assertSame(y, f);

            // 3. and with no failure, the outer cancellation stays one
            java.util.concurrent.CountDownLatch started3 = new java.util.concurrent.CountDownLatch(1);
            Task<Object> plain = Async.taskGroupAsync(tg -> {
                tg.createTask(() -> {
                    started3.countDown();
                    new java.util.concurrent.CountDownLatch(1).await();
                    return null;
                });
                return new CompletableFuture<>();
            });
            started3.await();
            plain.cancel();
            assertThrows(java.util.concurrent.CancellationException.class, plain::join);
            return null;
        });
    }
}
