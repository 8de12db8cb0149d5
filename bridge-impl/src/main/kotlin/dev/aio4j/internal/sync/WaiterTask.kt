/*
 * The TASK form's waiter (Waiters.kt): the task of a getAsync, putAsync, joinAsync, acquireAsync
 * or an event's awaitAsync is itself the waiter, without a coroutine.
 *
 *   WAITING ──tryGrant (under the owner's monitor)──▶ GRANTED ──deliver: a step of the loop──▶ completed
 *      └──cancel() / a cancelled parent──▶ WITHDRAWN (unlinked, completes cancelled at once)
 *   completed SUCCESS, GRANTED ──its Kotlin awaiter cancelled before it resumed──▶ GIVEN_BACK
 *      (giveBackAfterCompletion: the op's undo, once; see KotlinAwait.task)
 *
 * Served or cancelled, whichever CASes [state] first. Its cancel() claims the waiter before it
 * cancels the task, so a served task cannot end cancelled by Task.cancel. A served task completes
 * in a step of its loop, as asyncio wakes a waiter's future with call_soon: never on the stack of
 * the call that served it (whose caller goes on with its own work first: a producer and a
 * consumer move items in batches instead of ping-ponging one at a time), and never on another
 * thread. A cancellation requested some other way after the grant (the Kotlin coroutine awaiting
 * the task, cancelled before the completing step: KotlinAwait.task requests it at once; a group's
 * job) ends the task cancelled when its op undoes, and the op's [WaitOp.undo] then gives back what
 * the grant handed over; an op that cannot undo keeps its result ([resultWinsOverCancel]).
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.TaskImpl
import dev.aio4j.internal.requireArgument
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater

internal class WaiterTask<R>(loop: EventLoop, private val op: WaitOp, override val putItem: Any?) :
    TaskImpl<R>(loop, null, RUNNING), Waiter, Runnable, (Throwable?) -> Unit {
    @Volatile private var state = WAITING
    private var value: Any? = null
    private var failure: Throwable? = null
    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null

    /** Registers the undo handler (when the op undoes) once the task has its place in the job tree: see TASK.waiter. */
    override fun onStart() {
        if (op.undoes) whenDone(this)
    }

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

    @Suppress("UNCHECKED_CAST")
    override fun run() {
        val f = failure
        tryFinish((if (f != null) Result.failure(f) else op.outcome(value)) as Result<R>)
    }

    /** Claims the waiter for a cancellation: true if it was waiting (it is withdrawn now) or withdrawn already. */
    private fun withdraw(): Boolean {
        if (STATE.compareAndSet(this, WAITING, WITHDRAWN)) {
            unlink(op.monitor)
            return true
        }
        return state == WITHDRAWN
    }

    override fun cancel(): Boolean = withdraw() && super.cancel()

    override fun cancelForClose(message: String): Boolean = withdraw() && super.cancelForClose(message)

    /** It succeeds only if it was served: what it got was handed over (see TaskImpl.handedOver). */
    override val handedOver: Boolean get() = true

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun cancel(message: String?): Boolean {
        requireArgument(message, "message", "Task.cancel")
        return withdraw() && super.cancel(message)
    }

    /** Any cancellation of the job; through cancel() the waiter is withdrawn already. */
    override fun onCancelRequested(cause: Throwable) {
        if (withdraw()) tryFinish(Result.failure(cause))
    }

    /** Completion handler (when the op undoes): a served task that ended cancelled gives back what it got. */
    override fun invoke(cause: Throwable?) {
        if (cause != null && state == GRANTED && failure == null) op.undo(value)
    }

    /**
     * A cancellation requested after the grant (a Kotlin awaiter cancelled before this task's
     * completing step, KotlinAwait.task; a group's job) ends the task cancelled when the op undoes
     * (the handler above gives the grant back); a grant that cannot be given back (a put let in, a
     * joiner let go, an event's wake-up) is the task's result all the same: its effect has happened.
     */
    override fun resultWinsOverCancel(): Boolean = !op.undoes

    /**
     * For KotlinAwait.task only, once this task is done: its awaiting coroutine was cancelled after
     * the task completed normally and before the coroutine resumed with the value (kotlinx's prompt
     * cancellation), so the value would be dropped; gives the grant back (a lock's or semaphore's
     * permit, a queue's item) once at most, and says whether it did. The task stays SUCCESS (it is
     * done and may have been seen so): see Task.await's KDoc.
     */
    fun giveBackAfterCompletion(): Boolean {
        if (!op.undoes || failure != null || exceptionOrNull() != null) return false
        if (!STATE.compareAndSet(this, GRANTED, GIVEN_BACK)) return false
        op.undo(value)
        return true
    }

    override val completesInTryFinish: Boolean get() = true

    override fun toString(): String = super.toString()

    private companion object {
        const val WAITING = 0
        const val GRANTED = 1
        const val WITHDRAWN = 2
        const val GIVEN_BACK = 3 // served, completed, then given back by its cancelled Kotlin awaiter
        val STATE: AtomicIntegerFieldUpdater<WaiterTask<*>> = AtomicIntegerFieldUpdater.newUpdater(WaiterTask::class.java, "state")
    }
}
