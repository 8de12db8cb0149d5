/*
 * A Kotlin Flow seen from Java as an AsyncIterable (Flow.asAsyncIterable; fromPublisher too, over
 * kotlinx's Publisher.asFlow()).
 *
 * forEach collects the flow in one coroutine task on the current loop and calls the action for each
 * element: no hand-off, no stage per element. Cancelling the task cancels the collection (the
 * flow's finally blocks run), and the task ends when the flow has finished.
 *
 * asyncIterator() is a generator's walk (GeneratorIterator) whose producer is a coroutine task on
 * the loop collecting the flow into the walk's buffer (a chunk of CHUNK elements at a time on a
 * single-threaded loop, suspending while the buffer is full), so every consumer reads it as it
 * reads a generator: forEach/toList/toPublisher in batches without a stage per element, the
 * blocking view with a bounded spin, then a park, only when the buffer is empty. The producer runs
 * at most BUFFER + CHUNK elements ahead of what the consumer has taken (the blocking view takes
 * BATCH at a time). closeAsync() cancels the producer and completes when the flow has finished; a
 * failure of the flow reaches the consumer after the elements before it, as the same instance.
 *
 * The blocking view read by a blocking-style task does not take this walk: it collects [flow] on
 * its own thread (FlowOnThread), one element per hasNext().
 */
package dev.aio4j.internal

import dev.aio4j.Task
import dev.aio4j.ThrowingConsumer
import dev.aio4j.internal.stream.GeneratorIterator
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import java.util.Objects
import java.util.concurrent.CancellationException
import java.util.concurrent.RejectedExecutionException
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector

internal class FlowIterable<T>(@JvmField val flow: Flow<T>, private val buffer: Int = BUFFER) : AsyncIterable<T> {

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
            try {
                if (loop.singleThread) {
                    ChunkingCollector(into).collectAll(flow)
                } else {
                    flow.collect { if (!into.offer(it)) into.send(it) }
                }
            } catch (e: Throwable) {
                throw thrownInstance(e)
            }
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
            try {
                flow.collect { action.accept(it) }
            } catch (e: Throwable) {
                throw thrownInstance(e) // what the action or the flow threw, not kotlinx's copy of it
            }
            null
        }.also { it.start(context) }
    }

    override fun toString(): String = "AsyncIterable($flow)"

    /**
     * The collector of a walk on a single-threaded loop: it gathers the flow's elements into a chunk
     * of [CHUNK] and moves a full chunk into the walk's buffer under one monitor enter (suspending
     * while the buffer has no room), instead of one enter per element, which the consumer's thread
     * would contend for. A chunk that is not full is moved by a step of the loop scheduled when its
     * first element arrives, which runs once the collector has suspended (the flow waits for
     * something) or its step has ended; what that step finds no room for is moved by another step
     * once the consumer has made room, so an element is never held back while the flow waits.
     * The chunk is touched by the loop's thread only. A failure of the flow is thrown after the
     * chunk has been moved (the elements before it first); a close drops the chunk's elements, not the failure.
     */
    private class ChunkingCollector<T>(private val into: GeneratorIterator<T>) : FlowCollector<T> {
        private val chunk = arrayOfNulls<Any?>(CHUNK)
        /** The chunk's elements not moved yet: [from] until [size]. */
        private var from = 0
        private var size = 0
        private var flushScheduled = false
        /** The rest of a [move] that found too little room: run in a step of the loop once there is room. */
        private val moveOnRoom = Runnable { move() }

        /**
         * Collects [flow] into the walk. A failure of the flow goes after the chunk's elements; if the
         * walk was closed meanwhile (the flow's finally threw as the close cancelled it), moving the
         * chunk fails with the close's exit, and the flow's failure is what the task ends with all
         * the same, for the close to report. Before 2026-12-06 the exit replaced it: a flow whose
         * clean-up failed as the consumer stopped early, with elements left in the chunk, lost that
         * failure (FlowFailingAsItsWalkClosesTest; found from outside).
         */
        suspend fun collectAll(flow: Flow<T>) {
            try {
                flow.collect(this)
            } catch (e: Throwable) {
                if (e !is CancellationException) {
                    try {
                        moveAll()
                    } catch (closed: Throwable) {
                        // the walk is closed (closedError, or the close's cancellation of a wait for
                        // room): the chunk is dropped, and the flow's failure stands
                    }
                }
                throw e
            }
            moveAll()
        }

        override suspend fun emit(value: T) {
            chunk[size++] = value
            if (size == CHUNK) {
                moveAll()
            } else if (!flushScheduled) {
                flushScheduled = true
                try {
                    into.loop.execute {
                        flushScheduled = false
                        move()
                    }
                } catch (e: RejectedExecutionException) {
                    flushScheduled = false // the loop is closing: the chunk goes at its next move
                }
            }
        }

        /**
         * Moves what the buffer has room for, without suspending, and has the rest moved once there
         * is room (unless the collector waits for room itself: then it moves it); a close drops the chunk.
         */
        private fun move() {
            if (from == size) return
            val at = into.offerAll(chunk, from, size, moveOnRoom)
            if (at < 0) {
                drop()
            } else if (at == size) {
                from = 0
                size = 0
            } else {
                from = at
            }
        }

        /** Moves the whole chunk, suspending while the buffer is full; after a close throws its exit. */
        private suspend fun moveAll() {
            while (from < size) {
                val at = into.offerAll(chunk, from, size)
                if (at < 0) {
                    drop()
                    throw into.closedError()
                }
                from = at
                if (from < size) into.awaitRoom()
            }
            from = 0
            size = 0
        }

        private fun drop() {
            chunk.fill(null, from, size)
            from = 0
            size = 0
        }
    }

    companion object {
        /** The walk's buffer: a generator's default. */
        const val BUFFER = 256

        /** How many elements a walk's collector gathers before it moves them into the buffer at once. */
        const val CHUNK = 64
    }
}
