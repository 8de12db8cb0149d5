/*
 * A task that follows a kotlinx Deferred (Deferred.asTask): it completes as the deferred does, with
 * the same value or exception instance (a cancelled deferred makes a CANCELLED task), and
 * cancelling the task cancels the deferred (a deferred that completes all the same gives the task
 * its value); the task is done when the deferred is, so a
 * deferred's finally blocks have run by then (the job's rule: completed only once its body and
 * children have finished). The task is one of the loop's tasks, like one made by createTask;
 * the deferred keeps its own place in its scope.
 */
@file:OptIn(ExperimentalCoroutinesApi::class)

package dev.aio4j.internal

import java.util.concurrent.CancellationException
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.ExperimentalCoroutinesApi

internal class DeferredTask<T>(loop: EventLoop, private val deferred: Deferred<T>) :
    TaskImpl<T>(loop, null, RUNNING), (Throwable?) -> Unit {

    init {
        start(loop.taskContext) // one of the loop's tasks
        deferred.invokeOnCompletion(this)
        // a lazy one too, as ensure_future starts a coroutine and the deferred's own await() starts it: before
        // 2026-12-07 the task of a CoroutineStart.LAZY deferred never completed, and its join() waited for ever
        deferred.start()
    }

    override fun invoke(cause: Throwable?) {
        val failure = deferred.getCompletionExceptionOrNull()
        // the instance the deferred's code threw, not kotlinx's debug-mode copy of it (see thrownInstance)
        tryFinish(if (failure == null) Result.success(deferred.getCompleted()) else Result.failure(thrownInstanceOfJob(failure)))
    }

    override val completesInTryFinish: Boolean get() = true

    /**
     * The deferred's outcome is the task's, even when a cancellation was requested before the
     * deferred's completion reached the task: the request only asks the deferred to cancel, and a
     * deferred that completed all the same keeps its value. Before 2026-12-07 a cancel() racing
     * with complete() ended the task CANCELLED and its value was lost (found from outside:
     * TasksTest#aCancelRacingTheDeferredsCompletionLeavesTheTaskItsValue).
     */
    override fun resultWinsOverCancel(): Boolean = true

    /** False when the deferred has completed already (its outcome is the task's, fixed), as for a task that is done. */
    override fun cancel(): Boolean {
        val tooLate = deferred.isCompleted
        return super.cancel() && !tooLate
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in super.cancel: see Arguments.kt
    override fun cancel(message: String?): Boolean {
        val tooLate = deferred.isCompleted
        return super.cancel(message) && !tooLate
    }

    override fun onCancelRequested(cause: Throwable) {
        deferred.cancel(cause as? CancellationException ?: CancellationException(cause.toString()).also { it.initCause(cause) })
    }
}
