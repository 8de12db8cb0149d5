/*
 * A task that completes as something else does: a CompletionStage (adopted, or returned by a
 * non-blocking body) or another task. [followed] holds what it follows, so that a cancellation
 * can reach it:
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

internal abstract class FollowingTask<T>(loop: EventLoop, name: String?, phase: Int) :
    TaskImpl<T>(loop, name, phase), (Throwable?) -> Unit, BiConsumer<T, Throwable?> {
    /** The task or stage this task follows, once [follow] was called. */
    @Volatile private var followed: CompletionStage<*>? = null

    fun follow(stage: CompletionStage<out T>) {
        if (stage is TaskImpl<*>) {
            followTask(stage)
            return
        }
        followed = stage
        stage.whenComplete(this)
        if (job.isCancelled && !job.isCompleted) cancelStage(stage, job.getCancellationException())
    }

    private fun followTask(other: TaskImpl<*>) {
        other.markRetrieved()
        followed = other
        other.job.invokeOnCompletion(this)
        if (job.isCancelled) other.cancel()
    }

    /** The followed task's completion handler (this object, to save one per task). */
    override fun invoke(cause: Throwable?) {
        if (status and FINISHING != 0) return // done already (abandoned)
        val other = followed as? TaskImpl<*> ?: return
        @Suppress("UNCHECKED_CAST")
        tryFinish(other.resultNow0() as Result<T>)
    }

    /** The followed stage's completion (this object, to save one per task). */
    override fun accept(value: T, error: Throwable?) {
        tryFinish(if (error == null) Result.success(value) else Result.failure(unwrap(error)))
    }

    override fun onCancelRequested(cause: Throwable) {
        when (val followed = followed) {
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
internal class StageTask<T>(loop: EventLoop, private val stage: CompletionStage<out T>) : FollowingTask<T>(loop, null, RUNNING) {
    override fun onStart() {
        follow(stage)
    }
}
