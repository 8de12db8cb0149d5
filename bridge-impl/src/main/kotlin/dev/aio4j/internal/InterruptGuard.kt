/*
 * Interrupts a thread on someone else's behalf (a deadline, a failing task group) only while it
 * runs the body it was armed for, never after: the same guard as kotlinx's runInterruptible.
 *
 *   ARMED ──fire()──▶ FIRING ──(interrupt)──▶ FIRED ──close()──▶ CLOSED (interrupt cleared)
 *     └───close()────────────────────────────────────────────▶ CLOSED (nothing happened)
 */
package dev.aio4j.internal

import java.util.concurrent.atomic.AtomicInteger

internal class InterruptGuard(private val thread: Thread) {
    private val state = AtomicInteger(ARMED)

    /** Interrupts the thread if it is still in the body. Any thread. */
    fun fire() {
        if (state.compareAndSet(ARMED, FIRING)) {
            thread.interrupt()
            state.set(FIRED)
        }
    }

    /**
     * Called by the guarded thread when the body is over: no interrupt can come after this. If
     * one came, the flag is cleared (unless [keepInterrupt], e.g. the thread's task is being
     * cancelled too and must still see it). Returns whether it fired.
     */
    fun close(keepInterrupt: () -> Boolean): Boolean {
        if (state.compareAndSet(ARMED, CLOSED)) return false
        while (state.get() == FIRING) Thread.onSpinWait()
        state.set(CLOSED)
        Thread.interrupted()
        if (keepInterrupt()) thread.interrupt()
        return true
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

/** Whether the calling thread's task is being cancelled. */
internal fun currentTaskCancelled(): Boolean = (Current.get() as? TaskImpl<*>)?.job?.isCancelled == true
