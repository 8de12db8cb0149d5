/*
 * The two kinds of Java generator: a blocking-style body (a BlockingTask on its own virtual
 * thread) and a non-blocking body (an AsyncBodyTask called on the loop); the third kind, a
 * coroutine collecting a Flow (asAsyncIterable, fromPublisher), is FlowIterable. Each
 * asyncIterator() is a new walk with a producer of its own, as each call of an asyncio async
 * generator function is a new generator.
 */
package dev.aio4j.internal.stream

import dev.aio4j.ThrowingFunction
import dev.aio4j.internal.Current
import dev.aio4j.internal.TaskImpl
import dev.aio4j.stream.AsyncEmitter
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import dev.aio4j.stream.Generator
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage

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
        override fun startProducer(): TaskImpl<*> = loop.newAsyncTask<Any?>(null, Callable { bodyRun { body.apply(this) } }, loop.taskContext)

        override val producerOnLoop: Boolean get() = true
    }
}
