/*
 * Waiting on a thread for a task: park until the task is done. An interrupt while waiting
 * is a cancellation request (the waiting task's, usually): it goes down to the awaited task
 * (asyncio's chain of awaits), the wait goes on, uninterruptibly, until that task has finished,
 * and then the wait ends with the awaited task's outcome. A cancellation is thrown as
 * CancellationException, and that delivers the request. A failure X is thrown as X (the same
 * instance; asyncio's awaiter gets what the awaited raised), and a value is returned; neither
 * delivers the request, which stays pending: the interrupt flag is set again, and the caller's
 * next wait delivers it. X may have answered the request (a clean-up that failed) or raced it (a
 * body failing as the request came, a wait_for whose own deadline fixed its timeout first, an
 * outer Async.timeout firing just then): in both, the request was never seen as a cancellation,
 * and a task that goes on waiting after cancel() returned true has lost it. (A value can only come
 * from a task that was done before the request reached it.)
 */
package dev.aio4j.internal

import dev.aio4j.AsyncTimeoutException
import java.time.Duration
import java.util.concurrent.locks.LockSupport

internal object Blocking {

    fun <T> join(task: TaskImpl<T>, timeoutNanos: Long, what: String = "Task.join()"): T {
        Current.checkMayBlock(what)
        task.markRetrieved()
        if (!task.isDone) waitFor(task, timeoutNanos, what)
        return task.outcomeForAwait()
    }

    private fun waitFor(task: TaskImpl<*>, timeoutNanos: Long, what: String) {
        val handle = task.onDone(Unparker(Thread.currentThread()))
        try {
            val deadline = if (timeoutNanos >= 0) deadlineAfter(System.nanoTime(), timeoutNanos) else 0L
            while (!task.isDone) {
                if (timeoutNanos >= 0) {
                    val left = deadline - System.nanoTime()
                    if (left <= 0) {
                        val d = Duration.ofNanos(timeoutNanos)
                        throw AsyncTimeoutException("${task.name()} did not complete within $d", d)
                    }
                    LockSupport.parkNanos(task, left)
                } else {
                    LockSupport.park(task)
                }
                if (Thread.interrupted()) {
                    if (!task.isCancelling()) task.cancelPassing((Current.get() as? TaskImpl<*>)?.messageToPassOn())
                    joinUninterruptibly(task)
                    if (task.exceptionOrNull() !is java.util.concurrent.CancellationException) {
                        Thread.currentThread().interrupt() // not delivered: still pending (see the file comment)
                        return // the awaited task's value or failure: join throws or returns it
                    }
                    throw Current.cancellationForInterrupt(what)
                }
            }
        } finally {
            handle.dispose()
        }
    }

    /** Parks until [task] is done, ignoring interrupts; an interrupt seen is set again after. */
    fun joinUninterruptibly(task: TaskImpl<*>) {
        if (task.isDone) return
        val handle = task.onDone(Unparker(Thread.currentThread()))
        var interrupted = false
        try {
            while (!task.isDone) {
                LockSupport.park(task)
                if (Thread.interrupted()) interrupted = true
            }
        } finally {
            handle.dispose()
            if (interrupted) Thread.currentThread().interrupt()
        }
    }

    /** Parks until [task] is done; an interrupt throws InterruptedException. */
    fun joinInterruptibly(task: TaskImpl<*>) {
        if (task.isDone) return
        val handle = task.onDone(Unparker(Thread.currentThread()))
        try {
            while (!task.isDone) {
                LockSupport.park(task)
                if (Thread.interrupted()) throw InterruptedException()
            }
        } finally {
            handle.dispose()
        }
    }

    private class Unparker(private val thread: Thread) : (Throwable?) -> Unit {
        override fun invoke(cause: Throwable?) = LockSupport.unpark(thread)
    }
}
