/*
 * Kotlin Flows and aio4j's AsyncIterables, each seen as the other, and AsyncCloseable.use.
 */
@file:JvmName("Flows")

package dev.aio4j.kotlin

import dev.aio4j.internal.FlowIterable
import dev.aio4j.internal.KotlinAwait
import dev.aio4j.internal.stream.closeError
import dev.aio4j.internal.stream.suppressOrReport
import dev.aio4j.stream.AsyncCloseable
import dev.aio4j.stream.AsyncIterable
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.isActive
import kotlinx.coroutines.flow.flow

/**
 * This flow as an [AsyncIterable] for Java; `async for` over an async generator in asyncio.
 *
 * Each walk collects the flow anew (a cold flow runs once per walk), on the loop current where the
 * walk starts. `forEach(action)` collects it in one task and calls the action for each element on
 * the loop, with no hand-off per element; `asyncIterator()` (and so `toList()`, `toPublisher()`)
 * collects it in a producer task that runs ahead of the consumer by at most 320 elements (a
 * buffer of 256 and a chunk of 64 being moved into it). `blocking()` read by a blocking-style task
 * collects the flow on that task's own thread, one element per `hasNext()`, as `Suspend.join`
 * runs a suspend function: nothing is emitted ahead of the reader, and what the flow waits for
 * (a delay, another dispatcher) resumes it on the reading thread while it waits in `hasNext()`.
 *
 * **Cancellation:** cancelling `forEach`'s task, or closing the iterator (`closeAsync()`, which
 * early exits do), cancels the collection: the flow's `finally` blocks run, and the task (or the
 * stage `closeAsync()` returns) completes after they have. The blocking view: `close()` (or a
 * `for` loop's early exit in try-with-resources) cancels the flow at the `emit` it waits in and
 * returns once its `finally` blocks have run, on the reading thread; an interrupt of the reading
 * task (its cancellation) while the flow waits cancels it the same way and `hasNext()` throws
 * `CancellationException`; a view the task's body leaves open is closed when the body returns.
 *
 * **Exceptions:** a failure of the flow arrives as the same instance (the task's, the failed
 * `hasNext()` stage's, or thrown by the blocking view's `hasNext()`).
 *
 * **Threading:** walk it from any thread of a running loop, one iterator per walk (an iterator is
 * used by one consumer at a time); the flow runs on the loop, or, in a blocking view read by a
 * blocking-style task, on that task's thread, which alone may go on with the walk (another
 * thread's `hasNext()` that would advance the flow, or its `close()`, throws IllegalStateException;
 * one that answers from the element the owner already fetched does not). An element's emission
 * happens-before the `hasNext()` stage that announces it completes. Making the iterable starts
 * nothing and throws nothing; its `asyncIterator()` throws IllegalStateException with no running loop
 * on the calling thread, or when that loop is closed.
 *
 * @return an iterable over this flow's elements
 */
public fun <T> Flow<T>.asAsyncIterable(): AsyncIterable<T> = FlowIterable(this)

/**
 * This [AsyncIterable] as a cold Kotlin [Flow]; `async for x in aiter` in asyncio.
 *
 * Each collection opens a new iterator and emits its elements in order.
 *
 * **Cancellation:** cancelling the collector cancels the pending `hasNext()` stage (a task follows
 * the task's rules: it is cancelled and waited for); the iterator is closed however the collection
 * ends (completion, failure, cancellation, or a consumer that stops early as `first()` and `take(n)`
 * do), exactly once, non-cancellably.
 *
 * **Exceptions:** the iterator's failure, the same instance; close's own failure is added as
 * suppressed to the collection's, or thrown if the collection succeeded. When the collection was
 * cancelled, close's failure is reported as well (the loop's exception handler when collected on a
 * loop's thread, else the coroutine's `CoroutineExceptionHandler` or the thread's
 * uncaught-exception handler): nobody need look into a cancellation.
 *
 * **Threading:** the flow opens an iterator where it is collected, so collect it where this
 * iterable's iterators may be opened: an aio4j generator (and what `map`, `filter` and `take` make
 * of one) belongs to the loop running on the thread that starts its walk, so a flow of one is
 * collected on a loop's thread (a coroutine on `loop.asCoroutineDispatcher()`, a function called
 * by `Suspend.call`): collected on `Dispatchers.Default`, or moved there by `flowOn`, it fails with
 * `IllegalStateException` ("no running event loop"); `.flowOn(loop.asCoroutineDispatcher())` moves
 * the walk back to the loop, and such a flow is collected from any dispatcher. An iterable of your own opens its iterators
 * where it allows. The iterator's stages may complete on any thread, and the collector resumes on
 * its own dispatcher.
 *
 * @return a flow of this iterable's elements
 */
public fun <T> AsyncIterable<T>.asFlow(): Flow<T> {
    val iterable = this
    return flow {
        val iterator = iterable.asyncIterator()
        var failure: Throwable? = null
        try {
            while (KotlinAwait.stage(iterator.hasNext())) emit(iterator.next())
        } catch (e: Throwable) {
            failure = e
            throw e
        } finally {
            // A cancellation while the collecting coroutine is still active is a consumer that
            // stopped early (take, first: kotlinx's AbortFlowException, which they swallow): the
            // collection succeeded, so close's failure is thrown, as kotlinx fails such a
            // collection with what a flow's finally throws. Added as suppressed to that abort, it
            // vanished (found from outside on 2026-12-06).
            // Told by its class (kotlinx's internal AbortFlowException), not by any cancellation
            // with the collector active: a source's own CancellationException, or withTimeout's
            // inside collect, is a failure of the collection, which keeps close's as suppressed.
            val stoppedEarly = failure?.javaClass?.name == ABORT_FLOW && currentCoroutineContext().isActive
            closeQuietly(iterator, if (stoppedEarly) null else failure)
        }
    }
}

/**
 * Runs [block] with this resource and closes it afterwards with [AsyncCloseable.closeAsync];
 * asyncio's `async with resource:`.
 *
 * **Cancellation:** closing is not cancellable: a cancelled coroutine still closes the resource,
 * once, and waits for the close to complete before the cancellation propagates.
 *
 * **Exceptions:** the block's failure wins, with close's failure added to it as suppressed (and,
 * when the block was cancelled, reported as `asFlow` reports it); a close
 * that fails after a block that succeeded throws its failure (the same instance).
 *
 * **Threading:** like the resource; the close's completion happens-before the return.
 *
 * @param block the body, given this resource
 * @return what [block] returned
 */
public suspend fun <C : AsyncCloseable, R> C.use(block: suspend (C) -> R): R {
    var failure: Throwable? = null
    try {
        return block(this)
    } catch (e: Throwable) {
        failure = e
        throw e
    } finally {
        closeQuietly(this, failure)
    }
}

/** Closes [resource] non-cancellably; its failure is added to [failure], or thrown if there is none. */
private suspend fun closeQuietly(resource: AsyncCloseable, failure: Throwable?) {
    val closeError = closeError(resource)
    if (closeError != null) {
        if (failure != null) suppressOrReport(failure, closeError, resource, currentCoroutineContext()) else throw closeError
    }
}

/** The class of kotlinx's exception for a collector that stopped early (take, first): internal to kotlinx, so told by name. */
private const val ABORT_FLOW = "kotlinx.coroutines.flow.internal.AbortFlowException"
