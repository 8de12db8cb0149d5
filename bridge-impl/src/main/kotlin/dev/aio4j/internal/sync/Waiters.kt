/*
 * Waiting in the primitives that are their own structures (AsyncQueue; AsyncLock and
 * AsyncSemaphore, whose structure is PermitGate): a waiter is
 * served under its owner's lock with [Waiter.tryGrant], the single atomic decision between being
 * served and being cancelled, and completed with [Waiter.deliver] once that lock is released, so
 * that no task completion and no user code runs under it. Kinds of waiter:
 *   WaiterTask   a task (of getAsync, acquireAsync...) that is itself the waiter; a served one
 *                completes in a step of its loop (see WaiterTask)
 *   ParkWaiter   a thread parked in a blocking method
 *   ContWaiter   a suspended coroutine (QueueWaiters.kt)
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.Current
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.TaskImpl
import dev.aio4j.internal.requireArgument
import java.util.Objects
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.concurrent.locks.LockSupport

internal interface Waiter {
    /** A queue putter's item; null for every other waiter. */
    val putItem: Any? get() = null

    /** The links of the [WaiterList] this waiter is in (or null), written under its owner's lock only. */
    var list: WaiterList?
    var prev: Waiter?
    var next: Waiter?

    /** Under its owner's lock: serves this waiter with [value]; false if it has been cancelled. */
    fun tryGrant(value: Any?): Boolean

    /** Under its owner's lock, after a successful [tryGrant]: the operation failed after all (a comparator threw). */
    fun fail(exception: Throwable)

    /** Outside the lock, after a successful [tryGrant]: completes the wait. */
    fun deliver()
}

/**
 * A FIFO of waiters linked through the waiters themselves: add, poll and the removal of a
 * cancelled waiter in constant time, without allocating. Guarded by its owner's lock.
 */
internal class WaiterList {
    private var head: Waiter? = null
    private var tail: Waiter? = null
    var size: Int = 0
        private set

    fun isEmpty(): Boolean = head == null

    fun add(w: Waiter) {
        w.list = this
        w.prev = tail
        w.next = null
        val t = tail
        if (t == null) head = w else t.next = w
        tail = w
        size++
    }

    /** Removes [w] if it is in this list. */
    fun remove(w: Waiter) {
        if (w.list !== this) return
        val p = w.prev
        val n = w.next
        if (p == null) head = n else p.next = n
        if (n == null) tail = p else n.prev = p
        w.list = null
        w.prev = null
        w.next = null
        size--
    }

    fun poll(): Waiter? = head?.also { remove(it) }
}

/** Removes [this] from the list it waits in, if any; [monitor] guards the list. */
internal fun Waiter.unlink(monitor: Any) {
    synchronized(monitor) { list?.remove(this) }
}

/**
 * A task that is itself a waiter: served or cancelled, whichever CASes [state] first. Its cancel()
 * claims the waiter before it cancels the task, so a served task cannot end cancelled by
 * Task.cancel. A served task completes in a step of its loop, as asyncio wakes a waiter's future
 * with call_soon: never on the stack of the call that served it (whose caller goes on with its own
 * work first: a producer and a consumer move items in batches instead of ping-ponging one at a
 * time), and never on another thread (what a non-blocking caller chained to it runs on the loop).
 * A job cancelled some other way after the grant (no API path does: each goes through Task.cancel;
 * a closing loop does) still ends cancelled; with [undoesOnCancel], [undo] then gives back what
 * the grant handed over.
 */
internal abstract class WaiterTask<R>(loop: EventLoop, private val monitor: Any, undoesOnCancel: Boolean) :
    TaskImpl<R>(loop, null, RUNNING), Waiter, Runnable, (Throwable?) -> Unit {
    @Volatile private var state = WAITING
    private var value: Any? = null
    private var failure: Throwable? = null
    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null

    init {
        start(loop.taskContext) // in the constructor, as before the start protocol: the wait structure's rework moves it to the factories
        if (undoesOnCancel) job.invokeOnCompletion(this)
    }

    /** The task's outcome for what it was served with. */
    protected abstract fun outcome(value: Any?, failure: Throwable?): Result<R>

    /** Gives back what a grant handed over to a task that ended cancelled anyway. */
    protected open fun undo(value: Any?) {}

    override fun tryGrant(value: Any?): Boolean {
        if (!STATE.compareAndSet(this, WAITING, GRANTED)) return false
        this.value = value
        return true
    }

    override fun fail(exception: Throwable) {
        failure = exception
    }

    /** Completes the served task in a step of its loop. */
    override fun deliver() {
        eventLoop.enqueue(this)
    }

    override fun run() {
        tryFinish(outcome(value, failure))
    }

    /** Claims the waiter for a cancellation: true if it was waiting (it is withdrawn now) or withdrawn already. */
    private fun withdraw(): Boolean {
        if (STATE.compareAndSet(this, WAITING, WITHDRAWN)) {
            unlink(monitor)
            return true
        }
        return state == WITHDRAWN
    }

    override fun cancel(): Boolean = withdraw() && super.cancel()

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun cancel(message: String?): Boolean {
        requireArgument(message, "message", "Task.cancel")
        return withdraw() && super.cancel(message)
    }

    /** Any cancellation of the job; through cancel() the waiter is withdrawn already. */
    override fun onCancelRequested(cause: Throwable) {
        if (withdraw()) tryFinish(Result.failure(cause))
    }

    /** Completion handler (with undoesOnCancel): a served task that ended cancelled gives back what it got. */
    override fun invoke(cause: Throwable?) {
        if (cause != null && state == GRANTED && failure == null) undo(value)
    }

    private companion object {
        const val WAITING = 0
        const val GRANTED = 1
        const val WITHDRAWN = 2
        val STATE: AtomicIntegerFieldUpdater<WaiterTask<*>> = AtomicIntegerFieldUpdater.newUpdater(WaiterTask::class.java, "state")
    }
}

/**
 * A thread parked in a blocking method (a queue's put, get, join; a lock's or a semaphore's
 * acquire), as a thread waits in ArrayBlockingQueue's condition: no coroutine, no event loop,
 * woken by unpark once served. [state] goes WAITING → GRANTED (under its owner's lock) →
 * DELIVERED (once that lock is released, after which the waiter may read what it was served
 * with), or WAITING → WITHDRAWN when the thread is interrupted first. The interrupt rule is SyncBlocking's: served first, the operation returns
 * and the interrupt stays set; interrupted first, it is undone (withdrawn) and throws.
 */
internal class ParkWaiter(override val putItem: Any?) : Waiter {
    private val thread: Thread = Thread.currentThread()
    @Volatile private var state = WAITING
    private var value: Any? = null
    private var failure: Throwable? = null
    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null

    override fun tryGrant(value: Any?): Boolean {
        if (!STATE.compareAndSet(this, WAITING, GRANTED)) return false
        this.value = value
        return true
    }

    override fun fail(exception: Throwable) {
        failure = exception
    }

    override fun deliver() {
        state = DELIVERED // publishes value and failure, written before it
        LockSupport.unpark(thread)
    }

    /**
     * Spins [spins] times, then parks, until served; returns what it was served with (or throws
     * the failure it was served with); an interrupt while still waiting withdraws it from its list
     * (guarded by [monitor]) and throws a cancellation.
     */
    fun await(monitor: Any, what: String, spins: Int = 0): Any? {
        var interrupted = false
        var spinsLeft = spins
        while (state != DELIVERED) {
            if (spinsLeft > 0) {
                spinsLeft--
                Thread.onSpinWait()
                continue
            }
            if (Thread.interrupted()) {
                if (STATE.compareAndSet(this, WAITING, WITHDRAWN)) {
                    unlink(monitor)
                    throw Current.cancellationForInterrupt(what)
                }
                interrupted = true // served already: wait for the delivery, return, keep the interrupt
            } else {
                LockSupport.park(this)
            }
        }
        if (interrupted) Thread.currentThread().interrupt()
        failure?.let { throw it }
        return value
    }

    private companion object {
        const val WAITING = 0
        const val GRANTED = 1
        const val WITHDRAWN = 2
        const val DELIVERED = 3
        val STATE: AtomicIntegerFieldUpdater<ParkWaiter> = AtomicIntegerFieldUpdater.newUpdater(ParkWaiter::class.java, "state")
    }
}
