/*
 * A non-blocking task: its body is called on the loop's thread at the loop's next step (asyncio's
 * create_task schedules the first step with call_soon) and returns the stage the task follows.
 * No thread is held while the stage is pending. Cancelled before the body runs, the body never
 * runs.
 */
package dev.aio4j.internal

import java.util.concurrent.CompletionStage
import java.util.concurrent.Callable

internal open class AsyncBodyTask<T>(
    loop: EventLoop,
    name: String?,
    body: Callable<out CompletionStage<out T>>,
) : FollowingTask<T>(loop, name, NEW), Runnable {
    /** The body, until the loop calls it. */
    private var body: Callable<out CompletionStage<out T>>? = body

    override val completesInTryFinish: Boolean get() = true

    override fun onStart() {
        eventLoop.enqueue(this)
    }

    override fun run() {
        if (!casPhase(NEW, RUNNING)) return
        val body = this.body!!
        this.body = null
        val stage = try {
            callAsyncBody(this, body) { name() }
        } catch (e: Throwable) {
            tryFinish(Result.failure(e))
            return
        }
        follow(stage)
    }

    override fun onCancelRequested(cause: Throwable) {
        if (casPhase(NEW, CANCELLED_EARLY)) tryFinish(Result.failure(cause)) else super.onCancelRequested(cause)
    }

    override fun toString(): String = super.toString()
}

/**
 * Calls a non-blocking [body] on the loop's thread as [task]'s (Async.currentTask() is [task]
 * meanwhile) and returns its stage; a body that returns null fails with an NPE naming [what]. What
 * the body throws, checked or not, is thrown as it is.
 */
internal inline fun <T> callAsyncBody(task: TaskImpl<*>, body: Callable<out CompletionStage<out T>>, what: () -> String): CompletionStage<out T> {
    val loop = task.eventLoop
    val previous = loop.runningTask
    loop.runningTask = task
    try {
        val returned: CompletionStage<out T>? = body.call() // null from Java despite the contract
        return returned ?: throw NullPointerException("the body of ${what()} returned null instead of a CompletionStage")
    } finally {
        loop.runningTask = previous
    }
}
