/*
 * A cancellation scope of a blocking body: Async.timeout's deadline and a task group's failure each
 * interrupt the body's thread through one, and each turns only its *own* request into its outcome
 * (asyncio's Timeout and TaskGroup, with the task's cancelling()/uncancel()).
 *
 * Requests are counted on the thread's task ([TaskImpl.cancelRequests]): the task's own
 * cancellation counts one, for good; each scope that fired counts one until it closes. One thread
 * interrupt carries any number of requests. A scope that fired takes its own request back when it
 * closes ([release]), clears the interrupt flag and sets it again if another request is still
 * pending: one made after the scope was entered (the count is higher than at entry), or one that
 * was pending when it was entered (the flag was set), so that the body's next wait delivers it. A
 * timeout converts the interruption only when no other scope's request made since its entry is
 * pending ([othersPending]; asyncio's uncancel() <= cancelling() at entry), and no request was
 * pending, undelivered, at its entry ([requestPendingAtEntry]: asyncio delivers a request at the
 * task's next await, so one made while the body computed counts as made inside the scope whose
 * wait receives it): with nested deadlines that have both passed, the inner scope lets the
 * cancellation through and the outer one raises its timeout; a task cancelled while its body
 * computed ends that body's next timeout with the cancellation; and a timeout in cleanup code after
 * a delivered cancellation is that timeout's own.
 *
 * The interrupt is guarded as kotlinx's runInterruptible guards its own: it reaches the thread only
 * while the body runs, never after the scope closed. Counting a request and interrupting the thread
 * is one step with respect to a scope's entry (which notes the count and the flag) and release
 * (which takes its request back and clears the flag): all three hold the task's request lock
 * (TaskImpl.lockRequests), so that a request made at the same moment is never lost between them.
 *
 *   ARMED ──fire()──▶ FIRING ──(count, interrupt)──▶ FIRED ──close()──▶ CLOSED
 *     └───close()──────────────────────────────────────────────────▶ CLOSED (nothing happened)
 */
package dev.aio4j.internal

import java.util.concurrent.atomic.AtomicInteger

internal class CancelScope(private val thread: Thread, private val task: TaskImpl<*>?) {
    private val state = AtomicInteger(ARMED)
    private val requestsAtEntry: Int
    private val cancelledAtEntry: Boolean
    private val pendingAtEntry: Boolean

    init {
        // the count and the flag read together: a request being made now is in neither or in both
        val requests = task?.lockRequests(0) ?: 0
        try {
            requestsAtEntry = requests
            cancelledAtEntry = task?.isCancelling() == true
            pendingAtEntry = thread.isInterrupted
        } finally {
            task?.unlockRequests()
        }
    }

    /** Whether the scope has neither fired nor closed: the body runs and no interrupt came from here. */
    fun isArmed(): Boolean = state.get() == ARMED

    /** Asks for the body to be interrupted, if it is still running. Any thread. */
    fun fire() {
        if (state.compareAndSet(ARMED, FIRING)) {
            if (task != null) task.requestInterrupt(thread) else thread.interrupt()
            state.set(FIRED)
        }
    }

    /**
     * Called by the body's thread when the body is over: no interrupt comes from this scope after
     * it. Returns whether the scope fired; if it did, the caller must [release] it.
     */
    fun close(): Boolean {
        if (state.compareAndSet(ARMED, CLOSED)) return false
        while (state.get() == FIRING) Thread.onSpinWait()
        state.set(CLOSED)
        return true
    }

    /**
     * Whether a request other than this scope's, made after the scope was entered, is pending: an
     * enclosing scope that fired too (asyncio: uncancel() leaves more than cancelling() at entry).
     * Call only on a scope that fired, before [release].
     */
    fun othersPending(): Boolean {
        val requests = task?.lockRequests(0) ?: return false
        try {
            return requests - 1 > requestsAtEntry
        } finally {
            task.unlockRequests()
        }
    }

    /**
     * Whether a request was pending on the thread when the scope was entered (its interrupt flag
     * set: the task's cancellation or an enclosing scope's deadline, made while the body computed
     * and not yet delivered): the body's next wait ends on it whether or not this scope fires, so
     * an interruption is not this scope's own.
     */
    fun requestPendingAtEntry(): Boolean = pendingAtEntry

    /** Whether the task itself was cancelled after the scope was entered (such a cancel stays a cancellation). */
    fun cancelledInside(): Boolean = !cancelledAtEntry && task?.isCancelling() == true

    /**
     * Takes back the request of a scope that fired (asyncio's uncancel()) and clears its interrupt;
     * with [redeliver], sets the interrupt again if another request is still pending.
     */
    fun release(redeliver: Boolean) {
        // one step with respect to other requests (TaskImpl.lockRequests): one made at the same
        // moment is either counted in what remains or interrupts after the flag was cleared
        val remaining = task?.lockRequests(-1) ?: 0
        try {
            Thread.interrupted()
            if (redeliver && (remaining > requestsAtEntry || pendingAtEntry)) thread.interrupt()
        } finally {
            task?.unlockRequests()
        }
    }

    private companion object {
        const val ARMED = 0
        const val FIRING = 1
        const val FIRED = 2
        const val CLOSED = 3
    }
}

/** Whether [e] is what a body throws when its thread is interrupted. */
internal fun isInterruption(e: Throwable): Boolean =
    e is java.util.concurrent.CancellationException || e is InterruptedException ||
        e is java.io.InterruptedIOException || e is java.nio.channels.ClosedByInterruptException

/** Whether [e], or an exception in its cause chain, is what an interrupt makes a body throw. */
internal fun causedByInterrupt(e: Throwable): Boolean {
    var cause: Throwable? = e
    var depth = 0
    while (cause != null && depth++ < 16) {
        if (isInterruption(cause)) return true
        cause = cause.cause
    }
    return false
}

/**
 * Whether a body that ended with [e] was ended by its thread's interrupt, for a scope that fired:
 * [e] is what an interrupt makes a body throw, or is caused by one (a JDBC driver's SQLException
 * of an InterruptedException), as a cancelled blocking task counts it ([causedByInterrupt]). An
 * AsyncTimeoutException on the way (an inner scope's, whose cause is its cancellation) is an
 * outcome of its own, not the interruption.
 */
internal fun endedByInterrupt(e: Throwable): Boolean {
    var cause: Throwable? = e
    var depth = 0
    while (cause != null && cause !is dev.aio4j.AsyncTimeoutException && depth++ < 16) {
        if (isInterruption(cause)) return true
        cause = cause.cause
    }
    return false
}
