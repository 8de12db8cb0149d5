/*
 * The getters, putters and joiners that wait in an AsyncQueue. The queue serves one under its
 * lock with [QueueWaiter.tryGrant], the single atomic decision between being served and being
 * cancelled, and completes it with [QueueWaiter.deliver] after releasing the lock (so that no
 * task completion, and no user callback that it runs, happens under the lock).
 *
 * What a grant hands over: to a getter its item (already taken out of the queue); to a putter a
 * reserved slot, which the putter fills with its item on delivery ([QueueImpl.commit]); to a
 * joiner nothing; to getters and putters of a queue being shut down, [SHUT_DOWN].
 *
 * Two kinds:
 *   QueueTask    a task of getAsync/putAsync/joinAsync, itself the waiter. Served or cancelled,
 *                whichever CASes [state] first. Its cancel() claims the waiter before it cancels
 *                the task, so a served task cannot end cancelled by Task.cancel: the grant wins,
 *                and the item is in the task's result or the queue, never lost.
 *   ContWaiter   a suspended coroutine (the blocking methods run one in runBlocking): served with
 *                kotlinx's tryResume, whose onCancellation gives back what a coroutine cancelled
 *                after the grant could not take (prompt cancellation): the item goes back to the
 *                queue, the reserved slot to the next putter.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.TaskImpl
import dev.aio4j.sync.QueueShutDownException
import java.util.Objects
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job

internal interface QueueWaiter {
    /** Under the queue's lock: serves this waiter with [value]; false if it has been cancelled. */
    fun tryGrant(value: Any?): Boolean

    /** Outside the lock, after a successful [tryGrant]: completes the wait. */
    fun deliver()
}

/** What a grant hands to the waiters of a queue that is shut down. */
internal object SHUT_DOWN

internal enum class Role(val what: String) {
    GET("AsyncQueue.getAsync()"),
    PUT("AsyncQueue.putAsync()"),
    JOIN("AsyncQueue.joinAsync()"),
}

/** A getAsync/putAsync/joinAsync task waiting in [queue]. [item] is a putter's item. */
internal class QueueTask<R>(
    loop: EventLoop,
    private val queue: QueueImpl<*>,
    private val role: Role,
    private val item: Any?,
) : TaskImpl<R>(loop, loop.taskContext, null, RUNNING), QueueWaiter, (Throwable?) -> Unit {
    @Volatile private var state = WAITING
    private var granted: Any? = null

    init {
        job.attach(loop.taskContext[Job])
        if (role == Role.GET) job.invokeOnCompletion(this)
    }

    override fun tryGrant(value: Any?): Boolean {
        if (!STATE.compareAndSet(this, WAITING, GRANTED)) return false
        granted = value
        return true
    }

    @Suppress("UNCHECKED_CAST")
    override fun deliver() {
        val value = granted
        val result: Result<R> = when {
            value === SHUT_DOWN -> Result.failure(QueueShutDownException(shutDownMessage(role)))
            role == Role.PUT -> runCatching { queue.commit(item) }.map { null as R }
            role == Role.GET -> Result.success(value as R)
            else -> Result.success(null as R)
        }
        tryFinish(result)
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
     * some other way after the grant (no API path does that) still ends cancelled; then [invoke]
     * gives a getter's item back.
     */
    override fun onCancelRequested(cause: Throwable) {
        if (withdraw()) tryFinish(Result.failure(cause))
    }

    /** Completion handler of a getter: a served getter that ended cancelled gives its item back. */
    override fun invoke(cause: Throwable?) {
        if (cause != null && state == GRANTED) {
            val value = granted
            if (value !== SHUT_DOWN) queue.giveBack(value)
        }
    }

    override fun toString(): String = super.toString()

    private companion object {
        const val WAITING = 0
        const val GRANTED = 1
        const val WITHDRAWN = 2
        val STATE: AtomicIntegerFieldUpdater<QueueTask<*>> = AtomicIntegerFieldUpdater.newUpdater(QueueTask::class.java, "state")
    }
}

/** A coroutine suspended in [QueueImpl]'s suspend operations; see the file comment. */
@OptIn(InternalCoroutinesApi::class)
internal class ContWaiter(
    private val cont: CancellableContinuation<Any?>,
    private val onUndelivered: ((Throwable, Any?, CoroutineContext) -> Unit)?,
) : QueueWaiter {
    private var token: Any? = null

    override fun tryGrant(value: Any?): Boolean {
        token = cont.tryResume(value, null, onUndelivered)
        return token != null
    }

    override fun deliver() {
        cont.completeResume(token!!)
    }
}

internal fun shutDownMessage(role: Role): String = when (role) {
    Role.GET -> "get from an AsyncQueue that is shut down and empty"
    else -> "put to an AsyncQueue that is shut down"
}
