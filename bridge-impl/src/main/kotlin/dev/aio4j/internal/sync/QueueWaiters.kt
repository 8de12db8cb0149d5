/*
 * The getters, putters and joiners that wait in an AsyncQueue. The queue serves one under its
 * lock with [QueueWaiter.tryGrant], the single atomic decision between being served and being
 * cancelled, and completes it with [QueueWaiter.deliver] once the lock is released (so that no
 * task completion, and no user callback that it runs, happens under the lock).
 *
 * A grant is the operation taking effect, under the lock: a getter is handed its item (taken out
 * of the queue); a putter's item goes into the queue (or straight to a waiting getter); a joiner
 * is let go; getters and putters of a queue being shut down get [SHUT_DOWN]. So a served waiter
 * always completes normally: the grant wins over a cancellation that comes after it, as the
 * JDK's blocking queues and locks let an operation that has succeeded return with the interrupt
 * still pending. Nothing is undone, and no item is lost or duplicated.
 *
 * Two kinds:
 *   QueueTask    a task of getAsync/putAsync/joinAsync, itself the waiter. Served or cancelled,
 *                whichever CASes [QueueTask.state] first. Its cancel() claims the waiter before
 *                it cancels the task, so a served task cannot end cancelled by Task.cancel.
 *                A served task completes in a step of its loop, as asyncio wakes a waiter's
 *                future with call_soon: never on the stack of the put or get that served it
 *                (whose caller goes on with its own work first, so a producer and a consumer
 *                move items in batches instead of ping-ponging one at a time), and never on
 *                another thread (what a non-blocking caller chained to it runs on the loop).
 *   ParkWaiter   a thread parked in a blocking method (put, get, join): served by a grant, woken
 *                by unpark.
 *   ContWaiter   a suspended coroutine of the suspend operations (lincheck calls them
 *                directly): served with kotlinx's tryResume, which fails once the coroutine
 *                is cancelled. A coroutine cancelled after tryResume succeeded is
 *                resumed with the cancellation (kotlinx's prompt cancellation); the suspend
 *                operation then catches it and returns what it was served with.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.Current
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.TaskImpl
import dev.aio4j.sync.QueueShutDownException
import java.util.Objects
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.concurrent.locks.LockSupport
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job

internal interface QueueWaiter {
    /** A putter's item; null for getters and joiners. */
    val putItem: Any?

    /** The links of the [WaiterList] this waiter is in (or null), written under the queue's lock only. */
    var list: WaiterList?
    var prev: QueueWaiter?
    var next: QueueWaiter?

    /** Under the queue's lock: serves this waiter with [value]; false if it has been cancelled. */
    fun tryGrant(value: Any?): Boolean

    /** Under the queue's lock, after a successful [tryGrant]: the operation failed after all (a comparator threw). */
    fun fail(exception: Throwable)

    /** Outside the lock, after a successful [tryGrant]: completes the wait. */
    fun deliver()
}

/**
 * A FIFO of waiters linked through the waiters themselves: add, poll and the removal of a
 * cancelled waiter in constant time, without allocating. Guarded by the queue's lock.
 */
internal class WaiterList {
    private var head: QueueWaiter? = null
    private var tail: QueueWaiter? = null
    var size: Int = 0
        private set

    fun isEmpty(): Boolean = head == null

    fun add(w: QueueWaiter) {
        w.list = this
        w.prev = tail
        w.next = null
        val t = tail
        if (t == null) head = w else t.next = w
        tail = w
        size++
    }

    /** Removes [w] if it is in this list. */
    fun remove(w: QueueWaiter) {
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

    fun poll(): QueueWaiter? = head?.also { remove(it) }
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

/** A getAsync/putAsync/joinAsync task waiting in [queue]. */
internal class QueueTask<R>(
    loop: EventLoop,
    private val queue: QueueImpl<*>,
    private val role: Role,
    override val putItem: Any?,
) : TaskImpl<R>(loop, loop.taskContext, null, RUNNING, runsCoroutine = false), QueueWaiter, Runnable, (Throwable?) -> Unit {
    @Volatile private var state = WAITING
    private var value: Any? = null
    private var failure: Throwable? = null
    override var list: WaiterList? = null
    override var prev: QueueWaiter? = null
    override var next: QueueWaiter? = null

    init {
        job.attach(loop.taskContext[Job])
        if (role == Role.GET) job.invokeOnCompletion(this)
    }

    override fun tryGrant(value: Any?): Boolean {
        if (!STATE.compareAndSet(this, WAITING, GRANTED)) return false
        this.value = value
        return true
    }

    override fun fail(exception: Throwable) {
        failure = exception
    }

    /** Completes the served task in a step of its loop (see the file comment). */
    override fun deliver() {
        eventLoop.enqueue(this)
    }

    @Suppress("UNCHECKED_CAST")
    override fun run() {
        val v = value
        tryFinish(
            when {
                failure != null -> Result.failure(failure!!)
                v === SHUT_DOWN -> Result.failure(QueueShutDownException(shutDownMessage(role)))
                role == Role.GET -> Result.success(v as R)
                else -> Result.success(null as R)
            },
        )
    }

    /** Claims the waiter for a cancellation: true if it was waiting (it is withdrawn now) or withdrawn already. */
    private fun withdraw(): Boolean {
        if (STATE.compareAndSet(this, WAITING, WITHDRAWN)) {
            queue.unlink(this, role)
            return true
        }
        return state == WITHDRAWN
    }

    override fun cancel(): Boolean = withdraw() && super.cancel()

    override fun cancel(message: String): Boolean {
        Objects.requireNonNull(message, "message")
        return withdraw() && super.cancel(message)
    }

    /**
     * Any cancellation of the job. Through cancel() the waiter is withdrawn already. A job cancelled
     * some other way after the grant (no API path does: every one goes through Task.cancel) still
     * ends cancelled; [invoke] then gives a getter's item back to the queue.
     */
    override fun onCancelRequested(cause: Throwable) {
        if (withdraw()) tryFinish(Result.failure(cause))
    }

    /** Completion handler of a getter: a served getter that ended cancelled gives its item back. */
    override fun invoke(cause: Throwable?) {
        if (cause != null && state == GRANTED && failure == null && value !== SHUT_DOWN) queue.giveBack(value)
    }

    override fun toString(): String = super.toString()

    private companion object {
        const val WAITING = 0
        const val GRANTED = 1
        const val WITHDRAWN = 2
        val STATE: AtomicIntegerFieldUpdater<QueueTask<*>> = AtomicIntegerFieldUpdater.newUpdater(QueueTask::class.java, "state")
    }
}

/** A coroutine suspended in one of [QueueImpl]'s suspend operations; see the file comment. */
@OptIn(InternalCoroutinesApi::class)
internal class ContWaiter(override val putItem: Any?) : QueueWaiter {
    lateinit var cont: CancellableContinuation<Any?>
    private var token: Any? = null
    override var list: WaiterList? = null
    override var prev: QueueWaiter? = null
    override var next: QueueWaiter? = null

    /** Set under the lock when served (or done at once); read by the coroutine after it resumes. */
    @Volatile @JvmField var granted = false
    @JvmField var value: Any? = null
    @JvmField var failure: Throwable? = null

    override fun tryGrant(value: Any?): Boolean {
        token = cont.tryResume(value, null)
        if (token == null) return false
        served(value)
        return true
    }

    /** Records that the operation took effect with [value] (by a grant, or at once). */
    fun served(value: Any?) {
        this.value = value
        granted = true
    }

    override fun fail(exception: Throwable) {
        failure = exception
    }

    override fun deliver() {
        cont.completeResume(token!!)
    }
}

/**
 * A thread parked in one of the queue's blocking methods (put, get, join), as a thread waits in
 * ArrayBlockingQueue's condition: no coroutine, no event loop, woken by unpark once served.
 * [state] goes WAITING → GRANTED (under the queue's lock) → DELIVERED (once the lock is released,
 * after which the waiter may read what it was served with), or WAITING → WITHDRAWN when the thread
 * is interrupted first. The interrupt rule is SyncBlocking's: served first, the operation returns
 * and the interrupt stays set; interrupted first, it is undone (withdrawn) and throws.
 */
internal class ParkWaiter(override val putItem: Any?) : QueueWaiter {
    private val thread: Thread = Thread.currentThread()
    @Volatile private var state = WAITING
    private var value: Any? = null
    private var failure: Throwable? = null
    override var list: WaiterList? = null
    override var prev: QueueWaiter? = null
    override var next: QueueWaiter? = null

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
     * Parks until served and returns what it was served with (or throws the failure it was served
     * with); an interrupt while still waiting withdraws it from [queue] and throws a cancellation.
     */
    fun await(queue: QueueImpl<*>, role: Role, what: String): Any? {
        var interrupted = false
        while (state != DELIVERED) {
            if (Thread.interrupted()) {
                if (STATE.compareAndSet(this, WAITING, WITHDRAWN)) {
                    queue.unlink(this, role)
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
