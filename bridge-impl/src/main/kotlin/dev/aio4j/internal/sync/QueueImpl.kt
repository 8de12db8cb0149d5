/*
 * asyncio.Queue, LifoQueue and PriorityQueue (with task_done/join and 3.13's shutdown).
 *
 * Not a kotlinx Channel, for three reasons: a Channel is FIFO only (no LIFO, no priority); its
 * receive drops an element handed to a receiver cancelled at that moment unless the channel has an
 * onUndeliveredElement, which can only dispose of the element, not deliver it nor put it back; and
 * it has no size, task_done/join, nor a shutdown that fails waiting senders while receivers drain
 * what is left. So the queue is its own structure: the items (a [QueueStore]), the waiting
 * getters, putters and joiners (FIFO sets of [Waiter]), the count of unfinished items and the
 * shut-down flag, all guarded by one lock whose critical sections are short, never park and never
 * complete a task. Every operation takes effect under the lock, which makes the queue
 * linearizable (lincheck checks it); waiters served there are completed after it is released
 * (Waiters.kt).
 *
 * Invariants, under the lock:
 *   - a getter waits only while there is no item: a put hands its item to the first getter;
 *   - a putter waits only while the queue is full: a get lets the first putter's item in;
 *   - once shut down, no getter or putter waits;
 *   - unfinished = items put - taskDone() calls - items discarded by an immediate shutdown, and
 *     joiners wait only while it is positive.
 * Items given back by a cancelled getter task (a path no API call takes, see QueueTask) may take
 * the queue above maxSize for a moment.
 *
 * Each operation exists as a task (QueueTask waiters), as a blocking method (ParkWaiter), as a
 * suspend function (ContWaiter) that the lincheck tests call, and without waiting.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.sync.AsyncQueue
import dev.aio4j.sync.QueueEmptyException
import dev.aio4j.sync.QueueFullException
import dev.aio4j.sync.QueueShutDownException
import java.util.Objects
import java.util.concurrent.CancellationException
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume

internal class QueueImpl<T : Any>(private val store: QueueStore<T>, private val maxSize: Int) : AsyncQueue<T> {
    /** Guards everything below. */
    @JvmField val monitor = Any()
    private val getters = WaiterList()
    private val putters = WaiterList()
    private val joiners = WaiterList()
    private var unfinished = 0
    @Volatile private var shutDown = false

    /**
     * The waiters served by one operation, to complete once the lock is released. Made only when
     * an operation serves someone: the helpers below take the one made so far, or null, and
     * return it (or a new one) with the waiter added.
     */
    private class Served {
        private var first: Waiter? = null
        private var more: ArrayList<Waiter>? = null

        fun add(w: Waiter): Served {
            if (first == null) first = w else (more ?: ArrayList<Waiter>().also { more = it }).add(w)
            return this
        }

        fun deliver() {
            first?.deliver()
            more?.forEach { it.deliver() }
        }
    }

    private fun Served?.with(w: Waiter): Served = (this ?: Served()).add(w)

    // ------------------------------------------------------------------ under the lock

    private fun fullLocked(): Boolean = maxSize > 0 && store.size >= maxSize

    /** Serves the first waiter of [waiters] still waiting with [value]; returns it, or null. */
    private fun grantFirst(waiters: WaiterList, value: Any?): Waiter? {
        while (true) {
            val w = waiters.poll() ?: return null
            if (w.tryGrant(value)) return w
        }
    }

    /** Serves every waiter of [waiters] with [value]. */
    private fun grantAll(waiters: WaiterList, value: Any?, served: Served): Served {
        while (true) {
            val w = waiters.poll() ?: return served
            if (w.tryGrant(value)) served.add(w)
        }
    }

    /** Puts [item]: to the first waiting getter, else into the store. Throws only what the store's comparator throws. */
    private fun addLocked(item: Any?, served: Served?): Served? {
        val getter = grantFirst(getters, item)
        @Suppress("UNCHECKED_CAST")
        if (getter == null) store.add(item as T)
        unfinished++
        return if (getter == null) served else served.with(getter)
    }

    /** Lets waiting putters in while there is room: each one's item is put now. */
    private fun admitPuttersLocked(served: Served?): Served? {
        var s = served
        while (!fullLocked()) {
            val putter = grantFirst(putters, Unit) ?: return s
            try {
                s = addLocked(putter.putItem, s)
            } catch (e: Throwable) { // the comparator threw: this put fails, the room goes to the next
                putter.fail(e)
            }
            s = s.with(putter)
        }
        return s
    }

    /** Takes the next item (there is one) and lets a putter in; the putters served go to [served]. */
    private fun takeLocked(served: Served): T {
        val item = store.take()
        admitPuttersLocked(served)
        return item
    }


    // ------------------------------------------------------------- shared by the waiters

    /** A served getter task that ended cancelled anyway: its item goes back, or to the next getter. */
    fun giveBack(item: Any?) {
        val getter = synchronized(monitor) {
            grantFirst(getters, item).also {
                @Suppress("UNCHECKED_CAST")
                if (it == null) store.giveBack(item as T)
            }
        }
        getter?.deliver()
    }

    /**
     * Suspends [waiter] until served. [immediately] runs under the lock first: it returns the value
     * the operation is served with at once, or null to wait in [waiters]. Returns the value served
     * with, even if the coroutine was cancelled after being served (see Waiters.kt).
     */
    private suspend inline fun awaitServed(
        waiter: ContWaiter,
        waiters: WaiterList,
        crossinline immediately: (Served) -> Any?,
    ): Any? {
        try {
            val value = suspendCancellableCoroutine { cont ->
                waiter.cont = cont
                val served = Served()
                val now = synchronized(monitor) {
                    immediately(served).also { if (it == null) waiters.add(waiter) else waiter.served(it) }
                }
                served.deliver()
                if (now != null) {
                    cont.resume(now)
                } else {
                    cont.invokeOnCancellation { waiter.unlink(monitor) }
                }
            }
            waiter.failure?.let { throw it }
            return value
        } catch (e: CancellationException) {
            if (!waiter.granted || waiter.value === SHUT_DOWN) throw e
            waiter.failure?.let { throw it }
            return waiter.value
        }
    }

    // -------------------------------------------------------------------------- put

    override fun putNow(item: T) {
        Objects.requireNonNull(item, "item")
        if (!tryPut(item)) throw QueueFullException("the AsyncQueue is full: $maxSize items")
    }

    /** Puts without waiting if there is room; false if full. */
    private fun tryPut(item: T): Boolean {
        val served = synchronized(monitor) {
            if (shutDown) throw QueueShutDownException(shutDownMessage(Role.PUT))
            if (fullLocked()) return false
            addLocked(item, null)
        }
        served?.deliver()
        return true
    }

    override fun put(item: T) {
        Objects.requireNonNull(item, "item")
        SyncBlocking.enter("AsyncQueue.put()")
        var waiter: ParkWaiter? = null
        val served = synchronized(monitor) {
            when {
                shutDown -> throw QueueShutDownException(shutDownMessage(Role.PUT))
                fullLocked() -> {
                    waiter = ParkWaiter(item).also { putters.add(it) }
                    null
                }
                else -> addLocked(item, null)
            }
        }
        served?.deliver()
        val w = waiter ?: return
        if (w.await(monitor, "AsyncQueue.put()") === SHUT_DOWN) throw QueueShutDownException(shutDownMessage(Role.PUT))
    }

    /** The suspend form of put: waits for room (cancellable); once its item is in, it returns. */
    suspend fun putSuspending(item: T) {
        val served = awaitServed(ContWaiter(item), putters) { s ->
            when {
                shutDown -> SHUT_DOWN
                fullLocked() -> null
                else -> {
                    addLocked(item, s)
                    Unit
                }
            }
        }
        if (served === SHUT_DOWN) throw QueueShutDownException(shutDownMessage(Role.PUT))
    }

    override fun putAsync(item: T): Task<Void?> {
        Objects.requireNonNull(item, "item")
        val loop = openCurrentLoop()
        var served: Served? = null
        var waiter: QueueTask<Void?>? = null
        val wasShutDown: Boolean
        synchronized(monitor) {
            wasShutDown = shutDown
            when {
                shutDown -> {}
                fullLocked() -> waiter = QueueTask<Void?>(loop, this, Role.PUT, item).also { putters.add(it) }
                else -> served = addLocked(item, null)
            }
        }
        served?.deliver()
        waiter?.let { return it }
        return if (wasShutDown) failedTask(loop, QueueShutDownException(shutDownMessage(Role.PUT))) else loop.doneVoid
    }

    // -------------------------------------------------------------------------- get

    override fun getNow(): T {
        val item: T
        val served = synchronized(monitor) {
            if (store.isEmpty()) {
                throw if (shutDown) QueueShutDownException(shutDownMessage(Role.GET)) else QueueEmptyException("the AsyncQueue is empty")
            }
            item = store.take()
            admitPuttersLocked(null)
        }
        served?.deliver()
        return item
    }

    override fun get(): T {
        SyncBlocking.enter("AsyncQueue.get()")
        var item: Any? = null
        var waiter: ParkWaiter? = null
        val served = synchronized(monitor) {
            when {
                !store.isEmpty() -> {
                    item = store.take()
                    admitPuttersLocked(null)
                }
                shutDown -> throw QueueShutDownException(shutDownMessage(Role.GET))
                else -> {
                    waiter = ParkWaiter(null).also { getters.add(it) }
                    null
                }
            }
        }
        served?.deliver()
        waiter?.let { item = it.await(monitor, "AsyncQueue.get()") }
        if (item === SHUT_DOWN) throw QueueShutDownException(shutDownMessage(Role.GET))
        @Suppress("UNCHECKED_CAST")
        return item as T
    }

    /** The suspend form of get: waits for an item (cancellable); once handed one, it returns it. */
    suspend fun getSuspending(): T {
        val served = awaitServed(ContWaiter(null), getters) { s ->
            when {
                !store.isEmpty() -> takeLocked(s)
                shutDown -> SHUT_DOWN
                else -> null
            }
        }
        if (served === SHUT_DOWN) throw QueueShutDownException(shutDownMessage(Role.GET))
        @Suppress("UNCHECKED_CAST")
        return served as T
    }

    override fun getAsync(): Task<T> {
        val loop = openCurrentLoop()
        var served: Served? = null
        var waiter: QueueTask<T>? = null
        var item: Any? = null
        synchronized(monitor) {
            when {
                !store.isEmpty() -> {
                    item = store.take()
                    served = admitPuttersLocked(null)
                }
                shutDown -> {}
                else -> waiter = QueueTask<T>(loop, this, Role.GET, null).also { getters.add(it) }
            }
        }
        served?.deliver()
        waiter?.let { return it }
        @Suppress("UNCHECKED_CAST")
        return if (item == null) failedTask(loop, QueueShutDownException(shutDownMessage(Role.GET))) else doneTask(loop, item as T)
    }

    // -------------------------------------------------------------------- task_done, join

    override fun taskDone() {
        val served = synchronized(monitor) {
            check(unfinished > 0) { "AsyncQueue.taskDone() called more times than there were items put" }
            unfinished--
            if (unfinished == 0 && !joiners.isEmpty()) grantAll(joiners, Unit, Served()) else null
        }
        served?.deliver()
    }

    override fun join() {
        SyncBlocking.enter("AsyncQueue.join()")
        val waiter = synchronized(monitor) { if (unfinished == 0) return else ParkWaiter(null).also { joiners.add(it) } }
        waiter.await(monitor, "AsyncQueue.join()")
    }

    /** The suspend form of join. */
    suspend fun joinSuspending() {
        awaitServed(ContWaiter(null), joiners) { if (unfinished == 0) Unit else null }
    }

    override fun joinAsync(): Task<Void?> {
        val loop = openCurrentLoop()
        synchronized(monitor) {
            if (unfinished > 0) return QueueTask<Void?>(loop, this, Role.JOIN, null).also { joiners.add(it) }
        }
        return loop.doneVoid
    }

    // -------------------------------------------------------------------------- shutdown

    override fun shutdown() = shutdown(false)

    override fun shutdown(immediate: Boolean) {
        val served = Served()
        synchronized(monitor) {
            shutDown = true
            if (immediate) {
                while (!store.isEmpty()) {
                    store.take()
                    if (unfinished > 0) unfinished--
                }
                if (unfinished == 0) grantAll(joiners, Unit, served)
            }
            grantAll(getters, SHUT_DOWN, served)
            grantAll(putters, SHUT_DOWN, served)
        }
        served.deliver()
    }

    override fun isShutDown(): Boolean = shutDown

    // ---------------------------------------------------------------------------- sizes

    override fun size(): Int = synchronized(monitor) { store.size }

    override fun isEmpty(): Boolean = synchronized(monitor) { store.isEmpty() }

    override fun isFull(): Boolean = synchronized(monitor) { fullLocked() }

    override fun maxSize(): Int = maxSize

    override fun toString(): String = synchronized(monitor) {
        "AsyncQueue(${store.javaClass.simpleName.lowercase()}, size=${store.size}${if (maxSize > 0) "/$maxSize" else ""}" +
            "${if (shutDown) ", shut down" else ""}, getters=${getters.size}, putters=${putters.size})"
    }
}
