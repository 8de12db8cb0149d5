/*
 * A Kotlin Flow seen from Java as an AsyncIterable (Flow.asAsyncIterable).
 *
 * forEach collects the flow in one coroutine task on the current loop and calls the action for each
 * element: no hand-off, no stage per element. Cancelling the task cancels the collection (the
 * flow's finally blocks run), and the task ends when the flow has finished.
 *
 * asyncIterator() collects the flow in a producer task on the loop that sends into a buffered
 * channel; hasNext() takes what is there without suspending and answers with a task made once per
 * iterator (true) when it can, and waits for the producer otherwise. closeAsync() cancels the
 * producer and completes when the flow has finished. A failure of the flow reaches the consumer as
 * the same instance (through the channel's close cause, read as a value).
 */
package dev.aio4j.internal

import dev.aio4j.Task
import dev.aio4j.ThrowingConsumer
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import java.util.Objects
import java.util.concurrent.CompletionStage
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow

internal class FlowIterable<T>(private val flow: Flow<T>) : AsyncIterable<T> {

    override fun asyncIterator(): AsyncIterator<T> {
        val loop = Current.loop()
        loop.checkOpen()
        return FlowIterator(flow, loop)
    }

    override fun forEach(action: ThrowingConsumer<in T>): Task<Void?> {
        Objects.requireNonNull(action, "action")
        val loop = Current.loop()
        loop.checkOpen()
        return CoroutineTask<Void?>(loop, loop.taskContext, null) {
            flow.collect { action.accept(it) }
            null
        }.also { it.start(loop.taskContext) }
    }

    override fun toString(): String = "AsyncIterable($flow)"
}

private class FlowIterator<T>(private val flow: Flow<T>, private val loop: EventLoop) : AsyncIterator<T> {
    private val channel = Channel<T>(Channel.BUFFERED)
    private val hasMore: TaskImpl<Boolean> = DoneTask.of(loop, Result.success(true))
    private var producer: CoroutineTask<Void?>? = null
    private var next: Any? = NONE

    override fun hasNext(): CompletionStage<Boolean> {
        if (next !== NONE) return hasMore
        if (producer == null) producer = startProducer()
        val polled = channel.tryReceive()
        if (polled.isSuccess) {
            next = polled.getOrThrow()
            return hasMore
        }
        if (polled.isClosed) return ended(polled.exceptionOrNull())
        return CoroutineTask(loop, loop.taskContext, null) {
            val received = channel.receiveCatching()
            if (received.isSuccess) {
                next = received.getOrThrow()
                true
            } else {
                received.exceptionOrNull()?.let { throw it }
                false
            }
        }.also { it.start(loop.taskContext) }
    }

    private fun ended(failure: Throwable?): TaskImpl<Boolean> =
        DoneTask.of(loop, if (failure == null) Result.success(false) else Result.failure(failure))

    override fun next(): T {
        val value = next
        if (value === NONE) throw NoSuchElementException("next() without a hasNext() that completed with true")
        next = NONE
        @Suppress("UNCHECKED_CAST")
        return value as T
    }

    override fun closeAsync(): CompletionStage<Void?> {
        val running = producer ?: return loop.doneVoid
        running.cancel()
        channel.cancel()
        return CoroutineTask<Void?>(loop, loop.taskContext, null) {
            running.job.join()
            null
        }.also { it.start(loop.taskContext) }
    }

    private fun startProducer(): CoroutineTask<Void?> {
        val task = CoroutineTask<Void?>(loop, loop.taskContext, null) {
            var failure: Throwable? = null
            try {
                flow.collect { channel.send(it) }
            } catch (e: Throwable) {
                failure = e
                throw e
            } finally {
                channel.close(failure)
            }
            null
        }.also { it.start(loop.taskContext) }
        task.markRetrieved() // its failure reaches the consumer through the channel
        return task
    }

    private companion object {
        val NONE = Any()
    }
}
