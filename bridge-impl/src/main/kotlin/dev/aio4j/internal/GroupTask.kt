/*
 * asyncio.TaskGroup on kotlinx's job tree: the group is a task whose job is the parent of the
 * group's tasks. A plain (non-supervisor) parent gives asyncio's fail-fast for free: a failing
 * child cancels the group, which cancels its other children; the group's job completes only when
 * all children have, with the first failure as its exception and the later ones suppressed
 * (kotlinx's rule, and try-with-resources'). The group itself is a child of the loop's root, so
 * its failure cancels nobody else. Its body's stage (non-blocking form) is followed; the thread
 * of a blocking body is interrupted through [bodyGuard] when the group is cancelled.
 */
package dev.aio4j.internal

import dev.aio4j.ThrowingRunnable
import dev.aio4j.Task
import dev.aio4j.TaskGroup
import java.util.Objects
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import kotlinx.coroutines.Job
import kotlin.coroutines.CoroutineContext

internal class GroupTask<T>(loop: EventLoop, context: CoroutineContext) : FollowingTask<T>(loop, context, null, RUNNING), TaskGroup {
    private val childContext: CoroutineContext = loop.dispatcher + job
    @Volatile @JvmField var bodyGuard: InterruptGuard? = null

    init {
        job.attach(context[Job])
    }

    override fun onCancelRequested(cause: Throwable) {
        bodyGuard?.fire()
        super.onCancelRequested(cause)
    }

    private fun checkAccepting() {
        if (!job.isActive) {
            throw IllegalStateException(if (job.isCompleted) "the TaskGroup has finished" else "the TaskGroup is shutting down")
        }
    }

    override fun <R> createTask(body: Callable<out R>): Task<R> = blocking(null, body)

    override fun <R> createTask(name: String, body: Callable<out R>): Task<R> {
        Objects.requireNonNull(name, "name")
        return blocking(name, body)
    }

    override fun createTask(body: ThrowingRunnable): Task<Void?> = blocking(null, voidBody(body))

    override fun createTask(name: String, body: ThrowingRunnable): Task<Void?> {
        Objects.requireNonNull(name, "name")
        return blocking(name, voidBody(body))
    }

    override fun <R> createTaskAsync(body: Callable<out CompletionStage<out R>>): Task<R> = nonBlocking(null, body)

    override fun <R> createTaskAsync(name: String, body: Callable<out CompletionStage<out R>>): Task<R> {
        Objects.requireNonNull(name, "name")
        return nonBlocking(name, body)
    }

    private fun <R> blocking(name: String?, body: Callable<out R>): Task<R> {
        Objects.requireNonNull(body, "body")
        checkAccepting()
        return eventLoop.newBlockingTask(name, body, childContext, eventLoop.blockingExecutor)
    }

    private fun <R> nonBlocking(name: String?, body: Callable<out CompletionStage<out R>>): Task<R> {
        Objects.requireNonNull(body, "body")
        checkAccepting()
        return eventLoop.newAsyncTask(name, body, childContext)
    }
}
