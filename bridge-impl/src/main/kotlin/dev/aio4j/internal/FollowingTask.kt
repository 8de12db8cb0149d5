/*
 * A task that completes as something else does: a CompletionStage (adopted, or returned by a
 * non-blocking body) or another task. [slot] holds what it follows, so that a cancellation can
 * reach it:
 *   - another task is cancelled too, and this one completes when it has (asyncio's chain of
 *     awaits: cancelling the awaiter cancels the awaited);
 *   - a stage is cancelled with toCompletableFuture().cancel(true) (true: the JDK's HttpClient
 *     aborts its request only then; a plain CompletableFuture ignores the flag); a stage whose
 *     source cannot be reached that way (toCompletableFuture() unsupported or a copy) is
 *     abandoned, and the task completes cancelled at once.
 * Exceptions arrive without CompletionException/ExecutionException wrappers.
 */
package dev.aio4j.internal

import java.util.concurrent.CompletionException
import java.util.concurrent.CompletionStage
import java.util.concurrent.ExecutionException
import java.util.function.BiConsumer
import kotlin.coroutines.CoroutineContext

internal abstract class FollowingTask<T>(loop: EventLoop, context: CoroutineContext, name: String?, phase: Int) :
    TaskImpl<T>(loop, context, name, phase, runsCoroutine = false), (Throwable?) -> Unit, BiConsumer<T, Throwable?> {

    fun follow(stage: CompletionStage<out T>) {
        if (stage is TaskImpl<*>) {
            followTask(stage)
            return
        }
        slot = stage
        stage.whenComplete(this)
        if (job.isCancelled && !job.isCompleted) cancelStage(stage, job.getCancellationException())
    }

    private fun followTask(other: TaskImpl<*>) {
        other.markRetrieved()
        slot = other
        other.job.invokeOnCompletion(this)
        if (job.isCancelled) other.cancel()
    }

    /** The followed task's completion handler (this object, to save one per task). */
    override fun invoke(cause: Throwable?) {
        if (status and FINISHING != 0) return // done already (abandoned, or its slot now holds a result)
        val other = slot as? TaskImpl<*> ?: return
        @Suppress("UNCHECKED_CAST")
        tryFinish(other.resultNow0() as Result<T>)
    }

    /** The followed stage's completion (this object, to save one per task). */
    override fun accept(value: T, error: Throwable?) {
        tryFinish(if (error == null) Result.success(value) else Result.failure(unwrap(error)))
    }

    override fun onCancelRequested(cause: Throwable) {
        when (val followed = slot) {
            is TaskImpl<*> -> followed.cancel()
            is CompletionStage<*> -> cancelStage(followed, cause)
        }
    }

    private fun cancelStage(stage: CompletionStage<*>, cause: Throwable) {
        val cf = try {
            stage.toCompletableFuture()
        } catch (e: UnsupportedOperationException) {
            null
        }
        if (cf != null && cf === stage) {
            cf.cancel(true) // its completion reaches this task through the listener
        } else {
            cf?.cancel(true)
            tryFinish(Result.failure(cause))
        }
    }
}

/** Removes the JDK's CompletionException/ExecutionException wrappers. */
internal fun unwrap(error: Throwable): Throwable {
    var e = error
    while ((e is CompletionException || e is ExecutionException) && e.cause != null) e = e.cause!!
    return e
}

/** A task made of a stage that is already running (Loop.adopt). */
internal class StageTask<T>(loop: EventLoop, context: CoroutineContext, stage: CompletionStage<out T>) :
    FollowingTask<T>(loop, context, null, RUNNING) {
    init {
        job.attach(context[kotlinx.coroutines.Job])
        follow(stage)
    }
}
