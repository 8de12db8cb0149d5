/*
 * The getters, putters and joiners that wait in an AsyncQueue. The queue serves one under its
 * lock with [Waiter.tryGrant], the single atomic decision between being served and being
 * cancelled, and completes it with [Waiter.deliver] once the lock is released (so that no
 * task completion, and no user callback that it runs, happens under the lock).
 *
 * A grant is the operation taking effect, under the lock: a getter is handed its item (taken out
 * of the queue); a putter's item goes into the queue (or straight to a waiting getter); a joiner
 * is let go; getters and putters of a queue being shut down get [SHUT_DOWN]. So a served waiter
 * always completes normally: the grant wins over a cancellation that comes after it, as the
 * JDK's blocking queues and locks let an operation that has succeeded return with the interrupt
 * still pending. Nothing is undone, and no item is lost or duplicated.
 *
 * The kinds of waiter are in Waiters.kt: QueueTask (below) is a WaiterTask; the blocking methods
 * park on a ParkWaiter; the suspend operations (which lincheck calls directly) wait as a
 * ContWaiter (below), served with kotlinx's tryResume, which fails once the coroutine is
 * cancelled. A coroutine cancelled after tryResume succeeded is resumed with the cancellation
 * (kotlinx's prompt cancellation); the suspend operation then catches it and returns what it was
 * served with.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.EventLoop
import dev.aio4j.sync.QueueShutDownException
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.InternalCoroutinesApi

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

/** A getAsync/putAsync/joinAsync task waiting in [queue]; a getter that ends cancelled once served gives its item back. */
internal class QueueTask<R>(
    loop: EventLoop,
    private val queue: QueueImpl<*>,
    private val role: Role,
    override val putItem: Any?,
) : WaiterTask<R>(loop, queue.monitor, undoesOnCancel = role == Role.GET) {

    @Suppress("UNCHECKED_CAST")
    override fun outcome(value: Any?, failure: Throwable?): Result<R> = when {
        failure != null -> Result.failure(failure)
        value === SHUT_DOWN -> Result.failure(QueueShutDownException(shutDownMessage(role)))
        role == Role.GET -> Result.success(value as R)
        else -> Result.success(null as R)
    }

    override fun undo(value: Any?) {
        if (value !== SHUT_DOWN) queue.giveBack(value)
    }

    override fun toString(): String = super.toString()
}

/** A coroutine suspended in one of [QueueImpl]'s suspend operations; see the file comment. */
@OptIn(InternalCoroutinesApi::class)
internal class ContWaiter(override val putItem: Any?) : Waiter {
    lateinit var cont: CancellableContinuation<Any?>
    private var token: Any? = null
    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null

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

