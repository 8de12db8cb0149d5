/*
 * asyncio.Queue, LifoQueue and PriorityQueue (with task_done/join and 3.13's shutdown).
 *
 * Not a kotlinx Channel, for three reasons: a Channel is FIFO only (no LIFO, no priority); its
 * receive drops an element handed to a receiver cancelled at that moment unless the channel has an
 * onUndeliveredElement, which can only dispose of the element, not put it back at its place; and it
 * has no size, task_done/join, nor a shutdown that fails waiting senders while receivers drain
 * what is left. So the queue is its own structure: the items (a [QueueStore]), the waiting
 * getters, putters and joiners (FIFO sets of [QueueWaiter]), and two counters, all guarded by one
 * lock whose critical sections are short, never park and never complete a task. Waiters are
 * served under the lock and completed after it is released (see QueueWaiters.kt).
 *
 * Invariants, under the lock:
 *   - a getter waits only while there is no item: a put hands its item to the first getter;
 *   - a putter waits only while the queue is full (size + reserved >= maxSize): a get lets the
 *     first putter in, by reserving it a slot that its commit fills;
 *   - once shut down, no getter or putter waits;
 *   - unfinished = items put (committed) - taskDone() calls - items discarded by an immediate
 *     shutdown, and joiners wait only while it is positive.
 * Items given back by a cancelled getter may take the queue above maxSize for a moment.
 *
 * Each operation exists as a task (QueueTask waiters), as a suspend function (ContWaiter) that
 * the blocking methods run in runBlocking and the lincheck tests call, and without waiting.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.internal.TaskImpl
import dev.aio4j.sync.AsyncQueue
import dev.aio4j.sync.QueueEmptyException
import dev.aio4j.sync.QueueFullException
import dev.aio4j.sync.QueueShutDownException
import java.util.Objects
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume

internal class QueueImpl<T : Any>(private val store: QueueStore<T>, private val maxSize: Int) : AsyncQueue<T> {
    private val lock = Any()
    private val getters = LinkedHashSet<QueueWaiter>()
    private val putters = LinkedHashSet<QueueWaiter>()
    private val joiners = LinkedHashSet<QueueWaiter>()
    private var reserved = 0
    private var unfinished = 0
    @Volatile private var shutDown = false

    private val undeliveredItem: (Throwable, Any?, CoroutineContext) -> Unit = { _, value, _ -> if (value !== SHUT_DOWN) giveBack(value) }
    private val undeliveredSlot: (Throwable, Any?, CoroutineContext) -> Unit = { _, value, _ -> if (value !== SHUT_DOWN) dropReservation() }

    // ------------------------------------------------------------------ under the lock

    private fun fullLocked(): Boolean = maxSize > 0 && store.size + reserved >= maxSize

    /** Serves the first getter still waiting with [value]; returns it, or null if none took it. */
    private fun grantFirst(waiters: LinkedHashSet<QueueWaiter>, value: Any?): QueueWaiter? {
        val i = waiters.iterator()
        while (i.hasNext()) {
            val w = i.next()
            i.remove()
            if (w.tryGrant(value)) return w
        }
        return null
    }

    /** Serves every waiter of [waiters] with [value]; returns those that took it. */
    private fun grantAll(waiters: LinkedHashSet<QueueWaiter>, value: Any?): List<QueueWaiter> {
        if (waiters.isEmpty()) return emptyList()
        val served = ArrayList<QueueWaiter>(waiters.size)
        for (w in waiters) if (w.tryGrant(value)) served.add(w)
        waiters.clear()
        return served
    }

    /** A committed item: to the first waiting getter, else into the store. */
    private fun addLocked(item: Any?): QueueWaiter? {
        val getter = grantFirst(getters, item)
        @Suppress("UNCHECKED_CAST")
        if (getter == null) store.add(item as T)
        unfinished++
        return getter
    }

    /** After a slot was freed: lets the first waiting putter in, with a reserved slot. */
    private fun admitPutterLocked(): QueueWaiter? {
        if (putters.isEmpty() || fullLocked()) return null
        val putter = grantFirst(putters, Unit) ?: return null
        reserved++
        return putter
    }

    // ------------------------------------------------------------- shared by the waiters

    /** A granted putter fills its reserved slot with [item]. */
    fun commit(item: Any?) {
        var getter: QueueWaiter? = null
        var putter: QueueWaiter? = null
        var failure: Throwable? = null
        synchronized(lock) {
            reserved--
            try {
                getter = addLocked(item)
            } catch (e: Throwable) { // the comparator threw: the put fails, the slot goes to the next putter
                failure = e
                putter = admitPutterLocked()
            }
        }
        getter?.deliver()
        putter?.deliver()
        failure?.let { throw it }
    }

    /** A granted putter that was cancelled before it could fill its slot. */
    fun dropReservation() {
        val putter: QueueWaiter?
        synchronized(lock) {
            reserved--
            putter = admitPutterLocked()
        }
        putter?.deliver()
    }

    /** A granted getter that was cancelled before it could take its item: back to the queue, or to the next getter. */
    fun giveBack(item: Any?) {
        var getter: QueueWaiter?
        synchronized(lock) {
            getter = grantFirst(getters, item)
            @Suppress("UNCHECKED_CAST")
            if (getter == null) store.giveBack(item as T)
        }
        getter?.deliver()
    }

    /** A cancelled waiter leaves its set. */
    fun unlink(waiter: QueueWaiter, role: Role) {
        synchronized(lock) {
            when (role) {
                Role.GET -> getters.remove(waiter)
                Role.PUT -> putters.remove(waiter)
                Role.JOIN -> joiners.remove(waiter)
            }
        }
    }

    // -------------------------------------------------------------------------- put

    override fun putNow(item: T) {
        Objects.requireNonNull(item, "item")
        val getter: QueueWaiter?
        synchronized(lock) {
            if (shutDown) throw QueueShutDownException(shutDownMessage(Role.PUT))
            if (fullLocked()) throw QueueFullException("the AsyncQueue is full: $maxSize items")
            getter = addLocked(item)
        }
        getter?.deliver()
    }

    /** Puts without waiting if there is room; false if full. */
    private fun tryPut(item: T): Boolean {
        val getter: QueueWaiter?
        synchronized(lock) {
            if (shutDown) throw QueueShutDownException(shutDownMessage(Role.PUT))
            if (fullLocked()) return false
            getter = addLocked(item)
        }
        getter?.deliver()
        return true
    }

    override fun put(item: T) {
        Objects.requireNonNull(item, "item")
        SyncBlocking.enter("AsyncQueue.put()")
        if (!tryPut(item)) SyncBlocking.await("AsyncQueue.put()") { putSuspending(item) }
    }

    /** The suspend form of put: waits for a slot (cancellable), then fills it. */
    suspend fun putSuspending(item: T) {
        val granted = suspendCancellableCoroutine { cont ->
            var immediate: Any? = null
            val waiter = ContWaiter(cont, undeliveredSlot)
            synchronized(lock) {
                when {
                    shutDown -> immediate = SHUT_DOWN
                    !fullLocked() -> {
                        reserved++
                        immediate = Unit
                    }
                    else -> putters.add(waiter)
                }
            }
            if (immediate != null) {
                cont.resume(immediate, undeliveredSlot)
            } else {
                cont.invokeOnCancellation { unlink(waiter, Role.PUT) }
            }
        }
        if (granted === SHUT_DOWN) throw QueueShutDownException(shutDownMessage(Role.PUT))
        commit(item)
    }

    override fun putAsync(item: T): Task<Void?> {
        Objects.requireNonNull(item, "item")
        val loop = openCurrentLoop()
        var getter: QueueWaiter? = null
        var waiter: QueueTask<Void?>? = null
        val isShutDown: Boolean
        synchronized(lock) {
            isShutDown = shutDown
            when {
                shutDown -> {}
                !fullLocked() -> getter = addLocked(item)
                else -> waiter = QueueTask<Void?>(loop, this, Role.PUT, item).also { putters.add(it) }
            }
        }
        getter?.deliver()
        waiter?.let { return it }
        return if (isShutDown) failedTask(loop, QueueShutDownException(shutDownMessage(Role.PUT))) else doneTask(loop, null)
    }

    // -------------------------------------------------------------------------- get

    override fun getNow(): T {
        val item: T
        val putter: QueueWaiter?
        synchronized(lock) {
            if (store.isEmpty()) {
                throw if (shutDown) QueueShutDownException(shutDownMessage(Role.GET)) else QueueEmptyException("the AsyncQueue is empty")
            }
            item = store.take()
            putter = admitPutterLocked()
        }
        putter?.deliver()
        return item
    }

    override fun get(): T {
        SyncBlocking.enter("AsyncQueue.get()")
        var item: T? = null
        var putter: QueueWaiter? = null
        synchronized(lock) {
            if (!store.isEmpty()) {
                item = store.take()
                putter = admitPutterLocked()
            }
        }
        putter?.deliver()
        return item ?: SyncBlocking.await("AsyncQueue.get()") { getSuspending() }
    }

    /** The suspend form of get: waits for an item (cancellable); an item handed over as it is cancelled goes back. */
    suspend fun getSuspending(): T {
        val value = suspendCancellableCoroutine { cont ->
            var immediate: Any? = null
            var putter: QueueWaiter? = null
            val waiter = ContWaiter(cont, undeliveredItem)
            synchronized(lock) {
                when {
                    !store.isEmpty() -> {
                        immediate = store.take()
                        putter = admitPutterLocked()
                    }
                    shutDown -> immediate = SHUT_DOWN
                    else -> getters.add(waiter)
                }
            }
            putter?.deliver()
            if (immediate != null) {
                cont.resume(immediate, undeliveredItem)
            } else {
                cont.invokeOnCancellation { unlink(waiter, Role.GET) }
            }
        }
        if (value === SHUT_DOWN) throw QueueShutDownException(shutDownMessage(Role.GET))
        @Suppress("UNCHECKED_CAST")
        return value as T
    }

    override fun getAsync(): Task<T> {
        val loop = openCurrentLoop()
        var putter: QueueWaiter? = null
        var item: T? = null
        val result: TaskImpl<T>?
        synchronized(lock) {
            result = when {
                !store.isEmpty() -> {
                    item = store.take()
                    putter = admitPutterLocked()
                    null
                }
                shutDown -> null
                else -> QueueTask<T>(loop, this, Role.GET, null).also { getters.add(it) }
            }
        }
        putter?.deliver()
        if (result != null) return result
        val taken = item ?: return failedTask(loop, QueueShutDownException(shutDownMessage(Role.GET)))
        return doneTask(loop, taken)
    }

    // -------------------------------------------------------------------- task_done, join

    override fun taskDone() {
        val served: List<QueueWaiter>
        synchronized(lock) {
            check(unfinished > 0) { "AsyncQueue.taskDone() called more times than there were items put" }
            unfinished--
            served = if (unfinished == 0) grantAll(joiners, Unit) else emptyList()
        }
        for (w in served) w.deliver()
    }

    override fun join() {
        SyncBlocking.enter("AsyncQueue.join()")
        if (synchronized(lock) { unfinished == 0 }) return
        SyncBlocking.await("AsyncQueue.join()") { joinSuspending() }
    }

    /** The suspend form of join. */
    suspend fun joinSuspending() {
        suspendCancellableCoroutine { cont ->
            val waiter = ContWaiter(cont, null)
            val done = synchronized(lock) {
                if (unfinished > 0) joiners.add(waiter)
                unfinished == 0
            }
            if (done) cont.resume(Unit) else cont.invokeOnCancellation { unlink(waiter, Role.JOIN) }
        }
    }

    override fun joinAsync(): Task<Void?> {
        val loop = openCurrentLoop()
        synchronized(lock) {
            if (unfinished == 0) return doneTask(loop, null)
            return QueueTask<Void?>(loop, this, Role.JOIN, null).also { joiners.add(it) }
        }
    }

    // -------------------------------------------------------------------------- shutdown

    override fun shutdown() = shutdown(false)

    override fun shutdown(immediate: Boolean) {
        val served = ArrayList<QueueWaiter>()
        synchronized(lock) {
            shutDown = true
            if (immediate) {
                while (!store.isEmpty()) {
                    store.take()
                    if (unfinished > 0) unfinished--
                }
                if (unfinished == 0) served.addAll(grantAll(joiners, Unit))
            }
            served.addAll(grantAll(getters, SHUT_DOWN))
            served.addAll(grantAll(putters, SHUT_DOWN))
        }
        for (w in served) w.deliver()
    }

    override fun isShutDown(): Boolean = shutDown

    // ---------------------------------------------------------------------------- sizes

    override fun size(): Int = synchronized(lock) { store.size }

    override fun isEmpty(): Boolean = synchronized(lock) { store.isEmpty() }

    override fun isFull(): Boolean = synchronized(lock) { fullLocked() }

    override fun maxSize(): Int = maxSize

    override fun toString(): String = synchronized(lock) {
        "AsyncQueue(${store.javaClass.simpleName.lowercase()}, size=${store.size}${if (maxSize > 0) "/$maxSize" else ""}" +
            "${if (shutDown) ", shut down" else ""}, getters=${getters.size}, putters=${putters.size})"
    }
}
