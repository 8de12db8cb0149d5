/*
 * Sequential specifications for the lincheck tests: what each primitive does, written the plain
 * single-threaded way, independent of the implementations (lincheck checks that every concurrent
 * run matches some order of these). Waiters are continuations resumed with tryResume, which fails
 * for one that lincheck has cancelled, so a cancelled waiter is simply skipped.
 */
@file:OptIn(InternalCoroutinesApi::class)

package dev.aio4j.internal.sync

import dev.aio4j.sync.QueueEmptyException
import dev.aio4j.sync.QueueFullException
import dev.aio4j.sync.QueueShutDownException
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.suspendCancellableCoroutine

/** Resumes the continuation unless it was cancelled; whether it did. */
internal fun <T> CancellableContinuation<T>.resumeIfWaiting(value: T): Boolean {
    val token = tryResume(value) ?: return false
    completeResume(token)
    return true
}

class SequentialLock {
    private var locked = false
    private val waiters = ArrayDeque<CancellableContinuation<Unit>>()

    fun tryLock(): Boolean {
        if (locked) return false
        locked = true
        return true
    }

    suspend fun acquire() {
        if (tryLock()) return
        suspendCancellableCoroutine { waiters.addLast(it) }
    }

    fun release() {
        check(locked) { "not locked" }
        while (waiters.isNotEmpty()) if (waiters.removeFirst().resumeIfWaiting(Unit)) return // handed over
        locked = false
    }

    fun isLocked(): Boolean = locked
}

open class SequentialSemaphore(private var available: Int, private val bound: Int?) {
    private val waiters = ArrayDeque<CancellableContinuation<Unit>>()

    fun tryAcquire(): Boolean {
        if (available == 0) return false
        available--
        return true
    }

    suspend fun acquire() {
        if (tryAcquire()) return
        suspendCancellableCoroutine { waiters.addLast(it) }
    }

    fun release() {
        while (waiters.isNotEmpty()) if (waiters.removeFirst().resumeIfWaiting(Unit)) return
        check(bound == null || available < bound) { "released too many times" }
        available++
    }

    fun availablePermits(): Int = available
}

class SequentialSemaphoreOf1 : SequentialSemaphore(1, null)

class SequentialBoundedSemaphoreOf2 : SequentialSemaphore(2, 2)

class SequentialEvent {
    private var isSet = false
    private val waiters = ArrayList<CancellableContinuation<Unit>>()

    fun set() {
        isSet = true
        for (w in waiters) w.resumeIfWaiting(Unit)
        waiters.clear()
    }

    fun clear() {
        isSet = false
    }

    fun isSet(): Boolean = isSet

    /** An await that is served at once or given up (CancelledWaitersLincheckTests.kt): set() serves for good. */
    fun awaitOrGiveUp(): Boolean = isSet

    suspend fun await() {
        if (isSet) return
        suspendCancellableCoroutine { waiters.add(it) }
    }
}

/** asyncio's Queue with task_done/join and shutdown; [take] picks the next item. */
abstract class SequentialQueue(private val maxSize: Int) {
    private val items = ArrayList<Int>()
    private val getters = ArrayDeque<CancellableContinuation<Any>>()
    private val putters = ArrayDeque<Pair<CancellableContinuation<Any>, Int>>()
    private val joiners = ArrayList<CancellableContinuation<Unit>>()
    private var unfinished = 0
    private var shutDown = false

    /** Removes and returns the next item of [items] (not empty). */
    protected abstract fun take(items: MutableList<Int>): Int

    private fun full() = maxSize > 0 && items.size >= maxSize

    private fun add(item: Int) {
        unfinished++
        while (getters.isNotEmpty()) if (getters.removeFirst().resumeIfWaiting(item)) return
        items.add(item)
    }

    private fun takeAndAdmit(): Int {
        val item = take(items)
        while (!full() && putters.isNotEmpty()) {
            val (putter, putItem) = putters.removeFirst()
            if (putter.resumeIfWaiting(Unit)) add(putItem)
        }
        return item
    }

    fun putNow(item: Int) {
        if (shutDown) throw QueueShutDownException("shut down")
        if (full()) throw QueueFullException("full")
        add(item)
    }

    suspend fun put(item: Int) {
        if (shutDown) throw QueueShutDownException("shut down")
        if (!full()) return add(item)
        val outcome = suspendCancellableCoroutine { putters.addLast(it to item) }
        if (outcome === SHUT_DOWN) throw QueueShutDownException("shut down")
    }

    fun getNow(): Int {
        if (items.isEmpty()) throw if (shutDown) QueueShutDownException("shut down") else QueueEmptyException("empty")
        return takeAndAdmit()
    }

    suspend fun get(): Int {
        if (items.isNotEmpty()) return takeAndAdmit()
        if (shutDown) throw QueueShutDownException("shut down")
        val outcome = suspendCancellableCoroutine { getters.addLast(it) }
        if (outcome === SHUT_DOWN) throw QueueShutDownException("shut down")
        return outcome as Int
    }

    fun size(): Int = items.size

    fun taskDone() {
        check(unfinished > 0) { "too many taskDone()" }
        unfinished--
        if (unfinished == 0) releaseJoiners()
    }

    private fun releaseJoiners() {
        for (j in joiners) j.resumeIfWaiting(Unit)
        joiners.clear()
    }

    suspend fun join() {
        if (unfinished == 0) return
        suspendCancellableCoroutine { joiners.add(it) }
    }

    fun shutdown() {
        shutDown = true
        for (g in getters) g.resumeIfWaiting(SHUT_DOWN)
        getters.clear()
        for ((p, _) in putters) p.resumeIfWaiting(SHUT_DOWN)
        putters.clear()
    }

    fun shutdownNow() {
        while (items.isNotEmpty()) {
            take(items)
            if (unfinished > 0) unfinished--
        }
        if (unfinished == 0) releaseJoiners()
        shutdown()
    }
}

class SequentialFifoQueueOf2 : SequentialQueue(2) {
    override fun take(items: MutableList<Int>): Int = items.removeAt(0)
}

class SequentialPriorityQueueOf2 : SequentialQueue(2) {
    override fun take(items: MutableList<Int>): Int = items.removeAt(items.indices.minBy { items[it] })
}
