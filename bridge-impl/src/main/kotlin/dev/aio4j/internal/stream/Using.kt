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
import dev.aio4j.internal.KotlinAwait
import dev.aio4j.internal.unwrap
import dev.aio4j.stream.AsyncCloseable
import java.util.concurrent.Callable
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletionStage

internal object Using {

    fun <R : AsyncCloseable, T> using(open: Callable<out R>, body: ThrowingFunction<in R, out T>): T {
        Current.checkMayBlock("Async.using()")
        val opened: R? = try {
            open.call()
        } catch (e: Throwable) {
            throw Runs.unchecked(e, "opening the resource of Async.using")
        }
        val resource: R = opened ?: throw NullPointerException("open returned null instead of a resource")
        val result = try {
            body.apply(resource)
        } catch (e: Throwable) {
            suppressOrReport(e, closeBlocking(resource), resource)
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
                KotlinAwait.stage(stage ?: throw NullPointerException("the body returned null instead of a CompletionStage"))
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
            return KotlinAwait.stage(opening)
        } catch (e: CancellationException) {
            opening.whenComplete { resource, error -> if (error == null && resource != null) closeUnowned(resource, loop) }
            throw e
        }
    }

    private fun closeUnowned(resource: AsyncCloseable, loop: EventLoop) {
        val report = { e: Throwable ->
            loop.callExceptionHandler(ExceptionContext("Exception closing a resource that arrived after its opening was cancelled: $resource", e, null))
        }
        closeStageOf(resource).whenComplete { _, e -> if (e != null) report(unwrap(e)) }
    }

    /**
     * AsyncResource.close(): refuses a loop's thread before it closes anything, then closes
     * [resource], waits for it uninterruptibly, and throws its failure.
     */
    fun closeAndWait(resource: AsyncCloseable) {
        Current.checkMayBlock("AsyncResource.close()")
        closeBlocking(resource)?.let { throw Runs.unchecked(it, "closing the resource") }
    }

    /** Closes [resource] and waits, uninterruptibly; returns what closing failed with. */
    fun closeBlocking(resource: AsyncCloseable): Throwable? = awaitUninterruptibly(closeStageOf(resource))
}
