/*
 * asyncio.Queue, LifoQueue and PriorityQueue (with task_done/join and 3.13's shutdown).
 *
 * Not a kotlinx Channel, for three reasons: a Channel is FIFO only (no LIFO, no priority); its
 * receive drops an element handed to a receiver cancelled at that moment unless the channel has an
 * onUndeliveredElement, which can only dispose of the element, not deliver it nor put it back; and
 * it has no size, task_done/join, nor a shutdown that fails waiting senders while receivers drain
 * what is left. So the queue is its own structure: the items (a [QueueStore]), the waiting
 * getters, putters and joiners (FIFO lines of [Waiter]s, Waiters.kt), the count of unfinished
 * items and the shut-down flag, all guarded by one lock whose critical sections are short, never
 * park and never complete a task. Every operation takes effect under the lock, which makes the
 * queue linearizable (lincheck checks it); waiters served there are completed after it is
 * released ([locked]).
 *
 * A grant is the operation taking effect, under the lock: a getter is handed its item (taken out
 * of the queue); a putter's item goes into the queue (or straight to a waiting getter); a joiner
 * is let go; getters and putters of a queue being shut down get [SHUT_DOWN]. A served blocking
 * waiter completes normally: the grant wins over an interrupt that comes after it, as the JDK's
 * blocking queues let an operation that has succeeded return with the interrupt still pending. A
 * served getAsync task cancelled before its completing step (its cancel(), a follower's, a group,
 * a closing loop, its Kotlin awaiter) gives its item back at once, and so does one whose Kotlin
 * awaiter was cancelled after it completed but before the coroutine resumed (WaiterTask); a
 * putAsync task whose item was let in has taken effect and completes normally.
 *
 * Invariants, under the lock:
 *   - a getter waits only while there is no item: a put hands its item to the first getter;
 *   - a putter waits only while the queue is full: a get lets the first putter's item in;
 *   - once shut down, no getter or putter waits;
 *   - unfinished = items put - taskDone() calls - items discarded by an immediate shutdown, and
 *     joiners wait only while it is positive.
 * Items given back by a cancelled getter task (see WaiterTask) may take the queue above maxSize
 * for a moment.
 *
 * Each waiting operation is written once ([put], [get], [join]), taking the caller's WaitForm: the
 * blocking methods and the ...Async ones are one-line callers (asyncio's put is a wait loop
 * followed by put_nowait; here the wait and the put are one step under the lock).
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.requireArgument

import dev.aio4j.Task
import dev.aio4j.sync.AsyncQueue
import dev.aio4j.sync.QueueEmptyException
import dev.aio4j.sync.QueueFullException
import dev.aio4j.sync.QueueShutDownException
import dev.aio4j.internal.EventLoop
import java.util.Objects
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock

internal class QueueImpl<T : Any>(private val store: QueueStore<T>, private val maxSize: Int) : AsyncQueue<T> {
    /** Guards everything below. */
    @JvmField val monitor = ReentrantLock()
    private val getters = WaiterList()
    private val putters = WaiterList()
    private val joiners = WaiterList()
    private var unfinished = 0
    /** How many items a put has handed straight to a waiting getter (modulo 2^32): their order, should they come back. */
    private var grants = 0
    @Volatile private var shutDown = false

    /** The waiters served in the current critical section, completed by [locked] once it is over. */
    private var served: Waiter? = null
    private var servedMore: ArrayList<Waiter>? = null

    /** The three waiting operations, as their waiters see them. */
    @JvmField val getOp = Op(Role.GET, "AsyncQueue.get()")
    @JvmField val putOp = Op(Role.PUT, "AsyncQueue.put()")
    @JvmField val joinOp = Op(Role.JOIN, "AsyncQueue.join()")

    inner class Op(private val role: Role, what: String) : WaitOp(monitor, what) {
        override fun outcome(value: Any?): Result<Any?> = when {
            value === SHUT_DOWN -> Result.failure(QueueShutDownException(shutDownMessage(role)))
            role == Role.GET -> Result.success(value)
            else -> Result.success(null)
        }

        override val undoes: Boolean get() = role == Role.GET

        /**
         * A served getter that ended cancelled anyway: its item goes to the next getter, keeping its
         * grant's number, else back into the store, to the place it would have had if no getter had
         * taken it (see QueueStore.giveBack).
         */
        override fun undo(value: Any?, seq: Int) {
            if (value === SHUT_DOWN) return
            locked {
                val next = getters.grantFirst(value)
                @Suppress("UNCHECKED_CAST")
                if (next == null) {
                    store.giveBack(value as T, seq)
                } else {
                    next.grantSeq = seq
                    servedLocked(next)
                }
            }
        }
    }

    // ------------------------------------------------------------------ under the lock

    /** Runs [block] under the lock, then completes the waiters it served. */
    private inline fun <V> locked(block: () -> V): V {
        var first: Waiter? = null
        var more: ArrayList<Waiter>? = null
        val v = monitor.withLock {
            try {
                block()
            } finally {
                first = served
                if (first != null) { // no store when none was served: the producer's and the consumer's steps share this object's line
                    more = servedMore
                    served = null
                    servedMore = null
                }
            }
        }
        first?.deliver()
        more?.forEach { it.deliver() }
        return v
    }

    /** Under the lock: [w] was served, to complete once the lock is released. */
    private fun servedLocked(w: Waiter) {
        if (served == null) served = w else (servedMore ?: ArrayList<Waiter>().also { servedMore = it }).add(w)
    }

    private fun fullLocked(): Boolean = maxSize > 0 && store.size >= maxSize

    /** Serves every waiter of [waiters] with [value]. */
    private fun grantAllLocked(waiters: WaiterList, value: Any?) {
        while (true) servedLocked(waiters.grantFirst(value) ?: return)
    }

    /**
     * Puts [item]: to the first waiting getter (numbered: [grants]), else into the store. Throws
     * only what the store's comparator throws.
     */
    private fun addLocked(item: Any?) {
        val getter = getters.grantFirst(item)
        @Suppress("UNCHECKED_CAST")
        if (getter == null) {
            store.add(item as T)
        } else {
            getter.grantSeq = ++grants
            servedLocked(getter)
        }
        unfinished++
    }

    /** Takes the next item (there is one) and lets waiting putters in while there is room. */
    private fun takeLocked(): T {
        val item = store.take()
        while (!fullLocked()) {
            val putter = putters.grantFirst(Unit) ?: break
            try {
                addLocked(putter.putItem)
            } catch (e: Throwable) { // the comparator threw: this put fails, the room goes to the next
                putter.fail(e)
            }
            servedLocked(putter)
        }
        return item
    }

    /**
     * The one body of a waiting operation: under the lock, [now] returns the value [op] takes effect
     * with at once, or null to wait in [waiters] as a waiter of [form].
     */
    private inline fun operate(form: WaitForm, loop: EventLoop?, op: Op, waiters: WaiterList, putItem: Any?, now: () -> Any?): Any? {
        var waiter: Waiter? = null
        val value = locked {
            form.checkLocked(op)
            now() ?: form.waiter(op, putItem, loop).also { waiters.add(it); waiter = it }
        }
        val w = waiter ?: return form.now(op, value, loop)
        return form.waitFor(op, w)
    }

    // -------------------------------------------------------------------------- put

    /** asyncio's put: waits for room as [form] says, then puts [item]. */
    fun put(item: T, form: WaitForm, loop: EventLoop?): Any? = operate(form, loop, putOp, putters, item) {
        when {
            shutDown -> SHUT_DOWN
            fullLocked() -> null
            else -> addLocked(item)
        }
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun put(item: T?) {
        requireArgument(item, "item", "AsyncQueue.put")
        SyncBlocking.enter(putOp.what)
        put(item, PARK, null)
    }

    @Suppress("UNCHECKED_CAST", "WRONG_TYPE_FOR_JAVA_OVERRIDE") // the argument is checked below: see Arguments.kt
    override fun putAsync(item: T?): Task<Void?> {
        requireArgument(item, "item", "AsyncQueue.putAsync")
        return put(item, TASK, openCurrentLoop()) as Task<Void?>
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun putNow(item: T?) {
        requireArgument(item, "item", "AsyncQueue.putNow")
        locked {
            if (shutDown) throw QueueShutDownException(shutDownMessage(Role.PUT))
            if (fullLocked()) throw QueueFullException("the AsyncQueue is full: $maxSize items")
            addLocked(item)
        }
    }

    // -------------------------------------------------------------------------- get

    /** asyncio's get: waits for an item as [form] says, and takes it. */
    fun get(form: WaitForm, loop: EventLoop?): Any? = operate(form, loop, getOp, getters, null) {
        when {
            !store.isEmpty() -> takeLocked()
            shutDown -> SHUT_DOWN
            else -> null
        }
    }

    @Suppress("UNCHECKED_CAST")
    override fun get(): T {
        SyncBlocking.enter(getOp.what)
        return get(PARK, null) as T
    }

    @Suppress("UNCHECKED_CAST")
    override fun getAsync(): Task<T> = get(TASK, openCurrentLoop()) as Task<T>

    override fun getNow(): T = locked {
        when {
            !store.isEmpty() -> takeLocked()
            shutDown -> throw QueueShutDownException(shutDownMessage(Role.GET))
            else -> throw QueueEmptyException("the AsyncQueue is empty")
        }
    }

    // -------------------------------------------------------------------- task_done, join

    override fun taskDone() = locked {
        check(unfinished > 0) { "AsyncQueue.taskDone() called more times than there were items put" }
        unfinished--
        if (unfinished == 0) grantAllLocked(joiners, Unit)
    }

    /** asyncio's join: waits as [form] says until every item put has been marked done. */
    fun join(form: WaitForm, loop: EventLoop?): Any? = operate(form, loop, joinOp, joiners, null) {
        if (unfinished == 0) Unit else null
    }

    override fun join() {
        SyncBlocking.enter(joinOp.what)
        join(PARK, null)
    }

    @Suppress("UNCHECKED_CAST")
    override fun joinAsync(): Task<Void?> = join(TASK, openCurrentLoop()) as Task<Void?>

    // -------------------------------------------------------------------------- shutdown

    override fun shutdown() = shutdown(false)

    override fun shutdown(immediate: Boolean) = locked {
        shutDown = true
        if (immediate) {
            while (!store.isEmpty()) {
                store.take()
                if (unfinished > 0) unfinished--
            }
            if (unfinished == 0) grantAllLocked(joiners, Unit)
        }
        grantAllLocked(getters, SHUT_DOWN)
        grantAllLocked(putters, SHUT_DOWN)
    }

    override fun isShutDown(): Boolean = shutDown

    // ---------------------------------------------------------------------------- sizes

    override fun size(): Int = monitor.withLock { store.size }

    override fun isEmpty(): Boolean = monitor.withLock { store.isEmpty() }

    override fun isFull(): Boolean = monitor.withLock { fullLocked() }

    override fun maxSize(): Int = maxSize

    override fun toString(): String = monitor.withLock {
        "AsyncQueue(${store.javaClass.simpleName.lowercase()}, size=${store.size}${if (maxSize > 0) "/$maxSize" else ""}" +
            "${if (shutDown) ", shut down" else ""}, getters=${getters.size}, putters=${putters.size})"
    }
}

/** What a grant hands to the waiters of a queue that is shut down. */
internal object SHUT_DOWN

internal enum class Role {
    GET,
    PUT,
    JOIN,
}

internal fun shutDownMessage(role: Role): String = when (role) {
    Role.GET -> "get from an AsyncQueue that is shut down and empty"
    else -> "put to an AsyncQueue that is shut down"
}
