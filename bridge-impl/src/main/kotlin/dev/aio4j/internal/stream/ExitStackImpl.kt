/*
 * asyncio's AsyncExitStack: resources pushed in order, closed in reverse order one after the
 * other when the stack closes, each close started when the previous one has completed, failed or
 * not. The first failure is the stack's, the later ones are suppressed (try-with-resources' rule
 * for nested resources). The closing runs to its end: nothing cancels it.
 */
package dev.aio4j.internal.stream

import dev.aio4j.Task
import dev.aio4j.internal.CoroutineTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.LoopFuture
import dev.aio4j.internal.awaitOutcome
import dev.aio4j.internal.unwrap
import dev.aio4j.stream.AsyncCloseable
import dev.aio4j.stream.AsyncExitStack
import java.util.Objects
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage

internal class ExitStackImpl : AsyncExitStack {
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
        }
    }

    override fun closeAsync(): CompletionStage<Void?> {
        val done: CompletableFuture<Void?>
        val toClose: List<AsyncCloseable>
        synchronized(this) {
            closing?.let { return it }
            done = Current.loopOrNull()?.let { LoopFuture<Void?>(it, null) } ?: CompletableFuture()
            closing = done
            toClose = resources.reversed()
            resources.clear()
        }
        closeFrom(toClose, 0, null, done)
        return done
    }

    /** Closes toClose[i], then (when it has completed) the rest; completes [done] at the end. */
    private fun closeFrom(toClose: List<AsyncCloseable>, i: Int, first: Throwable?, done: CompletableFuture<Void?>) {
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
            closeFrom(toClose, i + 1, firstSoFar, done)
        }
    }
}
