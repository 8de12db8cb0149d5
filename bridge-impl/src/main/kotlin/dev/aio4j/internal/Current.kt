/*
 * Which loop and task the calling thread belongs to: the EventLoop on the loop's own thread (or on
 * a Dispatchers.Default worker while it runs loop work), the BlockingTask on the thread that runs
 * its body, or nothing.
 *
 * A loop's thread is marked with a thread-local. A task's thread is marked without one: while its
 * body runs, the task is the thread's uncaught-exception handler, a field every Thread already
 * has. A thread-local on each new virtual thread would cost a ThreadLocalMap (about 136 bytes per
 * pending blocking task, a seventh of the task's footprint) and its creation time; the handler
 * costs nothing, and the task never lets an exception escape its body anyway (it delegates to
 * the handler it replaced if one ever did). A body that installs its own handler on its thread
 * loses Loop.current() and Async.currentTask(), nothing else.
 */
package dev.aio4j.internal

import java.util.concurrent.CancellationException

internal object Current {
    private val local = ThreadLocal<EventLoop?>()

    fun get(): Any? {
        val handler = Thread.currentThread().uncaughtExceptionHandler
        return if (handler is BlockingTask<*>) handler else local.get()
    }

    /** Marks the calling thread as [loop]'s while it runs it; returns what [exitLoop] restores. */
    fun enterLoop(loop: EventLoop): Any? {
        val t = Thread.currentThread()
        val handler = t.uncaughtExceptionHandler
        val taskHere = handler as? BlockingTask<*> // a loop run by a task's body: the loop wins meanwhile
        if (taskHere != null) t.uncaughtExceptionHandler = taskHere.replacedHandler
        val previousLoop = local.get()
        local.set(loop)
        return if (taskHere != null) taskHere else previousLoop
    }

    fun exitLoop(previous: Any?) {
        if (previous is BlockingTask<*>) {
            local.remove()
            Thread.currentThread().uncaughtExceptionHandler = previous
        } else if (previous == null) {
            local.remove()
        } else {
            local.set(previous as EventLoop)
        }
    }

    fun loopOrNull(): EventLoop? = when (val c = get()) {
        is EventLoop -> c
        is TaskImpl<*> -> c.eventLoop
        else -> null
    }

    fun loop(): EventLoop = loopOrNull() ?: throw IllegalStateException(
        "no running event loop: call this inside Async.run, in a task's body or on a loop's thread",
    )

    fun task(): TaskImpl<*>? = when (val c = get()) {
        is TaskImpl<*> -> c
        is EventLoop -> c.runningTask
        else -> null
    }

    fun isLoopThread(): Boolean = get() is EventLoop

    /** Refuses a blocking call on a loop's own thread, where it would stall every callback. */
    fun checkMayBlock(what: String) {
        if (get() is EventLoop) {
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
        val task = get() as? TaskImpl<*>
        if (task != null) {
            if (task.isCancelling()) return task.cancellationCause()
            return CancellationException("$what was interrupted: ${task.name()} is being cancelled")
        }
        Thread.currentThread().interrupt()
        return CancellationException("$what was interrupted")
    }
}
