package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.stream.AsyncIterator;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * What stops waiting on a long-lived task lets go of it at once, as asyncio's
 * remove_done_callback, as_completed's timeout and shield's cancellation remove their callbacks:
 * before, each kept its registration, and all it held, until the task completed, so that a service
 * polling or shielding a long-lived task grew without bound (found from outside on 2026-12-05:
 * 260 B per cancelled shield, 5 KB per abandoned as_completed walk over 100 tasks).
 */
class WithdrawnRegistrationsTest {

    /** Whether [ref] is cleared within a few collections. */
    static boolean collected(WeakReference<?> ref) throws InterruptedException {
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        return ref.get() == null;
    }

    /** Adds a callback that holds an object, and one more above it, then removes the first; returns a weak reference to the object. */
    static WeakReference<Object> removedUnderALiveOne(Promise<Object> pending) {
        Object payload = new Object();
        Consumer<Task<Object>> heavy = t -> payload.hashCode();
        pending.addDoneCallback(heavy);
        pending.addDoneCallback(t -> { }); // a live one above: no later registration prunes the removed node
        assertEquals(1, pending.removeDoneCallback(heavy));
        return new WeakReference<>(payload);
    }

    @Test
    void aRemovedDoneCallbackIsDroppedAtOnceEvenUnderALiveOne() {
        Async.run(loop -> {
            Promise<Object> pending = loop.createPromise();
            assertTrue(collected(removedUnderALiveOne(pending)), "the removed callback is still held by its pending task");
            pending.complete("done");
            return null;
        });
    }

    @Test
    void anAsCompletedWalkThatTimedOutLetsGoOfItsTasks() {
        Async.run(loop -> {
            List<Promise<Object>> pending = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                pending.add(loop.createPromise());
            }
            Iterator<Task<Object>> walk = Async.asCompleted(pending, Duration.ZERO).iterator();
            assertThrows(AsyncTimeoutException.class, walk::next);
            assertThrows(AsyncTimeoutException.class, walk::next, "a walk that timed out times out again");
            WeakReference<Object> ref = new WeakReference<>(walk);
            walk = null;
            assertTrue(collected(ref), "the walk is still held by its tasks");
            pending.forEach(p -> p.complete(null));
            return null;
        });
    }

    /** A non-blocking walk over [pending] that timed out (twice): only a weak reference to it is returned. */
    static WeakReference<Object> aWalkThatTimedOut(List<Promise<Object>> pending) {
        AsyncIterator<Task<Object>> walk = Async.asCompletedAsync(pending, Duration.ofMillis(1)).asyncIterator();
        CompletionException timedOut = assertThrows(CompletionException.class, () -> walk.hasNext().toCompletableFuture().join());
        assertTrue(timedOut.getCause() instanceof AsyncTimeoutException, String.valueOf(timedOut.getCause()));
        CompletionException again = assertThrows(CompletionException.class, () -> walk.hasNext().toCompletableFuture().join(),
                "a walk that timed out times out again, at once");
        assertTrue(again.getCause() instanceof AsyncTimeoutException, String.valueOf(again.getCause()));
        return new WeakReference<>(walk);
    }

    /** A non-blocking walk over [pending], closed: only a weak reference to it is returned. */
    static WeakReference<Object> aClosedWalk(List<Promise<Object>> pending) {
        AsyncIterator<Task<Object>> walk = Async.asCompletedAsync(pending).asyncIterator();
        walk.closeAsync().toCompletableFuture().join();
        return new WeakReference<>(walk);
    }

    @Test
    void aNonBlockingAsCompletedWalkLetsGoOfItsTasksWhenClosedOrTimedOut() {
        Async.run(loop -> {
            List<Promise<Object>> pending = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                pending.add(loop.createPromise());
            }
            assertTrue(collected(aClosedWalk(pending)), "a closed walk is still held by its tasks");
            assertTrue(collected(aWalkThatTimedOut(pending)), "a walk that timed out is still held by its tasks");
            pending.forEach(p -> p.complete(null));
            return null;
        });
    }

    @Test
    void aCancelledShieldLetsGoOfTheTaskItShielded() {
        Async.run(loop -> {
            Promise<Object> longLived = loop.createPromise();
            Task<Object> shield = Async.shield(longLived);
            shield.cancel();
            assertTrue(shield.isCancelled());
            WeakReference<Object> ref = new WeakReference<>(shield);
            shield = null;
            assertTrue(collected(ref), "the cancelled shield is still held by the task it shielded");
            assertTrue(!longLived.isDone(), "the shielded task runs on");
            longLived.complete("done");
            return null;
        });
    }
}
