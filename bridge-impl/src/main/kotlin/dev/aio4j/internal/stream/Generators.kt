/*
 * The two kinds of Java generator: a blocking-style body (a BlockingTask on its own virtual
 * thread) and a non-blocking body (an AsyncBodyTask called on the loop); the third kind, a
 * coroutine collecting a Flow (asAsyncIterable, fromPublisher), is FlowIterable. Each
 * asyncIterator() is a new walk with a producer of its own, as each call of an asyncio async
 * generator function is a new generator.
 */
package dev.aio4j.internal.stream

import dev.aio4j.ThrowingFunction
import dev.aio4j.internal.AsyncBodyTask
import dev.aio4j.internal.BlockingTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.TaskImpl
import dev.aio4j.stream.AsyncEmitter
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import dev.aio4j.stream.Generator
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import kotlin.concurrent.withLock

internal class BlockingGenerator<T>(private val capacity: Int, private val body: Generator<T>) : AsyncIterable<T> {
    override fun asyncIterator(): AsyncIterator<T> = object : GeneratorIterator<T>(Current.loop(), capacity) {
        override fun startProducer(): TaskImpl<*> {
            loop.checkOpen()
            return GeneratorProducerTask(this, Callable { body.generate(this); null }).also { it.start(loop.taskContext) }
        }
    }
}

/**
 * The task of a blocking generator's body. Cancelled from outside the walk (the loop's close
 * cancels every task) once the walk's close has told the body through its emit (the GeneratorExit),
 * it is not interrupted: the body has its one cancellation, and its finally blocks may make
 * blocking calls, as Emitter's Javadoc says. Before (found from outside on 2026-12-06), a loop closed
 * while a blocking-view consumer walked interrupted the body's clean-up: the consumer's thread closed
 * the walk (its emit threw the GeneratorExit) before the close reached the producer's task.
 */
internal class GeneratorProducerTask(@JvmField val walk: GeneratorIterator<*>, body: Callable<Any?>) :
    BlockingTask<Any?>(walk.loop, null, body, walk.loop.blockingExecutor) {
    override fun onCancelRequested(cause: Throwable) {
        // Under the walk's monitor, as the GeneratorExit is made (GeneratorIterator.exit): either the
        // body is told first, and its task is not interrupted, or the interrupt has begun when the
        // emit throws, and the emit takes it (exitDelivers)
        walk.monitor.withLock {
            if (phase() == RUNNING && walk.bodyToldOfClose()) return
            super.onCancelRequested(cause)
        }
    }
}

internal class AsyncGenerator<T>(
    private val capacity: Int,
    private val body: ThrowingFunction<in AsyncEmitter<T>, out CompletionStage<*>>,
) : AsyncIterable<T> {
    override fun asyncIterator(): AsyncIterator<T> = object : GeneratorIterator<T>(Current.loop(), capacity) {
        override fun startProducer(): TaskImpl<*> {
            loop.checkOpen()
            return GeneratorBodyTask(this, Callable { body.apply(this) }).also { it.start(loop.taskContext) }
        }

        override val producerOnLoop: Boolean get() = true
    }
}

/**
 * The task of a non-blocking generator's body. Cancelled from outside the walk (the loop's close
 * cancels every task) while the body waits at emitAsync, it fails that stage with its cancellation
 * first, in a step of the loop, as asyncio's cancellation raises CancelledError at the await (and
 * its shutdown_asyncgens GeneratorExit at the yield): the body's chain runs its handlers, its
 * clean-up; what of the chain is still pending after that step is cancelled as any task's stage is.
 * Before (found from outside on 2026-12-05), the chain was cancelled from its end at once, which
 * skips every whenComplete in it: a loop closed in the middle of a walk lost the body's clean-up.
 */
internal class GeneratorBodyTask(
    private val walk: GeneratorIterator<*>,
    body: Callable<out CompletionStage<out Any?>>,
) : AsyncBodyTask<Any?>(walk.loop, null, body) {
    /**
     * The body's first call is a run of the body up to the task's following of the stage it
     * returns: a cancel that comes before that is left to the walk (failEmitOnCancel), which fails
     * the emitAsync the body waits at once the run has ended.
     */
    override fun run() {
        walk.bodyRun { super.run() }
    }

    override fun onCancelRequested(cause: Throwable) {
        if (!walk.failEmitOnCancel(this)) super.onCancelRequested(cause)
    }

    /** Cancelled while its first run went on: the walk fails the pending emitAsync, then cancels the rest (cancelRest). */
    override fun cancelFollowedStage(stage: CompletionStage<*>, cause: Throwable) {
        if (!walk.failEmitOnCancel(this)) super.cancelFollowedStage(stage, cause)
    }

    /** After the failed emitAsync's step: the rest of the body's chain, if any, is cancelled as any task's stage. */
    fun cancelRest() {
        if (!isDone) super.onCancelRequested(cancellationCause())
    }
}

