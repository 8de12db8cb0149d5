/*
 * The TASK form's waiter (Waiters.kt): the task of a getAsync, putAsync, joinAsync, acquireAsync
 * or an event's awaitAsync is itself the waiter, without a coroutine.
 *
 *   WAITING ──tryGrant (under the owner's monitor)──▶ GRANTED ──deliver: a step of the loop──▶ completed
 *      └──cancel() / a cancelled parent──▶ WITHDRAWN (unlinked, completes cancelled at once)
 *   GRANTED, not completed ──any cancellation (cancel(), a parent, a group, the close)──▶ GIVEN_BACK
 *      (the op's undo at once, on the cancelling thread; the completing step then ends the task
 *      cancelled, once the undo has returned)
 *   completed SUCCESS, GRANTED ──its Kotlin awaiter cancelled before it resumed──▶ GIVEN_BACK
 *      (giveBackAfterCompletion; see KotlinAwait.task)
 *
 * Served or withdrawn, whichever CASes [state] first. A served task completes in a step of its
 * loop, as asyncio wakes a waiter's future with call_soon: never on the stack of the call that
 * served it (whose caller goes on with its own work first: a producer and a consumer move items in
 * batches instead of ping-ponging one at a time), and never on another thread. Until that step,
 * a cancellation wins when the op can give its grant back ([WaitOp.undoes]: a lock's or a
 * semaphore's permit, a queue's item): the grant goes back at once (the permit released, the item
 * to the next getter or back where it was taken from) and the task ends cancelled, as asyncio's
 * Queue.get, woken but not yet resumed, leaves the item in the queue when its task is cancelled.
 * A grant that cannot be given back (a put let in, a joiner let go, an event's wake-up) has taken
 * effect: cancel() returns false and the task completes normally ([resultWinsOverCancel]). Each
 * grant is given back at most once (the CAS GRANTED -> GIVEN_BACK), whichever path gets there.
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
    override var grantSeq: Int = 0

    /** Registers the undo handler (when the op undoes) once the task has its place in the job tree: see TASK.waiter. */
    override fun onStart() {
        if (op.undoes) whenDone(this)
    }

    /**
     * [value] is written before the state says GRANTED: a cancellation on another thread that sees
     * GRANTED gives that value back (giveBack). A waiter withdrawn meanwhile keeps an unused value.
     */
    override fun tryGrant(value: Any?): Boolean {
        if (state != WAITING) return false
        this.value = value
        return STATE.compareAndSet(this, WAITING, GRANTED)
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

    /**
     * Claims the waiter for a cancellation: true if it was waiting (it is withdrawn now), withdrawn
     * already, or served with a grant that can be given back (the cancellation gives it back, in
     * [onCancelRequested]); false for a grant that has taken effect for good.
     */
    private fun claimForCancel(): Boolean {
        if (STATE.compareAndSet(this, WAITING, WITHDRAWN)) {
            unlink(op.monitor)
            return true
        }
        return state == WITHDRAWN || op.undoes
    }

    override fun cancel(): Boolean = claimForCancel() && super.cancel()

    override fun cancelForClose(message: String): Boolean = claimForCancel() && super.cancelForClose(message)

    /** It succeeds only if it was served: what it got was handed over (see TaskImpl.handedOver). */
    override val handedOver: Boolean get() = true

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun cancel(message: String?): Boolean {
        requireArgument(message, "message", "Task.cancel")
        return claimForCancel() && super.cancel(message)
    }

    /**
     * Any cancellation of the task before it finishes (this runs only when the request set the
     * task's cancelling flag, so the completing step will end it cancelled): a waiting waiter is
     * withdrawn and the task ends now; a served one gives its grant back now, if its op can.
     */
    override fun onCancelRequested(cause: Throwable) {
        claimForCancel()
        if (state == WITHDRAWN) tryFinish(Result.failure(cause)) else giveBack()
    }

    /** Completion handler (when the op undoes): a served task that ended cancelled holds nothing. */
    override fun invoke(cause: Throwable?) {
        if (cause != null) giveBack()
    }

    /** A served grant that cannot be given back is the task's result even when a cancellation was requested after it. */
    override fun resultWinsOverCancel(): Boolean = !op.undoes

    /**
     * For KotlinAwait.task only, once this task is done: its awaiting coroutine was cancelled after
     * the task completed normally and before the coroutine resumed with the value (kotlinx's prompt
     * cancellation), so the value would be dropped; gives the grant back (a lock's or semaphore's
     * permit, a queue's item) and says whether it did. The task stays SUCCESS (it is done and may
     * have been seen so): see Task.await's KDoc.
     */
    fun giveBackAfterCompletion(): Boolean = exceptionOrNull() == null && giveBack()

    /**
     * The completing step of a task whose cancellation came after it was served: the canceller
     * gives the grant back on its own thread (onCancelRequested), and may be held up there on the
     * primitive's monitor; the task is not seen done before the grant is back. Before 2026-12-07
     * a done callback, or a Kotlin awaiter on a multi-threaded loop, could see the task cancelled
     * and the lock still locked (GrantBackBeforeTheCancelIsSeenTest).
     */
    override fun onFinishingCancelled() {
        giveBack()
    }

    /**
     * Gives a served grant back through the op's undo, once at most: true if this call did. A call
     * that finds another thread giving it back waits until that one has (the lock on this task:
     * taken on cancellation paths only, and held around the op's undo, which takes the primitive's
     * monitor; nothing holding that monitor takes this lock).
     */
    private fun giveBack(): Boolean {
        if (!op.undoes || failure != null) return false
        synchronized(this) {
            if (!STATE.compareAndSet(this, GRANTED, GIVEN_BACK)) return false
            op.undo(value, grantSeq)
            return true
        }
    }

    override val completesInTryFinish: Boolean get() = true

    override fun toString(): String = super.toString()

    private companion object {
        const val WAITING = 0
        const val GRANTED = 1
        const val WITHDRAWN = 2
        const val GIVEN_BACK = 3 // served, then given back: cancelled before it completed, or its Kotlin awaiter before it resumed
        val STATE: AtomicIntegerFieldUpdater<WaiterTask<*>> = AtomicIntegerFieldUpdater.newUpdater(WaiterTask::class.java, "state")
    }
}
