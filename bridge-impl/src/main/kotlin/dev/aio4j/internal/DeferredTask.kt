/*
 * A task that follows a kotlinx Deferred (Deferred.asTask): it completes as the deferred does, with
 * the same value or exception instance (a cancelled deferred makes a CANCELLED task), and
 * cancelling the task cancels the deferred; the task is done when the deferred is, so a
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

    override fun onCancelRequested(cause: Throwable) {
        deferred.cancel(cause as? CancellationException ?: CancellationException(cause.toString()).also { it.initCause(cause) })
    }
}
