/*
 * The three kinds of generator: a blocking-style body (a BlockingTask on its own virtual thread),
 * a non-blocking body (an AsyncBodyTask called on the loop), and a coroutine (fromPublisher's
 * collector of kotlinx's Publisher.asFlow()). Each asyncIterator() is a new walk with a producer
 * of its own, as each call of an asyncio async generator function is a new generator.
 */
package dev.aio4j.internal.stream

import dev.aio4j.ThrowingFunction
import dev.aio4j.internal.CoroutineTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.TaskImpl
import dev.aio4j.stream.AsyncEmitter
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import dev.aio4j.stream.Generator
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import java.util.concurrent.Flow
import kotlinx.coroutines.jdk9.asFlow

internal class BlockingGenerator<T>(private val capacity: Int, private val body: Generator<T>) : AsyncIterable<T> {
    override fun asyncIterator(): AsyncIterator<T> = object : GeneratorIterator<T>(Current.loop(), capacity) {
        override fun startProducer(): TaskImpl<*> =
            loop.newBlockingTask(null, Callable { body.generate(this); null }, loop.taskContext, loop.blockingExecutor)
    }
}

internal class AsyncGenerator<T>(
    private val capacity: Int,
    private val body: ThrowingFunction<in AsyncEmitter<T>, out CompletionStage<*>>,
) : AsyncIterable<T> {
    override fun asyncIterator(): AsyncIterator<T> = object : GeneratorIterator<T>(Current.loop(), capacity) {
        override fun startProducer(): TaskImpl<*> = loop.newAsyncTask<Any?>(null, Callable { body.apply(this) }, loop.taskContext)
    }
}

/** A Flow.Publisher seen as an AsyncIterable: kotlinx's asFlow() (which requests in batches) collected into a walk's buffer. */
internal class PublisherIterable<T : Any>(private val publisher: Flow.Publisher<T>) : AsyncIterable<T> {
    override fun asyncIterator(): AsyncIterator<T> = object : GeneratorIterator<T>(Current.loop(), BUFFER) {
        override fun startProducer(): TaskImpl<*> = newCollector(loop, this)
    }

    private fun newCollector(loop: EventLoop, into: GeneratorIterator<T>): TaskImpl<*> {
        loop.checkOpen()
        return CoroutineTask<Void?>(loop, loop.taskContext, null) {
            publisher.asFlow().collect { into.send(it) }
            null
        }.also { it.start(loop.taskContext) }
    }

    private companion object {
        const val BUFFER = 64
    }
}
