/*
 * asyncio.Semaphore and BoundedSemaphore on kotlinx's Semaphore: FIFO waiters, tryAcquire that
 * never barges past them, prompt cancellation that releases a permit handed to a waiter cancelled
 * in the meantime.
 *
 * kotlinx's Semaphore(n) is bounded: a release above n throws IllegalStateException and leaves
 * the count at n (its acquirers never take the transient excess), which is BoundedSemaphore's
 * rule. asyncio's plain Semaphore has no bound, so it is a kotlinx Semaphore of Int.MAX_VALUE
 * permits of which all but the initial ones start acquired. A BoundedSemaphore(0) (legal in
 * asyncio, useless) cannot be a kotlinx Semaphore(0): it is Semaphore(1, 1) whose every release
 * is refused here.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.sync.AsyncSemaphore
import dev.aio4j.sync.Held
import java.util.Objects
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import java.util.function.Supplier
import kotlinx.coroutines.sync.Semaphore

internal class SemaphoreImpl(private val permits: Int, private val bounded: Boolean) : AsyncSemaphore {
    @JvmField val semaphore: Semaphore = when {
        !bounded -> Semaphore(Int.MAX_VALUE, Int.MAX_VALUE - permits)
        permits == 0 -> Semaphore(1, 1)
        else -> Semaphore(permits)
    }
    private val releaser = Runnable { release() }

    override fun acquire(): Held {
        takeBlocking("AsyncSemaphore.acquire()")
        return HeldHandle(releaser, "permit")
    }

    private fun takeBlocking(what: String) {
        SyncBlocking.enter(what)
        if (!semaphore.tryAcquire()) SyncBlocking.await(what) { acquireSuspending() }
    }

    /** The suspend form of acquire, which both styles run. */
    suspend fun acquireSuspending() {
        semaphore.acquire()
    }

    override fun acquireAsync(): Task<Void?> {
        val loop = openCurrentLoop()
        if (semaphore.tryAcquire()) return loop.doneVoid
        return OpTask(loop, { release() }) {
            acquireSuspending()
            null
        }
    }

    override fun tryAcquire(): Boolean = semaphore.tryAcquire()

    override fun release() {
        if (bounded && permits == 0) throw tooMany()
        try {
            semaphore.release()
        } catch (e: IllegalStateException) {
            throw if (bounded) tooMany() else IllegalStateException("AsyncSemaphore released more than ${Int.MAX_VALUE} times")
        }
    }

    private fun tooMany() = IllegalStateException("bounded AsyncSemaphore released too many times: it has all its $permits permits")

    override fun <T> withPermit(body: Callable<out T>): T {
        Objects.requireNonNull(body, "body")
        takeBlocking("AsyncSemaphore.withPermit()")
        return SyncBlocking.guarded("AsyncSemaphore.withPermit()", body) { release() }
    }

    override fun <T> withPermitAsync(body: Supplier<out CompletionStage<out T>>): Task<T> {
        Objects.requireNonNull(body, "body")
        return guardedTask(openCurrentLoop(), "AsyncSemaphore.withPermitAsync()", { acquireSuspending() }, { release() }, body)
    }

    /**
     * kotlinx's count: for a bounded semaphore, capped at the bound, because a refused release
     * raises kotlinx's counter above it for a moment before it throws (its acquirers never take
     * that excess, but its availablePermits shows it; lincheck caught it).
     */
    override fun availablePermits(): Int {
        val n = semaphore.availablePermits
        return if (bounded && n > permits) permits else n
    }

    override fun isLocked(): Boolean = availablePermits() == 0

    override fun isBounded(): Boolean = bounded

    override fun toString(): String =
        "AsyncSemaphore(${if (bounded) "bounded $permits, " else ""}available=${semaphore.availablePermits})"
}
