/*
 * Task.await() in a coroutine cancelled after the task completed normally but before the coroutine
 * resumed: the value is returned, as Java's join returns it, and the cancellation stays pending
 * (the next suspension throws). It threw the coroutine's cancellation before, and the value was
 * lost: a Kotlin caller lost the lock its acquireAsync() task had been granted, or the item its
 * getAsync() had been handed.
 *
 * Since 2026-12-06 a primitive's waiter task (acquireAsync,
 * getAsync) is the exception: a coroutine cancelled before it resumed with the grant gives the
 * grant back and throws the cancellation (CancelledAwaiterGivesTheGrantBackTest), because a value
 * returned to a cancelled coroutine is dropped by kotlinx's withTimeout. The two tests below that
 * pinned "the acquirer keeps the lock / the item" now pin "the lock is free / the item is back".
 */
package dev.aio4j.kotlin

import dev.aio4j.sync.AsyncLock
import dev.aio4j.sync.AsyncQueue
import java.util.concurrent.CancellationException
import kotlinx.coroutines.launch
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class AwaitAfterTheTaskSucceededTest {

    @Test
    fun theValueOfATaskThatSucceededBeforeTheCancellationIsReturned() = onLoop { loop ->
        val promise = loop.createPromise<Int>()
        var got: Int? = null
        var atTheNextSuspension: Throwable? = null
        val job = launch {
            got = promise.await()
            try {
                yield()
            } catch (e: CancellationException) {
                atTheNextSuspension = e
                throw e
            }
        }
        yield() // the coroutine runs first, and suspends in await
        promise.complete(42) // in one step: the task succeeds (its awaiter's resumption is queued)...
        job.cancel() // ...and the awaiter is cancelled before it resumes
        job.join()
        assertEquals(42, got, "the value of a task done before the cancellation reached it")
        assertTrue(atTheNextSuspension is CancellationException, "the cancellation stays pending: got $atTheNextSuspension")
    }

    @Test
    fun aLockGrantedAsTheAwaiterIsCancelledGoesBack() = onLoop { loop ->
        val lock = AsyncLock.create()
        lock.acquireAsync().await() // held by this coroutine
        var held = false
        val job = launch {
            lock.acquireAsync().await() // waits
            try {
                held = true
                yield()
            } finally {
                lock.release()
            }
        }
        yield() // the second acquirer waits in line
        lock.release() // hands the lock to it...
        job.cancel() // ...which is cancelled before it resumes
        job.join()
        assertFalse(held, "await() threw the cancellation instead of returning the lock (it returned it before 2026-12-06)")
        assertFalse(lock.isLocked, "the lock went back: it is free")
    }

    @Test
    fun anItemHandedAsTheAwaiterIsCancelledGoesBack() = onLoop { loop ->
        val queue = AsyncQueue.create<String>()
        var got: String? = null
        val job = launch { got = queue.getAsync().await() }
        yield() // the getter waits
        queue.putNow("item") // handed straight to the waiting getter...
        job.cancel() // ...which is cancelled before it resumes
        job.join()
        assertNull(got, "await() threw the cancellation instead of returning the item (it returned it before 2026-12-06)")
        assertEquals(listOf("item"), listOf(queue.getNow()), "the item went back to the queue")
    }
}
