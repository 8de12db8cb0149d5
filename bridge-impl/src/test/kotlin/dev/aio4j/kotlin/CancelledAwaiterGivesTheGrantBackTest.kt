/*
 * Task.await() of a primitive's waiter task (a lock's or a semaphore's acquireAsync, a queue's
 * getAsync) in a coroutine cancelled before it has resumed with what it was given: the grant goes
 * back (the lock or permit released, the item back in the queue) and await() throws the
 * cancellation, as kotlinx's Mutex and asyncio's Lock.acquire/Queue.get never leave a cancelled
 * waiter holding what it was given. Two windows, each forced on one thread:
 *   - GRANTED: the waiter was served (a release, a put) and the awaiter is cancelled in the same
 *     step, before the step that completes the waiter's task: the task ends CANCELLED;
 *   - COMPLETED: the waiter's task has completed normally and the awaiter is cancelled before its
 *     resumption runs: the task stays SUCCESS (it is done), the grant goes back all the same.
 * Each test checks first that the schedule it meant happened (the task's state at the cancel).
 * A waiter whose grant cannot be given back (a put let in) keeps its result.
 */
package dev.aio4j.kotlin

import dev.aio4j.Task
import dev.aio4j.TaskState
import dev.aio4j.sync.AsyncLock
import dev.aio4j.sync.AsyncQueue
import dev.aio4j.sync.AsyncSemaphore
import java.util.concurrent.CancellationException
import kotlinx.coroutines.launch
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class CancelledAwaiterGivesTheGrantBackTest {

    // ------------------------------------------------------------------ GRANTED, not completed

    @Test
    fun aLockGrantedButNotYetCompletedGoesBackAndTheTaskEndsCancelled() = onLoop { _ ->
        val lock = AsyncLock.create()
        lock.acquireAsync().await() // held by this coroutine
        var acquire: Task<Void?>? = null
        var passed = false
        var thrown: Throwable? = null
        val job = launch {
            try {
                lock.acquireAsync().also { acquire = it }.await()
                passed = true
                lock.release()
            } catch (e: CancellationException) {
                thrown = e
                throw e
            }
        }
        yield() // the second acquirer waits in line
        lock.release() // grants the lock to it (its task completes in a later step)...
        val atTheCancel = acquire!!.state()
        job.cancel() // ...and its awaiter is cancelled before that step
        job.join()
        assertEquals(TaskState.RUNNING, atTheCancel, "the schedule: granted, not yet completed")
        assertFalse(passed, "await() did not return the lock to a cancelled coroutine")
        assertTrue(thrown is CancellationException, "await() threw the cancellation: $thrown")
        assertEquals(TaskState.CANCELLED, acquire.state(), "the waiter's task says what happened")
        assertFalse(lock.isLocked, "the lock went back: it is free")
        assertTrue(lock.tryLock(), "and can be taken")
    }

    @Test
    fun anItemHandedButNotYetCompletedGoesBackToTheQueue() = onLoop { _ ->
        val queue = AsyncQueue.create<String>()
        var get: Task<String>? = null
        var got: String? = null
        val job = launch { got = queue.getAsync().also { get = it }.await() }
        yield() // the getter waits
        queue.putNow("item") // handed straight to the waiting getter...
        val atTheCancel = get!!.state()
        job.cancel() // ...which is cancelled before its task completes
        job.join()
        assertEquals(TaskState.RUNNING, atTheCancel, "the schedule: handed, not yet completed")
        assertNull(got)
        assertEquals(TaskState.CANCELLED, get.state())
        assertEquals(1, queue.size(), "the item went back to the queue")
        assertEquals("item", queue.getNow())
    }

    @Test
    fun anItemHandedToACancelledAwaiterGoesToTheNextGetter() = onLoop { _ ->
        val queue = AsyncQueue.create<String>()
        var first: String? = null
        val cancelled = launch { first = queue.getAsync().await() }
        yield()
        val next = queue.getAsync() // the second getter, in line behind the first
        queue.putNow("item")
        cancelled.cancel()
        cancelled.join()
        assertNull(first)
        assertEquals("item", next.await(), "the item went to the next getter in line")
        assertEquals(0, queue.size())
    }

    @Test
    fun aPermitGrantedButNotYetCompletedGoesBack() = onLoop { _ ->
        val semaphore = AsyncSemaphore.create(1)
        semaphore.acquireAsync().await()
        var acquire: Task<Void?>? = null
        val job = launch { semaphore.acquireAsync().also { acquire = it }.await() }
        yield()
        semaphore.release()
        val atTheCancel = acquire!!.state()
        job.cancel()
        job.join()
        assertEquals(TaskState.RUNNING, atTheCancel, "the schedule: granted, not yet completed")
        assertEquals(TaskState.CANCELLED, acquire.state())
        assertEquals(1, semaphore.availablePermits(), "the permit went back")
    }

    // ------------------------------------------------------------------ COMPLETED, not resumed

    @Test
    fun anItemWhoseTaskCompletedGoesBackWhenTheAwaiterIsCancelledBeforeItResumes() = onLoop { loop ->
        val queue = AsyncQueue.create<String>()
        var get: Task<String>? = null
        var got: String? = null
        var thrown: Throwable? = null
        val job = launch {
            try {
                got = queue.getAsync().also { get = it }.await()
            } catch (e: CancellationException) {
                thrown = e
                throw e
            }
        }
        yield() // the getter waits
        var atTheCancel: TaskState? = null
        queue.putNow("item") // handed over; the task completes in the next step, which queues the awaiter's resumption
        loop.callSoon { // runs after that step, before the resumption
            atTheCancel = get!!.state()
            job.cancel()
        }
        job.join()
        assertEquals(TaskState.SUCCESS, atTheCancel, "the schedule: the task had completed, its awaiter had not resumed")
        assertNull(got, "await() did not return the item to a cancelled coroutine")
        assertTrue(thrown is CancellationException, "await() threw the cancellation: $thrown")
        assertEquals(listOf("item"), listOf(queue.getNow()), "the item went back to the queue")
    }

    @Test
    fun aLockWhoseTaskCompletedGoesBackWhenTheAwaiterIsCancelledBeforeItResumes() = onLoop { loop ->
        val lock = AsyncLock.create()
        lock.acquireAsync().await()
        var acquire: Task<Void?>? = null
        var passed = false
        val job = launch {
            lock.acquireAsync().also { acquire = it }.await()
            passed = true
            lock.release()
        }
        yield()
        var atTheCancel: TaskState? = null
        lock.release()
        loop.callSoon {
            atTheCancel = acquire!!.state()
            job.cancel()
        }
        job.join()
        assertEquals(TaskState.SUCCESS, atTheCancel, "the schedule: the task had completed, its awaiter had not resumed")
        assertFalse(passed)
        assertFalse(lock.isLocked, "the lock went back: it is free")
    }

    // ------------------------------------------------------------------ what keeps today's rule

    @Test
    fun aPutLetInForACancelledAwaiterStaysPutAndAwaitReturns() = onLoop { _ ->
        val queue = AsyncQueue.create<String>(1)
        queue.putNow("a")
        var put: Task<Void?>? = null
        var returned = false
        val job = launch {
            queue.putAsync("b").also { put = it }.await()
            returned = true
        }
        yield() // the putter waits for room
        assertEquals("a", queue.getNow()) // lets "b" in
        job.cancel() // before the put's task completes
        job.join()
        assertEquals(TaskState.SUCCESS, put!!.state(), "a put that took effect says so")
        assertTrue(returned, "await() returned: the put took effect")
        assertEquals("b", queue.getNow())
    }
}
