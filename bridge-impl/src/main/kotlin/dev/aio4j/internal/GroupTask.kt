/*
 * asyncio.TaskGroup on kotlinx's job tree: the group is a task whose job is the parent of the
 * group's tasks. A plain (non-supervisor) parent gives asyncio's fail-fast for free: a failing
 * child cancels the group, which cancels its other children; the group's job completes only when
 * all children have, with the first failure as its exception and the later ones suppressed
 * (kotlinx's rule, and try-with-resources'). A top-level group's job has no parent (the loop
 * keeps the group in LoopTasks), so its failure cancels nobody else. Its body's stage (non-blocking form) is followed; the thread
 * of a blocking body is interrupted through [bodyScope] when the group is cancelled.
 */
package dev.aio4j.internal

import dev.aio4j.ThrowingRunnable
import dev.aio4j.Task
import dev.aio4j.TaskGroup
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import kotlin.coroutines.CoroutineContext

internal class GroupTask<T>(loop: EventLoop) : FollowingTask<T>(loop, null, RUNNING), TaskGroup {
    private val childContext: CoroutineContext = loop.dispatcher + job!!
    @Volatile @JvmField var bodyScope: CancelScope? = null

    /** The task whose thread runs a blocking body (asyncio's group has no task of its own: its body is this task's code). */
    @Volatile @JvmField var bodyOwner: TaskImpl<*>? = null

    override fun onCancelRequested(cause: Throwable) {
        val scope = bodyScope
        val owner = bodyOwner
        if (scope != null && owner != null && cause is java.util.concurrent.CancellationException && scope.isArmed()) {
            // Cancelled from outside while the blocking body runs (the loop's close, a cancel of every
            // task of allTasks()): that is a cancellation of the task that runs the body, which the
            // close or the caller usually requests too. Firing the scope as well interrupted the body a
            // second time and cut the clean-up it may make after catching the first (found from outside
            // on 2026-12-05, most closes of a loop whose task waited in a group's body).
            owner.cancel(cause.message ?: "${name()} was cancelled")
        } else {
            scope?.fire()
        }
        super.onCancelRequested(cause)
    }

    private fun checkAccepting() {
        // The task is done before its job's final state is set: kotlinx calls onCompleted (which
        // completes this task, and so returns Async.taskGroup) while the job is still Finishing, and
        // a Finishing job without a failure is isActive. Checked on the job alone, a createTask made
        // just after the group was done was accepted and its task cancelled at once with kotlinx's
        // "Parent job is Completing" (found from outside on 2026-12-05, 2-4 of 400 rounds).
        if (isDone) throw IllegalStateException("the TaskGroup has finished")
        val own = job!!
        if (!own.isActive) {
            // the job's root cause, fixed when it stopped being active (before the task records it):
            // a cancellation as it was given, a failure wrapped in kotlinx's JobCancellationException
            val stopped = own.getCancellationException()
            if (own.isCompleted) throw IllegalStateException("the TaskGroup has finished")
            // Cancelled, not failing (a cancel() that landed while the body runs, on another thread):
            // the body meets that cancellation here, as at its next wait, so that the group ends
            // cancelled. Before, the IllegalStateException the body let out failed the cancelled group.
            val cause = stopped.cause
            if (cause == null || cause is java.util.concurrent.CancellationException) throw stopped
            throw IllegalStateException("the TaskGroup is shutting down")
        }
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun <R> createTask(body: Callable<out R>?): Task<R> = blocking(null, requireArgument(body, "body", "TaskGroup.createTask"))

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun <R> createTask(name: String?, body: Callable<out R>?): Task<R> {
        requireArgument(name, "name", "TaskGroup.createTask")
        return blocking(name, requireArgument(body, "body", "TaskGroup.createTask"))
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun createTask(body: ThrowingRunnable?): Task<Void?> = blocking(null, voidBody(requireArgument(body, "body", "TaskGroup.createTask")))

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun createTask(name: String?, body: ThrowingRunnable?): Task<Void?> {
        requireArgument(name, "name", "TaskGroup.createTask")
        return blocking(name, voidBody(requireArgument(body, "body", "TaskGroup.createTask")))
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun <R> createTaskAsync(body: Callable<out CompletionStage<out R>>?): Task<R> =
        nonBlocking(null, requireArgument(body, "body", "TaskGroup.createTaskAsync"))

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun <R> createTaskAsync(name: String?, body: Callable<out CompletionStage<out R>>?): Task<R> {
        requireArgument(name, "name", "TaskGroup.createTaskAsync")
        return nonBlocking(name, requireArgument(body, "body", "TaskGroup.createTaskAsync"))
    }

    private fun <R> blocking(name: String?, body: Callable<out R>): Task<R> {
        checkAccepting()
        return handedOutOrRefused(eventLoop.newBlockingTask(name, body, childContext, eventLoop.blockingExecutor))
    }

    private fun <R> nonBlocking(name: String?, body: Callable<out CompletionStage<out R>>): Task<R> {
        checkAccepting()
        return handedOutOrRefused(eventLoop.newAsyncTask(name, body, childContext))
    }

    /**
     * [task], just made, unless the group's job cancelled it as it was attached, before its body
     * could start: the group had finished meanwhile (kotlinx refuses a child once its parent is
     * completing, which counts as active, so checkAccepting let it through), or was cancelled. Then
     * createTask throws as it would have a moment later. Before (found from outside on 2026-12-05),
     * a createTask from another task as the group ended handed out a task that never ran, cancelled
     * with kotlinx's "Parent job is Completing" (7 of 200 rounds on one thread; 359 of 8,983 tasks
     * under DEFAULT_DISPATCHER).
     */
    private fun <R> handedOutOrRefused(task: TaskImpl<R>): TaskImpl<R> {
        if (task.phase() != CANCELLED_EARLY) return task
        checkAccepting()
        throw IllegalStateException("the TaskGroup has finished")
    }
}
