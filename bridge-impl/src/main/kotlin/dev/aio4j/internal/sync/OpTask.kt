/*
 * The task of a waiting operation of a primitive (an event's or a condition's
 * wait): a coroutine on the loop, on kotlinx's own Job.
 *
 * It starts undispatched, on the calling thread, so that the operation takes its place among the
 * primitive's waiters when the method is called (FIFO by call, whatever thread calls), and so
 * that an operation that need not wait is done before the method returns. After a suspension it
 * runs on the loop.
 *
 * kotlinx's prompt cancellation gives back what a cancelled waiter had been handed (a permit,
 * kotlinx's Semaphore releases it). One gap is left, and [undo] closes it: a cancel that comes
 * from another thread after the operation has succeeded but before the coroutine completes makes
 * the task CANCELLED (a cancelled Job always ends cancelled), with the lock held or the signal
 * consumed. The completion handler then hands [undo] what the body produced, so that a cancelled
 * task holds nothing.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.Current
import dev.aio4j.internal.DoneTask
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.TaskImpl
import kotlinx.coroutines.CoroutineStart

internal class OpTask<T>(
    loop: EventLoop,
    private val undo: ((T) -> Unit)?,
    block: suspend () -> T,
) : TaskImpl<T>(loop, null, RUNNING, loop.taskContext), (Throwable?) -> Unit {
    /** What the body returned, or [NOTHING]; read by the completion handler. */
    @Volatile private var produced: Any? = NOTHING

    init {
        start(loop.taskContext) // in the constructor, as before the start protocol: the wait structure's rework removes this class
        if (undo != null) job.invokeOnCompletion(this)
        job.start(CoroutineStart.UNDISPATCHED, job) {
            val value = block()
            produced = value
            storeValue(value) // stored before the job completes (TaskImpl.valueNow)
        }
    }

    /** The job's completion handler: a task that ends cancelled or failed after its body produced a value gives it back. */
    override fun invoke(cause: Throwable?) {
        if (cause == null) return
        val value = produced
        @Suppress("UNCHECKED_CAST")
        if (value !== NOTHING) undo!!(value as T)
    }

    private object NOTHING
}

/** The current loop, open: where the tasks of the ...Async methods belong. */
internal fun openCurrentLoop(): EventLoop {
    val loop = Current.loop()
    loop.checkOpen()
    return loop
}

/** A task of [loop] that is already done with [value]: the result of an ...Async call that did not need to wait. */
internal fun <T> doneTask(loop: EventLoop, value: T): TaskImpl<T> = DoneTask.of(loop, Result.success(value))

/** A task of [loop] that has already failed with [exception]; reported like any failure if nobody retrieves it. */
internal fun <T> failedTask(loop: EventLoop, exception: Throwable): TaskImpl<T> = DoneTask.of(loop, Result.failure(exception))
