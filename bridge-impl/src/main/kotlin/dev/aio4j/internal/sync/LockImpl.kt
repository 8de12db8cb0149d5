/*
 * asyncio.Lock: FIFO waiters, no barging past them, no owner, and a release that hands the lock
 * straight to the first waiter still waiting (asyncio wakes the first waiter and lets nobody
 * barge while it wakes up; handing over directly gives the same order without the window).
 *
 * Its own structure rather than kotlinx's Mutex, for the same reason as AsyncQueue: the waiters
 * are whatever the caller can afford. A task waits as itself (AcquireTask, GuardedTask: no
 * coroutine), a blocking caller as its parked thread (ParkWaiter: no runBlocking), and the
 * suspend form (lincheck, the condition) as a continuation. All of it under one monitor whose
 * critical sections are short and never run user code (Waiters.kt).
 *
 * Invariant, under the monitor: a waiter waits only while the lock is locked; a release with a
 * waiter left keeps the lock locked and hands it over.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.internal.EventLoop
import dev.aio4j.sync.AsyncLock
import dev.aio4j.sync.Held
import java.util.Objects
import java.util.concurrent.Callable
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletionStage
import java.util.function.Supplier
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume

internal class LockImpl : AsyncLock {
    /** Guards [locked] (written under it, read without it by isLocked) and [waiters]. */
    @JvmField val monitor = Any()
    @Volatile private var locked = false
    private val waiters = WaiterList()
    private val releaser = Runnable { release() }

    /** Under the monitor: takes the lock if it is free (true), else adds [waiter] to the waiters. */
    private fun takeOrEnqueueLocked(waiter: Waiter): Boolean {
        if (!locked) {
            locked = true
            return true
        }
        waiters.add(waiter)
        return false
    }

    override fun tryLock(): Boolean = synchronized(monitor) {
        if (locked) false else true.also { locked = true }
    }

    override fun release() {
        val next = synchronized(monitor) {
            check(locked) { "release() of an AsyncLock that is not locked" }
            var w: Waiter?
            do {
                w = waiters.poll()
            } while (w != null && !w.tryGrant(Unit))
            if (w == null) locked = false
            w
        }
        next?.deliver()
    }

    // ------------------------------------------------------------------------- blocking

    override fun lock(): Held {
        takeBlocking("AsyncLock.lock()")
        return HeldHandle(releaser, "lock")
    }

    /** Takes the lock, parking the calling thread (the blocking rules of SyncBlocking). */
    private fun takeBlocking(what: String) {
        SyncBlocking.enter(what)
        if (tryLock()) return
        val waiter = ParkWaiter(null)
        if (synchronized(monitor) { takeOrEnqueueLocked(waiter) }) return
        waiter.await(monitor, what)
    }

    override fun <T> withLock(body: Callable<out T>): T {
        Objects.requireNonNull(body, "body")
        takeBlocking("AsyncLock.withLock()")
        return SyncBlocking.guarded("AsyncLock.withLock()", body) { release() }
    }

    // ------------------------------------------------------------------------- suspend

    /**
     * The suspend form of acquire (the lincheck tests, AsyncCondition). Cancellable while it waits;
     * a lock handed over to it as it was being cancelled is released again (kotlinx's prompt
     * cancellation: the coroutine resumes with the cancellation, not with the lock).
     */
    suspend fun acquireSuspending() {
        if (tryLock()) return
        val waiter = ContWaiter(null)
        try {
            suspendCancellableCoroutine<Any?> { cont ->
                waiter.cont = cont
                if (synchronized(monitor) { takeOrEnqueueLocked(waiter) }) {
                    waiter.served(Unit)
                    cont.resume(Unit)
                } else {
                    cont.invokeOnCancellation { waiter.unlink(monitor) }
                }
            }
        } catch (e: CancellationException) {
            if (waiter.granted) release()
            throw e
        }
    }

    // ---------------------------------------------------------------------- non-blocking

    override fun acquireAsync(): Task<Void?> {
        val loop = openCurrentLoop()
        if (tryLock()) return loop.doneVoid
        val task = AcquireTask(loop, this)
        return if (synchronized(monitor) { takeOrEnqueueLocked(task) }) task.also { it.tookAtOnce() } else task
    }

    override fun <T> withLockAsync(body: Supplier<out CompletionStage<out T>>): Task<T> {
        Objects.requireNonNull(body, "body")
        val task = GuardedTask(openCurrentLoop(), this, "AsyncLock.withLockAsync()", body)
        if (tryLock() || synchronized(monitor) { takeOrEnqueueLocked(task) }) task.tookAtOnce()
        return task
    }

    override fun isLocked(): Boolean = locked

    override fun toString(): String = "AsyncLock(${if (locked) "locked" else "unlocked"}, waiters=${synchronized(monitor) { waiters.size }})"
}

/** The task of acquireAsync when the lock is taken: it waits as itself; one that ends cancelled once handed the lock releases it. */
internal class AcquireTask(loop: EventLoop, private val lock: LockImpl) : WaiterTask<Void?>(loop, lock.monitor, undoesOnCancel = true) {
    override val putItem: Any? get() = null

    /** The lock was free after all when the task was made: it is served at once. */
    fun tookAtOnce() {
        tryGrant(Unit)
        tryFinish(Result.success(null))
    }

    override fun outcome(value: Any?, failure: Throwable?): Result<Void?> = Result.success(null)

    override fun undo(value: Any?) = lock.release()

    override fun toString(): String = super.toString()
}
