/*
 * The CompletableFuture side of a task (Task.toCompletableFuture): a view under
 * CompletableFuture's own contract. Cancelling it requests the task's cancellation; it completes
 * with the task's outcome, exceptions as thrown. Its ...Async methods without an executor run on
 * the task's loop instead of ForkJoinPool.commonPool(), which on a 2-core machine is a new thread
 * per task.
 *
 * Stages derived from the view (thenApply, handle, thenCompose...) are LoopFutures that remember
 * the future they were derived from: cancelling one cancels its upstream, up to the task, as
 * cancelling an asyncio coroutine cancels what it awaits. So a non-blocking body may return
 * `other.thenApply(...)` and its cancellation still reaches `other`.
 */
package dev.aio4j.internal

import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.Executor

/**
 * A CompletableFuture whose default executor is a loop, whose dependents are LoopFutures too, and
 * whose cancellation goes up to the future it was derived from.
 */
internal open class LoopFuture<T>(@JvmField val loop: EventLoop, private val upstream: CompletableFuture<*>?) : CompletableFuture<T>() {
    override fun defaultExecutor(): Executor = loop
    override fun <U> newIncompleteFuture(): CompletableFuture<U> = LoopFuture(loop, this)

    override fun cancel(mayInterruptIfRunning: Boolean): Boolean {
        val cancelled = super.cancel(mayInterruptIfRunning)
        if (cancelled) upstream?.cancel(mayInterruptIfRunning)
        return cancelled
    }
}

/**
 * A stage of [shared]'s outcome for one caller of a closeAsync() that all callers share: cancelling
 * it ends that caller's wait only. Handing out [shared] itself let one caller's cancel() end the
 * closing's stage for every later caller (a close() then threw CancellationException at once,
 * while the closing still ran).
 */
internal fun <T> callersCopyOf(shared: CompletionStage<T>): CompletableFuture<T> {
    val loop = (shared as? LoopFuture<*>)?.loop
    val copy: CompletableFuture<T> = if (loop != null) LoopFuture(loop, null) else CompletableFuture()
    shared.whenComplete { v, e -> if (e == null) copy.complete(v) else copy.completeExceptionally(e) }
    return copy
}

internal class TaskView<T>(private val task: TaskImpl<T>) : LoopFuture<T>(task.eventLoop, null), (Throwable?) -> Unit {
    override fun cancel(mayInterruptIfRunning: Boolean): Boolean {
        val cancelled = super.cancel(mayInterruptIfRunning)
        if (cancelled) Trampoline.of(loop).run { task.cancel() } // a link of a chain (adopt of a view of a task that adopts...): see Trampoline
        return cancelled
    }

    /** The task's completion handler. */
    override fun invoke(cause: Throwable?) {
        val e = task.exceptionOrNull()
        if (e == null) complete(task.valueNow()) else completeExceptionally(e)
    }
}
