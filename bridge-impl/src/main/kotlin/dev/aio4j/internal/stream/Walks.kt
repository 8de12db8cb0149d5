/*
 * async for, non-blocking: forEach, forEachAsync and toList are one coroutine task each on the
 * current loop, walking the iterator and closing it however the walk ends (asyncio's aclose at
 * the end of an async for that left early), under NonCancellable so that the cancellation that
 * ended the walk does not cut the closing short. A generator's own walk is read without a stage
 * per element (poll, then awaitElement only when its buffer is empty).
 */
package dev.aio4j.internal.stream

import dev.aio4j.ExceptionContext
import dev.aio4j.Task
import dev.aio4j.ThrowingConsumer
import dev.aio4j.ThrowingFunction
import dev.aio4j.internal.CoroutineTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.KotlinAwait
import dev.aio4j.stream.AsyncCloseable
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext

internal object Walks {

    fun <T> forEach(iterable: AsyncIterable<T>, action: ThrowingConsumer<in T>): Task<Void?> = walk(iterable) { iterator ->
        iterator.forEachRemaining { action.accept(it) }
        null
    }

    fun <T> forEachAsync(iterable: AsyncIterable<T>, action: ThrowingFunction<in T, out CompletionStage<*>>): Task<Void?> = walk(iterable) { iterator ->
        iterator.forEachRemaining { x ->
            val stage: CompletionStage<*>? = action.apply(x) // null from Java despite the contract
            KotlinAwait.stage(stage ?: throw NullPointerException("the forEachAsync action returned null instead of a CompletionStage"))
        }
        null
    }

    fun <T> toList(iterable: AsyncIterable<T>): Task<List<T>> = walk(iterable) { iterator ->
        val list = ArrayList<T>()
        iterator.forEachRemaining { list.add(it) }
        list
    }

    private fun <T, R> walk(iterable: AsyncIterable<T>, block: suspend (AsyncIterator<T>) -> R): Task<R> {
        val loop = Current.loop()
        loop.checkOpen()
        return CoroutineTask(loop, loop.taskContext, null) {
            val iterator = iterable.asyncIterator()
            closing(iterator) { block(iterator) }
        }.also { it.start(loop.taskContext) }
    }
}

/** How many elements a walk over a generator takes from its buffer at once. */
internal const val BATCH = 64

/** Runs [block] on each element, in order, waiting for each without holding a thread. */
@Suppress("UNCHECKED_CAST")
internal suspend inline fun <T> AsyncIterator<T>.forEachRemaining(block: (T) -> Unit) {
    if (this is GeneratorIterator<T>) {
        val batch = arrayOfNulls<Any?>(BATCH) // taken under one monitor enter, handed out outside it
        while (true) {
            val n = drain(batch)
            when {
                n == 0 -> awaitElement()
                n < 0 -> return
                else -> for (k in 0 until n) {
                    val x = batch[k] as T
                    batch[k] = null
                    block(x)
                }
            }
        }
    }
    while (KotlinAwait.stage(hasNext())) block(next())
}

/**
 * Runs [block], then closes [resource] and waits for it, whatever happened (under NonCancellable):
 * try-with-resources' rule, [block]'s exception wins and the close's is suppressed.
 */
internal suspend inline fun <R> closing(resource: AsyncCloseable, block: () -> R): R {
    val result = try {
        block()
    } catch (e: Throwable) {
        suppressOrReport(e, closeError(resource), resource)
        throw e
    }
    closeError(resource)?.let { throw it }
    return result
}

/**
 * try-with-resources' rule for a close that failed ([closeError]) while [primary] propagates: it is
 * added to [primary] as suppressed. When [primary] is a cancellation, that alone loses it: a
 * cancelled task's outcome is its cancellation, which nobody need look into. So it is reported to
 * the loop's exception handler as well (with the current task), or, off a loop, to [context]'s
 * CoroutineExceptionHandler or the thread's uncaught-exception handler. asyncio raises an
 * aclose() failure instead of the CancelledError; the cancellation stays, and the failure is seen.
 * Before 2026-12-06 it was only suppressed: a generator's producer that failed as a cancelled
 * consumer closed it, a resource of a cancelled usingAsync whose close failed, went nowhere.
 */
internal fun suppressOrReport(primary: Throwable, closeError: Throwable?, resource: Any, context: CoroutineContext? = null) {
    if (closeError == null || closeError === primary) return
    primary.addSuppressed(closeError)
    // an InterruptedException is a blocking body's cancellation as it meets it (Thread.sleep in a cancelled task)
    if (!(primary is CancellationException || primary is InterruptedException) || closeError is CancellationException) return
    val loop = Current.loopOrNull()
    if (loop != null) {
        loop.callExceptionHandler(
            ExceptionContext("Exception closing $resource while a cancellation propagated (added to it as suppressed)", closeError, Current.task()),
        )
        return
    }
    val handler = context?.get(CoroutineExceptionHandler)
    if (handler != null) {
        handler.handleException(context, closeError)
    } else {
        val thread = Thread.currentThread()
        thread.uncaughtExceptionHandler.uncaughtException(thread, closeError)
    }
}

/** Closes [resource], waits for it without being cancelled, and returns what closing failed with. */
internal suspend fun closeError(resource: AsyncCloseable): Throwable? = withContext(NonCancellable) {
    try {
        KotlinAwait.stage(closeStageOf(resource))
        null
    } catch (e: Throwable) {
        e
    }
}

/**
 * The stage of [resource]'s closeAsync(): failed with what the call threw, or with a
 * NullPointerException when it returned null (Java code despite the contract), so that a close's
 * failure never escapes a caller's catch block and replaces the exception being handled there.
 */
internal fun closeStageOf(resource: AsyncCloseable): CompletionStage<*> = try {
    resource.closeAsync() ?: CompletableFuture.failedFuture<Void?>(NullPointerException("closeAsync() returned null instead of a stage: $resource"))
} catch (e: Throwable) {
    CompletableFuture.failedFuture<Void?>(e)
}
