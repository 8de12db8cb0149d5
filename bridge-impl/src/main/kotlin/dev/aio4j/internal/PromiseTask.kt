/*
 * asyncio's Future: a task without a body, completed by hand. Cancelling it completes it at once.
 */
package dev.aio4j.internal

import dev.aio4j.Promise

internal class PromiseTask<T>(loop: EventLoop) : TaskImpl<T>(loop, null, NEW), Promise<T> {
    // A completion that loses to a cancel() made first still gets to call resumeWith, but the job
    // ends cancelled: the outcome, not tryFinish, says whether this call completed the promise.
    override fun complete(value: T): Boolean = tryFinish(Result.success(value)) && exceptionOrNull() == null

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun fail(exception: Throwable?): Boolean {
        requireArgument(exception, "exception", "Promise.fail")
        return tryFinish(Result.failure(exception)) && exceptionOrNull() === exception
    }

    override fun onCancelRequested(cause: Throwable) {
        tryFinish(Result.failure(cause))
    }

    /** A fail() between cancel()'s request and its completion loses: cancel() returned true, and is final. */
    override fun failureWinsOverCancel(failure: Throwable): Boolean = false

    override val completesInTryFinish: Boolean get() = true
}
