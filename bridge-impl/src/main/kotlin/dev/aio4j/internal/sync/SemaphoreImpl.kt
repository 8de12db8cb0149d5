/*
 * asyncio.Semaphore and BoundedSemaphore: a PermitGate (FIFO waiters, a try-acquire that never
 * barges past them, a release that hands its permit straight to the first waiter). asyncio's
 * plain Semaphore has no bound (a release may raise the count above the initial one; here up to
 * Int.MAX_VALUE); BoundedSemaphore(n) refuses a release that would raise it above n, before it
 * wakes anyone, so a BoundedSemaphore(0) (legal in asyncio, useless) refuses every release.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.requireArgument

import dev.aio4j.Task
import dev.aio4j.sync.AsyncSemaphore
import dev.aio4j.sync.Held
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage

internal class SemaphoreImpl(private val permits: Int, private val bounded: Boolean) : AsyncSemaphore {
    @JvmField val gate = PermitGate(permits, if (bounded) permits else Int.MAX_VALUE, "AsyncSemaphore.acquire()", "AsyncSemaphore.withPermitAsync()")
    private val releaser = Runnable { release() }

    override fun acquire(): Held = gate.acquireHeld(releaser, "permit")

    override fun acquireAsync(): Task<Void?> = gate.acquireAsync()

    override fun tryAcquire(): Boolean = gate.tryTake()

    override fun release() {
        if (!gate.give()) {
            throw if (bounded) {
                IllegalStateException("bounded AsyncSemaphore released too many times: it has all its $permits permits")
            } else {
                IllegalStateException("AsyncSemaphore released more than ${Int.MAX_VALUE} times")
            }
        }
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun <T> withPermit(body: Callable<out T>?): T {
        requireArgument(body, "body", "AsyncSemaphore.withPermit")
        return gate.withPermit("AsyncSemaphore.withPermit()", body) { release() }
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun <T> withPermitAsync(body: Callable<out CompletionStage<out T>>?): Task<T> {
        requireArgument(body, "body", "AsyncSemaphore.withPermitAsync")
        return gate.guardedAsync(body)
    }

    override fun availablePermits(): Int = gate.available

    override fun isLocked(): Boolean = gate.available == 0

    override fun isBounded(): Boolean = bounded

    override fun toString(): String =
        "AsyncSemaphore(${if (bounded) "bounded $permits, " else ""}available=${gate.available}, waiters=${gate.waiting()})"
}
