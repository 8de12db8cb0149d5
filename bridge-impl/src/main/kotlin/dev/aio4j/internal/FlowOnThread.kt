/*
 * The blocking view of a Kotlin Flow, read by a blocking-style task: the flow is collected on the
 * reading thread itself, one element at a time, in a coroutine whose dispatcher is that thread's
 * JoinLoop (Suspend.join's). The collector's emit stores the element and suspends; the next
 * hasNext() resumes it where it stopped, on the same thread, until its next emit. No other thread
 * takes part and no buffer sits between them: an element costs a suspension and a resumption of
 * the flow's own state machine, no fence. What the flow waits for besides its consumer (a delay, a
 * channel, withContext on another dispatcher) resumes it through the JoinLoop, which the reading
 * thread runs while it waits in hasNext(), parking only when nothing is left to run. The walk keeps
 * the JoinLoop open from its first hasNext() to its end (a Suspend.join opens it per call), so
 * what other threads dispatch to the flow while the reader does other work waits, queued, for the
 * next hasNext().
 *
 * Like an async generator of asyncio's (and a Kotlin sequence builder), the flow runs only while
 * its reader asks for the next element: nothing is produced ahead. The walk belongs to the thread
 * that began it: another thread's hasNext() or close() is refused.
 *
 *   begun ──hasNext──▶ flow runs to its next emit (element held) or to its end
 *     │                  └─interrupt while it waits: the coroutine is cancelled, the walk ends
 *     └─close / the task's body ends with the walk open: cancelled at its emit (the flow's
 *       finally blocks run on this thread), waited for
 *
 * The coroutine is a JoinCoroutine (a job of no parent; the blocking task's cancellation reaches
 * it as the thread's interrupt). A walk the task's body abandons without closing is closed when
 * the body returns (BlockingTask.run, through [JoinLoop.closeWalks]), so its finally blocks run
 * before the task is done.
 */
package dev.aio4j.internal

import java.util.concurrent.CancellationException
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.intercepted
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlin.coroutines.resume
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector

internal class FlowOnThread<T>(private val flow: Flow<T>, private val joinLoop: JoinLoop) : FlowCollector<T>, JoinLoop.Wait, JoinLoop.Walk {
    private val coroutine = object : JoinCoroutine<Unit>(joinLoop) {
        override val waiter: String get() = "the blocking view's hasNext()"
    }
    private var started = false

    /** The element the flow emitted and the reader has not taken, or [END]. */
    private var element: Any? = END

    /** The flow, suspended in [emit] until the reader wants the next element. */
    private var suspendedEmit: Continuation<Unit>? = null

    private var closed = false

    override fun stopWaiting(): Boolean = element !== END || coroutine.done

    override suspend fun emit(value: T) {
        if (Thread.currentThread() === joinLoop.owner) {
            suspendCoroutineUninterceptedOrReturn<Unit> { c ->
                element = value
                suspendedEmit = c
                COROUTINE_SUSPENDED
            }
        } else {
            // A flow that emits from another thread (it breaks Flow's context rule, which a flow{}
            // builder checks, but a hand-written Flow may): the element is handed over through the
            // JoinLoop's queue, which publishes it to the reader and wakes it; the flow is resumed
            // through its own dispatcher, on the thread it emitted from, not run on the reader's.
            suspendCoroutineUninterceptedOrReturn<Unit> { c ->
                val resume = c.intercepted()
                joinLoop.dispatch(coroutine.context, Runnable {
                    element = value
                    suspendedEmit = resume
                })
                COROUTINE_SUSPENDED
            }
        }
    }

    /**
     * Runs the flow to its next element and returns it, or [END] once the flow has completed;
     * throws the flow's failure (the same instance), or InterruptedException when an interrupt
     * came while the flow was waiting (the flow was cancelled and has finished; the caller then
     * calls [close], which returns what its finally blocks threw). The caller has checked that this
     * is the owner's thread ([checkOwner]).
     */
    fun next(): Any? {
        if (closed) return END
        if (element === END && !coroutine.done) {
            val interruptedBefore = coroutine.interruptCause
            if (!started) {
                started = true
                // Open for the whole walk, not per element (leaving costs a full fence): what other
                // threads dispatch to the flow while its reader is busy elsewhere waits for the next hasNext().
                joinLoop.enter()
                joinLoop.openWalk(this)
                coroutine.start(CoroutineStart.UNDISPATCHED, coroutine) { flow.collect(this@FlowOnThread) }
            } else {
                suspendedEmit!!.also { suspendedEmit = null }.resume(Unit)
            }
            if (!stopWaiting()) joinLoop.runUntilDone(coroutine, this)
            if (coroutine.interruptCause !== interruptedBefore) {
                finish() // the flow is cancelled: drop what it emits until it has finished
                throw InterruptedException() // the caller closes the walk, which returns what the flow's finally threw, if anything
            }
        }
        val x = element
        if (x !== END) {
            element = END
            return x
        }
        leave()
        val failure = coroutine.failure ?: return END
        throw thrownInstance(failure)
    }

    /**
     * Ends the walk: a flow still running is cancelled at the emit it waits in (its finally blocks
     * run here) and waited for, uninterruptibly (an interrupt meanwhile is set again after). Returns
     * what the flow threw other than the cancellation, if anything; null when the walk had ended.
     */
    override fun closeLeftOpen(): Throwable? = close()

    fun close(): Throwable? {
        checkOwner("close()")
        if (closed) return null
        if (!started) {
            leave()
            return null
        }
        val interruptedBefore = coroutine.interruptCause
        if (!coroutine.done) {
            coroutine.cancelCoroutine(CancellationException("the blocking view was closed"))
            finish()
        }
        leave()
        if (coroutine.interruptCause !== interruptedBefore) Thread.currentThread().interrupt()
        return coroutine.failure?.takeUnless { it is CancellationException }?.let(::thrownInstance)
    }

    /** The walk has ended: it leaves the JoinLoop it opened (once). */
    private fun leave() {
        if (closed) return
        closed = true
        if (started) {
            joinLoop.closeWalk(this)
            joinLoop.exit()
        }
    }

    /** Runs the cancelled flow until it has finished, resuming it with its cancellation wherever it emits. */
    private fun finish() {
        while (true) {
            element = END
            val c = suspendedEmit
            if (c != null) {
                suspendedEmit = null
                c.resumeWith(Result.failure(coroutine.getCancellationException()))
            }
            if (!coroutine.done && suspendedEmit == null) joinLoop.runUntilDone(coroutine, this)
            if (coroutine.done) return
        }
    }

    /** Refuses another thread than the one that began the walk: IllegalStateException naming [what] it called. */
    fun checkOwner(what: String) {
        check(Thread.currentThread() === joinLoop.owner) {
            "a blocking view of a Kotlin Flow is read by the thread that began it, ${joinLoop.owner}: $what was called on ${Thread.currentThread()}"
        }
    }

    override fun toString(): String = "FlowOnThread($flow on ${joinLoop.owner})"

    companion object {
        @JvmField val END = Any()

        /** The walk of [flow] on the calling thread, or null when it is not a blocking-style task's (no JoinLoop). */
        fun <T> onThisThread(flow: Flow<T>): FlowOnThread<T>? {
            val task = Current.get() as? BlockingTask<*> ?: return null
            return FlowOnThread(flow, JoinLoop.of(task))
        }
    }
}
