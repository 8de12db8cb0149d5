/*
 * asyncio.Condition over a LockImpl. Each waiter is a CompletableDeferred in a
 * FIFO set, as each of asyncio's is a future in a deque; completing it is the signal, and the
 * deferred's own completion is the one atomic decision between a signal and the waiter's
 * cancellation:
 *
 *   waiter registered ──signal: complete() wins──▶ signalled ──▶ takes the lock back, returns
 *        │                                              └─cancelled before it returns: passes the signal on
 *        └──cancelled: its own complete() wins──▶ withdrawn ──▶ takes the lock back, throws
 *
 * A waiter registers before it releases the lock, so a signal sent by the next holder of the
 * lock always finds it. The lock is taken back NonCancellable: a wait always ends with the lock
 * held, cancelled or not, as asyncio's does. A signal that reached a waiter which then ends
 * cancelled is passed to the next waiter (asyncio 3.13 does the same); the extra wake-up this may
 * cause is a spurious one, which condition variables allow.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.sync.AsyncCondition
import dev.aio4j.sync.AsyncLock
import java.util.Objects
import java.util.concurrent.CancellationException
import java.util.function.BooleanSupplier
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext

internal class ConditionImpl(@JvmField val lockImpl: LockImpl) : AsyncCondition, AsyncLock by lockImpl {
    /** The waiters, first come first; guarded by itself. */
    private val waiters = LinkedHashSet<CompletableDeferred<Unit>>()

    private fun checkHeld(what: String) {
        if (!lockImpl.isLocked()) throw IllegalStateException("$what requires the condition's lock to be held")
    }

    /**
     * Releases the lock, waits for a signal, takes the lock back. Returns normally when signalled
     * (true: a signal was consumed); throws the cancellation otherwise, with the lock held.
     */
    suspend fun awaitSignal(): Boolean {
        val waiter = CompletableDeferred<Unit>()
        synchronized(waiters) { waiters.add(waiter) }
        try {
            lockImpl.release()
        } catch (e: IllegalStateException) { // someone released the lock since the caller's check
            synchronized(waiters) { waiters.remove(waiter) }
            throw IllegalStateException("the condition's lock must be held to wait")
        }
        try {
            waiter.await()
            return true
        } catch (e: CancellationException) {
            synchronized(waiters) { waiters.remove(waiter) }
            if (!waiter.complete(Unit)) signalWaiters(1) // a signal got here first: hand it on
            throw e
        } finally {
            withContext(NonCancellable) { lockImpl.acquireSuspending() }
        }
    }

    /** asyncio's wait_for(predicate); true if a signal was consumed on the way. */
    suspend fun awaitPredicate(predicate: BooleanSupplier): Boolean {
        var consumed = false
        while (!predicate.asBoolean) consumed = awaitSignal() or consumed
        return consumed
    }

    override fun await() {
        checkHeld("AsyncCondition.await()")
        SyncBlocking.enter("AsyncCondition.await()")
        SyncBlocking.await("AsyncCondition.await()") { awaitSignal() }
    }

    override fun awaitAsync(): Task<Void?> {
        checkHeld("AsyncCondition.awaitAsync()")
        return waitTask { awaitSignal() }
    }

    override fun awaitUntil(predicate: BooleanSupplier) {
        Objects.requireNonNull(predicate, "predicate")
        checkHeld("AsyncCondition.awaitUntil()")
        SyncBlocking.enter("AsyncCondition.awaitUntil()")
        if (predicate.asBoolean) return
        SyncBlocking.await("AsyncCondition.awaitUntil()") { awaitPredicate(predicate) }
    }

    override fun awaitUntilAsync(predicate: BooleanSupplier): Task<Void?> {
        Objects.requireNonNull(predicate, "predicate")
        checkHeld("AsyncCondition.awaitUntilAsync()")
        return waitTask { awaitPredicate(predicate) }
    }

    /**
     * The task of a wait whose [body] tells whether it consumed a signal: if the task ends
     * cancelled although the body returned (a cancel that raced with its end), the signal is
     * passed on.
     */
    private fun waitTask(body: suspend () -> Boolean): Task<Void?> {
        val loop = openCurrentLoop()
        val consumed = Flag()
        return OpTask<Void?>(loop, { if (consumed.value) signalWaiters(1) }) {
            consumed.value = body()
            null
        }
    }

    private class Flag {
        @JvmField var value = false
    }

    override fun signal() = signal(1)

    override fun signal(n: Int) {
        require(n >= 0) { "n must not be negative: $n" }
        checkHeld("AsyncCondition.signal()")
        signalWaiters(n)
    }

    override fun signalAll() {
        checkHeld("AsyncCondition.signalAll()")
        signalWaiters(Int.MAX_VALUE)
    }

    /** Wakes up to [n] waiters that are still waiting; returns how many. */
    private fun signalWaiters(n: Int): Int {
        var woken = 0
        synchronized(waiters) {
            val i = waiters.iterator()
            while (woken < n && i.hasNext()) {
                val waiter = i.next()
                i.remove()
                if (waiter.complete(Unit)) woken++
            }
        }
        return woken
    }

    override fun toString(): String = "AsyncCondition(${if (lockImpl.isLocked) "locked" else "unlocked"}, waiters=${synchronized(waiters) { waiters.size }})"
}
