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

    override fun onCancelRequested(cause: Throwable) {
        bodyScope?.fire()
        super.onCancelRequested(cause)
    }

    private fun checkAccepting() {
        val own = job!!
        if (!own.isActive) {
            throw IllegalStateException(if (own.isCompleted) "the TaskGroup has finished" else "the TaskGroup is shutting down")
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
        return eventLoop.newBlockingTask(name, body, childContext, eventLoop.blockingExecutor)
    }

    private fun <R> nonBlocking(name: String?, body: Callable<out CompletionStage<out R>>): Task<R> {
        checkAccepting()
        return eventLoop.newAsyncTask(name, body, childContext)
    }
}
