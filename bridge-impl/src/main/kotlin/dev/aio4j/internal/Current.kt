/*
 * Which loop and task the calling thread belongs to. One thread-local holds either the
 * EventLoop (on the loop's own thread, or a Dispatchers.Default worker while it runs loop work)
 * or the TaskImpl whose blocking-style body runs on this thread.
 */
package dev.aio4j.internal

import java.util.concurrent.CancellationException

internal object Current {
    private val local = ThreadLocal<Any?>()

    fun get(): Any? = local.get()

    /** Sets the thread's owner and returns the previous one, for [restore]. */
    fun swap(owner: Any?): Any? {
        val previous = local.get()
        local.set(owner)
        return previous
    }

    fun restore(previous: Any?) {
        if (previous == null) local.remove() else local.set(previous)
    }

    fun loopOrNull(): EventLoop? = when (val c = local.get()) {
        is EventLoop -> c
        is TaskImpl<*> -> c.eventLoop
        else -> null
    }

    fun loop(): EventLoop = loopOrNull() ?: throw IllegalStateException(
        "no running event loop: call this inside Async.run, in a task's body or on a loop's thread",
    )

    fun task(): TaskImpl<*>? = when (val c = local.get()) {
        is TaskImpl<*> -> c
        is EventLoop -> c.runningTask
        else -> null
    }

    fun isLoopThread(): Boolean = local.get() is EventLoop

    /** Refuses a blocking call on a loop's own thread, where it would stall every callback. */
    fun checkMayBlock(what: String) {
        if (local.get() is EventLoop) {
            throw IllegalStateException(
                "$what would block the event loop's thread and with it every callback and task of the loop: " +
                    "compose without blocking there (createTaskAsync, thenCompose, sleepAsync), " +
                    "or call it from a blocking-style task (loop.createTask) or Async.toThread",
            )
        }
    }

    /**
     * The exception for a blocking call ended by an interrupt: the calling task's own
     * cancellation if it is being cancelled, else a new one. On a thread that is not a task's, the
     * interrupt flag is set again, so that the interrupt is not lost.
     */
    fun cancellationForInterrupt(what: String): CancellationException {
        val task = local.get() as? TaskImpl<*>
        if (task != null) {
            if (task.job.isCancelled) return task.job.getCancellationException()
            return CancellationException("$what was interrupted: ${task.name()} is being cancelled")
        }
        Thread.currentThread().interrupt()
        return CancellationException("$what was interrupted")
    }
}
