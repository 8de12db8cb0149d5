/*
 * Waiting on a thread for a task: park until the task's job completes. An interrupt while waiting
 * is a cancellation (the waiting task's, usually): the awaited task is cancelled too (asyncio's
 * chain of awaits), the wait goes on, uninterruptibly, until it has finished, and then
 * CancellationException is thrown.
 */
package dev.aio4j.internal

import dev.aio4j.AsyncTimeoutException
import java.time.Duration
import java.util.concurrent.locks.LockSupport
import kotlinx.coroutines.Job

internal object Blocking {

    fun <T> join(task: TaskImpl<T>, timeoutNanos: Long): T {
        Current.checkMayBlock("Task.join()")
        task.markRetrieved()
        if (!task.job.isCompleted) waitFor(task, timeoutNanos)
        return task.outcomeForAwait()
    }

    private fun waitFor(task: TaskImpl<*>, timeoutNanos: Long) {
        val job = task.job
        val handle = job.invokeOnCompletion(Unparker(Thread.currentThread()))
        try {
            val deadline = if (timeoutNanos >= 0) deadlineAfter(System.nanoTime(), timeoutNanos) else 0L
            while (!job.isCompleted) {
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
                    task.cancel()
                    joinUninterruptibly(job)
                    throw Current.cancellationForInterrupt("Task.join()")
                }
            }
        } finally {
            handle.dispose()
        }
    }

    /** Parks until [job] completes, ignoring interrupts; an interrupt seen is set again after. */
    fun joinUninterruptibly(job: Job) {
        if (job.isCompleted) return
        val handle = job.invokeOnCompletion(Unparker(Thread.currentThread()))
        var interrupted = false
        try {
            while (!job.isCompleted) {
                LockSupport.park(job)
                if (Thread.interrupted()) interrupted = true
            }
        } finally {
            handle.dispose()
            if (interrupted) Thread.currentThread().interrupt()
        }
    }

    /** Parks until [job] completes; an interrupt throws InterruptedException. */
    fun joinInterruptibly(job: Job) {
        if (job.isCompleted) return
        val handle = job.invokeOnCompletion(Unparker(Thread.currentThread()))
        try {
            while (!job.isCompleted) {
                LockSupport.park(job)
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
