/*
 * asyncio.Lock on kotlinx's Mutex, which already has asyncio's semantics: FIFO waiters, no
 * barging past them (tryLock succeeds only when no one waits), no owner (locked with owner null),
 * and prompt cancellation that releases a lock handed to a waiter cancelled in the meantime.
 * Uncontended lock() and acquireAsync() take the Mutex with tryLock and make no coroutine.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.sync.AsyncLock
import dev.aio4j.sync.Held
import java.util.Objects
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import java.util.function.Supplier
import kotlinx.coroutines.sync.Mutex

internal class LockImpl : AsyncLock {
    @JvmField val mutex: Mutex = Mutex()
    private val releaser = Runnable { release() }

    override fun lock(): Held {
        takeBlocking("AsyncLock.lock()")
        return HeldHandle(releaser, "lock")
    }

    /** Takes the lock, parking the calling thread (the blocking rules of SyncBlocking). */
    fun takeBlocking(what: String) {
        SyncBlocking.enter(what)
        if (!mutex.tryLock()) SyncBlocking.await(what) { acquireSuspending() }
    }

    /** The suspend form of acquire, which both styles run: kotlinx's Mutex.lock without an owner. */
    suspend fun acquireSuspending() {
        mutex.lock()
    }

    override fun acquireAsync(): Task<Void?> {
        val loop = openCurrentLoop()
        if (mutex.tryLock()) return loop.doneVoid
        return OpTask(loop, { release() }) {
            acquireSuspending()
            null
        }
    }

    override fun tryLock(): Boolean = mutex.tryLock()

    override fun release() {
        try {
            mutex.unlock()
        } catch (e: IllegalStateException) {
            throw IllegalStateException("release() of an AsyncLock that is not locked")
        }
    }

    override fun <T> withLock(body: Callable<out T>): T {
        Objects.requireNonNull(body, "body")
        takeBlocking("AsyncLock.withLock()")
        return SyncBlocking.guarded("AsyncLock.withLock()", body) { release() }
    }

    override fun <T> withLockAsync(body: Supplier<out CompletionStage<out T>>): Task<T> {
        Objects.requireNonNull(body, "body")
        return guardedTask(openCurrentLoop(), "AsyncLock.withLockAsync()", { acquireSuspending() }, { release() }, body)
    }

    override fun isLocked(): Boolean = mutex.isLocked

    override fun toString(): String = "AsyncLock(${if (mutex.isLocked) "locked" else "unlocked"})"
}
