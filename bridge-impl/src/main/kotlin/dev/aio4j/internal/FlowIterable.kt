/*
 * A Kotlin Flow seen from Java as an AsyncIterable (Flow.asAsyncIterable; fromPublisher too, over
 * kotlinx's Publisher.asFlow()).
 *
 * forEach collects the flow in one coroutine task on the current loop and calls the action for each
 * element: no hand-off, no stage per element. Cancelling the task cancels the collection (the
 * flow's finally blocks run), and the task ends when the flow has finished.
 *
 * asyncIterator() is a generator's walk (GeneratorIterator) whose producer is a coroutine task on
 * the loop collecting the flow into the walk's buffer (send suspends while it is full), so every
 * consumer reads it as it reads a generator: forEach/toList/toPublisher in batches without a stage
 * per element, the blocking view with a park only when the buffer is empty. closeAsync() cancels
 * the producer and completes when the flow has finished; a failure of the flow reaches the
 * consumer after the elements before it, as the same instance.
 */
package dev.aio4j.internal

import dev.aio4j.Task
import dev.aio4j.ThrowingConsumer
import dev.aio4j.internal.stream.GeneratorIterator
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import java.util.Objects
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.flow.Flow

internal class FlowIterable<T>(private val flow: Flow<T>, private val buffer: Int = BUFFER) : AsyncIterable<T> {

    override fun asyncIterator(): AsyncIterator<T> {
        val loop = Current.loop()
        loop.checkOpen()
        return object : GeneratorIterator<T>(loop, buffer) {
            override fun startProducer(): TaskImpl<*> = collectInto(this)
        }
    }

    private fun collectInto(into: GeneratorIterator<T>): TaskImpl<*> {
        val loop = into.loop
        loop.checkOpen()
        val context = collectorContext(loop)
        return CoroutineTask<Void?>(loop, context, null) {
            flow.collect { if (!into.offer(it)) into.send(it) }
            null
        }.also { it.start(context) }
    }

    /**
     * The context a collecting task runs in: the loop's, without its exception handler (unused: the
     * task takes its own failure). The flow's SafeCollector looks the Job up in it on every element
     * (ensureActive); without the handler that lookup is one CombinedContext, as in runBlocking,
     * instead of two, which was 29% of a forEach's samples.
     */
    private fun collectorContext(loop: EventLoop) = loop.taskContext.minusKey(CoroutineExceptionHandler)

    override fun forEach(action: ThrowingConsumer<in T>): Task<Void?> {
        Objects.requireNonNull(action, "action")
        val loop = Current.loop()
        loop.checkOpen()
        val context = collectorContext(loop)
        return CoroutineTask<Void?>(loop, context, null) {
            flow.collect { action.accept(it) }
            null
        }.also { it.start(context) }
    }

    override fun toString(): String = "AsyncIterable($flow)"

    companion object {
        /** The walk's buffer: a generator's default. */
        const val BUFFER = 256
    }
}
