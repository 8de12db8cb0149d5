/*
 * Waiting on a thread for a task: park until the task is done. An interrupt while waiting
 * is a cancellation request (the waiting task's, usually): it goes down to the awaited task
 * (asyncio's chain of awaits), the wait goes on, uninterruptibly, until that task has finished,
 * and then the awaited task's outcome answers the request: a failure X of the awaited task is
 * thrown as X (the same instance; asyncio's awaiter gets what the awaited raised), a cancellation
 * as CancellationException. If the request could not go down (the awaited task was already being
 * cancelled, or had just finished), it stays pending: the interrupt flag is set again, and the
 * caller's next wait delivers it.
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
                    val forwarded = !task.isCancelling() && task.cancel()
                    joinUninterruptibly(task)
                    if (task.exceptionOrNull() !is java.util.concurrent.CancellationException) {
                        // not answered (or a plain thread's interrupt, which the JDK's rule keeps): still pending
                        if (!forwarded || Current.get() !is TaskImpl<*>) Thread.currentThread().interrupt()
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
