/*
 * asyncio's AsyncExitStack: resources pushed in order, closed in reverse order one after the
 * other when the stack closes, each close started when the previous one has completed, failed or
 * not. The first failure is the stack's, the later ones are suppressed (try-with-resources' rule
 * for nested resources). The closing runs to its end: nothing cancels it. Every close is started
 * on the loop that closes the stack, as asyncio runs every exit on its loop (a close that completes
 * on another thread must not start the next one there, where no loop is current).
 */
package dev.aio4j.internal.stream

import dev.aio4j.Task
import dev.aio4j.internal.CoroutineTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.LoopFuture
import dev.aio4j.internal.awaitOutcome
import dev.aio4j.internal.unwrap
import dev.aio4j.stream.AsyncCloseable
import dev.aio4j.stream.AsyncExitStack
import java.util.Objects
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.RejectedExecutionException

internal class ExitStackImpl : AsyncExitStack {
    /** Runs [action] on [loop]; here if the loop is closed (the closing must not stop halfway). */
    private fun execute(loop: EventLoop, action: Runnable) {
        try {
            loop.execute(action)
        } catch (e: RejectedExecutionException) {
            action.run()
        }
    }

    private val resources = ArrayList<AsyncCloseable>()
    private var closing: CompletableFuture<Void?>? = null

    override fun <R : AsyncCloseable> enter(resource: R): R {
        Objects.requireNonNull(resource, "resource")
        synchronized(this) {
            check(closing == null) { "the exit stack has been closed" }
            resources.add(resource)
        }
        return resource
    }

    override fun <R : AsyncCloseable> enterAsync(opening: CompletionStage<out R>): Task<R> {
        Objects.requireNonNull(opening, "opening")
        val loop = Current.loop()
        loop.checkOpen()
        return CoroutineTask(loop, loop.taskContext, null) {
            val opened: R? = awaitOutcome(opening).getOrThrow()
            val resource = opened ?: throw NullPointerException("opening completed with null instead of a resource")
            val open = synchronized(this@ExitStackImpl) { (closing == null).also { if (it) resources.add(resource) } }
            if (!open) {
                closeError(resource)
                throw IllegalStateException("the exit stack was closed before the resource arrived; it has been closed")
            }
            resource
        }.also { it.start(loop.taskContext) }
    }

    override fun closeAsync(): CompletionStage<Void?> {
        val done: CompletableFuture<Void?>
        val toClose: List<AsyncCloseable>
        val loop = Current.loopOrNull()
        synchronized(this) {
            closing?.let { return it }
            done = if (loop != null) LoopFuture(loop, null) else CompletableFuture()
            closing = done
            toClose = resources.reversed()
            resources.clear()
        }
        closeFrom(loop, toClose, 0, null, done)
        return done
    }

    /**
     * Closes toClose[i], then (when it has completed) the rest, each started on [loop] (asyncio's
     * aclose runs every exit on the loop), or where the previous one completed when the stack was
     * closed outside any loop; completes [done] at the end.
     */
    private fun closeFrom(loop: EventLoop?, toClose: List<AsyncCloseable>, i: Int, first: Throwable?, done: CompletableFuture<Void?>) {
        if (i == toClose.size) {
            if (first == null) done.complete(null) else done.completeExceptionally(first)
            return
        }
        val stage = try {
            toClose[i].closeAsync()
        } catch (e: Throwable) {
            CompletableFuture.failedFuture<Void?>(e)
        }
        stage.whenComplete { _, e ->
            var firstSoFar = first
            if (e != null) {
                val error = unwrap(e)
                if (firstSoFar == null) firstSoFar = error else if (firstSoFar !== error) firstSoFar.addSuppressed(error)
            }
            val rest = Runnable { closeFrom(loop, toClose, i + 1, firstSoFar, done) }
            if (loop == null || loop.isLoopThread()) rest.run() else execute(loop, rest)
        }
    }
}
