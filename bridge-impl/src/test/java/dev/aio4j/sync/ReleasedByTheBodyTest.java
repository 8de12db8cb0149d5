package dev.aio4j.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.ThrowingFunction;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A body that releases, itself, the lock or permit it runs under (found from outside on
 * 2026-12-05; each hung or lost an exception before its fix): withLockAsync and a bounded
 * semaphore's withPermitAsync fail with IllegalStateException, as asyncio's {@code async with lock:
 * lock.release()} fails with release()'s RuntimeError, instead of leaving the task unfinished for
 * ever and the loop's close hanging; awaitUntilAsync whose lock was released meanwhile fails
 * instead of staying in line; the blocking withLock keeps the body's exception as suppressed.
 */
@Timeout(120)
class ReleasedByTheBodyTest {

    /** Runs {@code main} in Async.run on a daemon thread; fails if it has not returned (loop closed) within 10 s. */
    static String runWatched(Threading threading, ThrowingFunction<Loop, String> main) throws Exception {
        AtomicReference<Object> out = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                out.set(Async.run(LoopOptions.defaults().withThreading(threading), main));
            } catch (Throwable e) {
                out.set(e);
            }
        }, "watched");
        t.setDaemon(true);
        t.start();
        t.join(10_000);
        if (t.isAlive()) {
            StringBuilder sb = new StringBuilder("HANG: Async.run did not return in 10 s; thread at:\n");
            for (StackTraceElement e : t.getStackTrace()) sb.append("  ").append(e).append('\n');
            return sb.toString();
        }
        Object o = out.get();
        return o instanceof Throwable th ? "threw " + th : String.valueOf(o);
    }

    /** What {@code t} ended with within 3 s: "result ...", "failed ..." or "task not done ...". */
    private static String outcomeWithin3s(Task<?> t) {
        try {
            return "result " + t.join(Duration.ofSeconds(3));
        } catch (AsyncTimeoutException e) {
            return "task not done after 3 s: " + t.state();
        } catch (RuntimeException e) {
            return "failed " + e;
        }
    }

    /** asyncio: `async with lock: lock.release()` fails the task with RuntimeError from __aexit__. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void withLockAsyncBodyThatReleasesItself(Threading threading) throws Exception {
        String r = runWatched(threading, loop -> {
            AsyncLock lock = AsyncLock.create();
            Task<String> t = loop.createTaskAsync(() -> lock.withLockAsync(() -> {
                lock.release();
                return Async.sleepAsync(Duration.ofMillis(5)).thenApply(v -> "x");
            }));
            return outcomeWithin3s(t);
        });
        assertTrue(r.startsWith("failed java.lang.IllegalStateException"), r);
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void withLockAsyncBodyThatReleasesItselfCompletedStage(Threading threading) throws Exception {
        String r = runWatched(threading, loop -> {
            AsyncLock lock = AsyncLock.create();
            Task<String> t = loop.createTaskAsync(() -> lock.withLockAsync(() -> {
                lock.release();
                return CompletableFuture.completedFuture("x");
            }));
            return outcomeWithin3s(t);
        });
        assertTrue(r.startsWith("failed java.lang.IllegalStateException"), r);
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void withPermitAsyncBoundedBodyThatReleases(Threading threading) throws Exception {
        String r = runWatched(threading, loop -> {
            AsyncSemaphore sem = AsyncSemaphore.bounded(1);
            Task<String> t = loop.createTaskAsync(() -> sem.withPermitAsync(() -> {
                sem.release();
                return Async.sleepAsync(Duration.ofMillis(5)).thenApply(v -> "x");
            }));
            return outcomeWithin3s(t);
        });
        assertTrue(r.startsWith("failed java.lang.IllegalStateException"), r);
    }

    /** Same, where the body also throws: the body's failure or the release's, but the task must end. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void withLockAsyncBodyThatReleasesThenThrows(Threading threading) throws Exception {
        String r = runWatched(threading, loop -> {
            AsyncLock lock = AsyncLock.create();
            Task<String> t = loop.createTaskAsync(() -> lock.<String>withLockAsync(() -> {
                lock.release();
                throw new IllegalArgumentException("body");
            }));
            return outcomeWithin3s(t);
        });
        assertTrue(r.startsWith("failed "), r);
    }

    /** A predicate that releases the condition's lock (misuse) on its second evaluation: the task must fail, not hang. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void awaitUntilAsyncPredicateThatReleases(Threading threading) throws Exception {
        String r = runWatched(threading, loop -> {
            AsyncCondition cond = AsyncCondition.create();
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            Task<Void> t = loop.createTaskAsync(() -> cond.acquireAsync().thenCompose(v -> cond.awaitUntilAsync(() -> {
                if (calls.incrementAndGet() == 2) cond.release();
                return false;
            })));
            Async.sleep(Duration.ofMillis(20));
            cond.withLock(() -> cond.signal());
            try {
                t.join(Duration.ofSeconds(3));
                return "returned";
            } catch (AsyncTimeoutException e) {
                return "task not done after 3 s: " + t.state();
            } catch (RuntimeException e) {
                return "failed " + e;
            }
        });
        assertTrue(r.startsWith("failed java.lang.IllegalStateException"), r);
    }

    /** The body's exception must not be lost when the release at the end fails too. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void blockingWithLockBodyThatReleasesThenThrows(Threading threading) throws Exception {
        String r = runWatched(threading, loop -> {
            AsyncLock lock = AsyncLock.create();
            Task<String> t = loop.createTask(() -> lock.withLock(() -> {
                lock.release();
                throw new IllegalArgumentException("body");
            }));
            try {
                return "result " + t.join(Duration.ofSeconds(3));
            } catch (RuntimeException e) {
                boolean bodySeen = e instanceof IllegalArgumentException;
                for (Throwable s : e.getSuppressed()) bodySeen |= s instanceof IllegalArgumentException;
                return "failed " + e + (bodySeen ? " (body's exception kept)" : " (body's exception lost)");
            }
        });
        assertTrue(r.contains("body's exception kept"), r);
    }
}
