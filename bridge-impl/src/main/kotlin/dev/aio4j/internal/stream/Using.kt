/*
 * async with: Async.using (a blocking body on the calling thread) and Async.usingAsync (a
 * coroutine task following the body's stage). The resource is closed once however the body ends,
 * and the closing is waited for without being cut short by the cancellation that ended the body;
 * try-with-resources' rule for exceptions (the body's wins, the close's is suppressed).
 */
package dev.aio4j.internal.stream

import dev.aio4j.Task
import dev.aio4j.ThrowingFunction
import dev.aio4j.internal.CoroutineTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.Runs
import dev.aio4j.ExceptionContext
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.awaitOutcome
import dev.aio4j.internal.unwrap
import dev.aio4j.stream.AsyncCloseable
import java.util.concurrent.Callable
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage

internal object Using {

    fun <R : AsyncCloseable, T> using(open: Callable<out R>, body: ThrowingFunction<in R, out T>): T {
        Current.checkMayBlock("Async.using()")
        val resource: R = open.call() ?: throw NullPointerException("open returned null instead of a resource")
        val result = try {
            body.apply(resource)
        } catch (e: Throwable) {
            closeBlocking(resource)?.let { if (it !== e) e.addSuppressed(it) }
            throw Runs.unchecked(e, "the body of Async.using")
        }
        closeBlocking(resource)?.let { throw Runs.unchecked(it, "closing the resource") }
        return result
    }

    fun <R : AsyncCloseable, T> usingAsync(open: Callable<out CompletionStage<out R>>, body: ThrowingFunction<in R, out CompletionStage<out T>>): Task<T> {
        val loop = Current.loop()
        loop.checkOpen()
        return CoroutineTask(loop, loop.taskContext, null) {
            val opening: CompletionStage<out R>? = open.call() // null from Java despite the contract
            val opened: R? = awaitOpened(opening ?: throw NullPointerException("open returned null instead of a CompletionStage"), loop)
            val resource = opened ?: throw NullPointerException("open's stage completed with null instead of a resource")
            closing(resource) {
                val stage: CompletionStage<out T>? = body.apply(resource)
                awaitOutcome(stage ?: throw NullPointerException("the body returned null instead of a CompletionStage")).getOrThrow()
            }
        }.also { it.start(loop.taskContext) }
    }

    /**
     * The resource [opening] completes with. If the awaiting coroutine is cancelled first, a
     * resource that arrives anyway (from a stage that the cancellation did not reach, or one that
     * completed as it came) is closed as it arrives: nobody else will ever hold it. A failure of
     * that close goes to [loop]'s exception handler.
     */
    suspend fun <R : AsyncCloseable> awaitOpened(opening: CompletionStage<out R>, loop: EventLoop): R? {
        try {
            return awaitOutcome(opening).getOrThrow()
        } catch (e: CancellationException) {
            opening.whenComplete { resource, error -> if (error == null && resource != null) closeUnowned(resource, loop) }
            throw e
        }
    }

    private fun closeUnowned(resource: AsyncCloseable, loop: EventLoop) {
        val report = { e: Throwable ->
            loop.callExceptionHandler(ExceptionContext("Exception closing a resource that arrived after its opening was cancelled: $resource", e, null))
        }
        val stage = try {
            resource.closeAsync() ?: throw NullPointerException("closeAsync() returned null instead of a stage: $resource")
        } catch (e: Throwable) {
            report(e)
            return
        }
        stage.whenComplete { _, e -> if (e != null) report(unwrap(e)) }
    }

    /** AsyncResource.close(): waits for [closing], uninterruptibly, and throws its failure. */
    fun awaitClosed(closing: CompletionStage<*>) {
        Current.checkMayBlock("AsyncResource.close()")
        awaitUninterruptibly(closing)?.let { throw Runs.unchecked(it, "closing the resource") }
    }

    /** Closes [resource] and waits, uninterruptibly; returns what closing failed with. */
    fun closeBlocking(resource: AsyncCloseable): Throwable? = awaitUninterruptibly(
        try {
            resource.closeAsync()
        } catch (e: Throwable) {
            CompletableFuture.failedFuture<Void?>(e)
        },
    )
}
