/*
 * Flow.asAsyncIterable() from Java consumers, from outside: every early exit ends the producer and
 * its (slow) finally has run when the consuming call returns, whatever kotlinx puts inside the flow
 * (flowOn, buffer, channelFlow); backpressure within the documented bound; a flow walked twice;
 * closing the loop while flows are being consumed.
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.LoopOptions
import dev.aio4j.Task
import dev.aio4j.TaskState
import dev.aio4j.kotlin.asAsyncIterable
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.task
import dev.aio4j.stream.AsyncIterable
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.channelFlow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.Arguments
import org.junit.jupiter.params.provider.EnumSource
import org.junit.jupiter.params.provider.MethodSource

@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FlowAsIterableEdgesTest {

    enum class Shape { PLAIN, FLOW_ON_IO, BUFFER_4, CHANNEL_FLOW }

    enum class Consumer { ITERATOR_CLOSE, FOR_EACH_ACTION_THROWS, FOR_EACH_TASK_CANCEL, JAVA_TAKE_TO_LIST, BLOCKING_VIEW_BREAK_IN_TASK, BLOCKING_VIEW_BREAK_OFF_TASK, BLOCKING_VIEW_TASK_CANCEL, BLOCKING_VIEW_LEFT_OPEN }

    companion object {
        @JvmStatic
        fun cases(): List<Arguments> = LoopOptions.Threading.entries.flatMap { t ->
            Shape.entries.flatMap { s -> Consumer.entries.map { c -> Arguments.of(t, s, c) } }
        }

        fun shaped(shape: Shape, f: Flow<Int>): Flow<Int> = when (shape) {
            Shape.PLAIN -> f
            Shape.FLOW_ON_IO -> f.flowOn(Dispatchers.IO)
            Shape.BUFFER_4 -> f.buffer(4)
            Shape.CHANNEL_FLOW -> channelFlow { f.collect { send(it) } }
        }
    }

    /**
     * An endless flow whose finally takes 15 ms (a spin: not cut short by a pending interrupt). It
     * waits a millisecond every 64 elements: the blocking view sees its reader's cancellation only
     * while the flow waits (documented; asyncio's async for over a generator that never awaits is
     * not cancellable either).
     */
    private fun endless(finished: CountDownLatch): Flow<Int> = flow {
        try {
            var i = 0
            while (true) {
                emit(i++)
                if (i % 64 == 0) delay(1)
            }
        } finally {
            spin(15)
            finished.countDown()
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    fun anEarlyExitReturnsOnlyAfterTheFlowsFinally(t: LoopOptions.Threading, shape: Shape, consumer: Consumer) {
        val rounds = 5
        val late = ArrayList<String>()
        Async.run(options(t)) { loop ->
            repeat(rounds) { round ->
                val finished = CountDownLatch(1)
                val iterable = shaped(shape, endless(finished)).asAsyncIterable()
                val mine = IllegalStateException("the action stops")
                val ranInTask: Task<Unit> = loop.createTask<Unit> {
                    when (consumer) {
                        Consumer.ITERATOR_CLOSE -> {
                            val iter = iterable.asyncIterator()
                            repeat(3) {
                                assertTrue(iter.hasNext().toCompletableFuture().get(5, TimeUnit.SECONDS))
                                iter.next()
                            }
                            iter.closeAsync().toCompletableFuture().get(5, TimeUnit.SECONDS)
                        }
                        Consumer.FOR_EACH_ACTION_THROWS -> {
                            val thrown = runCatching { iterable.forEach { if (it == 3) throw mine }.join() }.exceptionOrNull()
                            assertSame(mine, thrown)
                        }
                        Consumer.FOR_EACH_TASK_CANCEL -> {
                            val seen = AtomicInteger()
                            val task = iterable.forEach { seen.incrementAndGet() }
                            while (seen.get() < 3) Thread.sleep(1)
                            task.cancel()
                            runCatching { task.join() }
                            assertEquals(TaskState.CANCELLED, task.state())
                        }
                        Consumer.JAVA_TAKE_TO_LIST -> assertEquals(listOf(0, 1, 2), iterable.take(3).toList().join())
                        Consumer.BLOCKING_VIEW_BREAK_IN_TASK -> iterable.blocking().use { v ->
                            for (x in v) if (x == 2) break
                        }
                        Consumer.BLOCKING_VIEW_BREAK_OFF_TASK -> {}
                        Consumer.BLOCKING_VIEW_TASK_CANCEL -> {
                            val seen = AtomicInteger()
                            val reader = loop.createTask<Unit> { iterable.blocking().use { v -> v.forEach { _ -> seen.incrementAndGet() } } }
                            while (seen.get() < 3) Thread.sleep(1)
                            reader.cancel()
                            runCatching { reader.join() }
                            assertEquals(TaskState.CANCELLED, reader.state())
                        }
                        Consumer.BLOCKING_VIEW_LEFT_OPEN -> {
                            // the body leaves the view open: it is closed when the body returns, before the task is done
                            loop.createTask<Int> {
                                val v = iterable.blocking().iterator()
                                v.next() + v.next()
                            }.join()
                        }
                    }
                }
                ranInTask.join()
                if (consumer == Consumer.BLOCKING_VIEW_BREAK_OFF_TASK) {
                    // The main body of Async.run: a blocking view read outside a task of its own making
                    iterable.blocking().use { v -> for (x in v) if (x == 2) break }
                }
                if (finished.count != 0L) late.add("round $round")
                assertTrue(finished.await(5, TimeUnit.SECONDS), "the flow's finally never ran")
            }
        }
        assertEquals(listOf<String>(), late, "of $rounds rounds, the consuming call returned before the flow's finally had run")
    }

    /** asyncIterator(): the producer runs at most 320 elements (buffer 256 + chunk 64) ahead of a consumer that stopped reading. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aSlowIteratorHoldsTheProducerWithinTheBuffer(t: LoopOptions.Threading) {
        val emitted = AtomicInteger()
        val f = flow { while (true) { emitted.incrementAndGet(); emit(emitted.get()) } }.asAsyncIterable()
        val ahead = Async.run(options(t)) { loop ->
            loop.createTask<Int> {
                val iter = f.asyncIterator()
                var read = 0
                repeat(10) {
                    iter.hasNext().toCompletableFuture().get(5, TimeUnit.SECONDS)
                    iter.next()
                    read++
                }
                Thread.sleep(100)
                val ahead = emitted.get() - read
                iter.closeAsync().toCompletableFuture().get(5, TimeUnit.SECONDS)
                ahead
            }.join()
        }
        assertTrue(ahead in 1..321, "the producer ran $ahead elements ahead")
    }

    /** The blocking view in a blocking-style task: nothing is emitted ahead of the reader. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun theBlockingViewInATaskRunsNothingAhead(t: LoopOptions.Threading) {
        val emitted = AtomicInteger()
        val f = flow { while (true) { emitted.incrementAndGet(); emit(emitted.get()) } }.asAsyncIterable()
        val aheads = Async.run(options(t)) { loop ->
            loop.createTask<List<Int>> {
                val out = ArrayList<Int>()
                f.blocking().use { v ->
                    val iter = v.iterator()
                    repeat(5) {
                        iter.next()
                        Thread.sleep(5)
                        out.add(emitted.get() - (out.size + 1))
                    }
                }
                out
            }.join()
        }
        assertEquals(listOf(0, 0, 0, 0, 0), aheads)
    }

    /** A cold flow walked twice, one walk after the other and two at once: each walk collects it anew, in full. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aFlowWalkedTwiceCollectsTwice(t: LoopOptions.Threading) {
        val collections = AtomicInteger()
        val f = flow {
            collections.incrementAndGet()
            for (i in 0 until 500) emit(i)
        }.asAsyncIterable()
        Async.run(options(t)) { loop ->
            assertEquals((0 until 500).toList(), f.toList().join())
            assertEquals((0 until 500).toList(), f.toList().join())
            val both = loop.createTask<List<List<Int>>> {
                val a = f.asyncIterator()
                val b = f.asyncIterator()
                val la = ArrayList<Int>()
                val lb = ArrayList<Int>()
                while (true) {
                    val ha = a.hasNext().toCompletableFuture().get(5, TimeUnit.SECONDS)
                    if (ha) la.add(a.next())
                    val hb = b.hasNext().toCompletableFuture().get(5, TimeUnit.SECONDS)
                    if (hb) lb.add(b.next())
                    if (!ha && !hb) break
                }
                listOf(la, lb)
            }.join()
            assertEquals(listOf((0 until 500).toList(), (0 until 500).toList()), both)
            val viaBlocking = loop.createTask<List<Int>> { f.blocking().use { v -> v.toList() } }.join()
            assertEquals((0 until 500).toList(), viaBlocking)
        }
        assertEquals(5, collections.get())
    }

    /**
     * Closing the loop while flows are consumed in every way (forEach, an iterator's producer, the
     * blocking view in a blocking-style task, a Kotlin task collecting a generator's flow, a
     * flowOn(IO) flow's forEach): when close() returns, every finally has run.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun closingTheLoopWhileFlowsAreConsumedRunsEveryFinallyBeforeItReturns(t: LoopOptions.Threading) {
        val rounds = 20
        val late = ArrayList<String>()
        repeat(rounds) { round ->
            val names = listOf("forEach", "iterator producer", "blocking view in a task", "Kotlin task over a generator", "forEach of flowOn(IO)", "generator's finally")
            val latches = names.associateWith { CountDownLatch(1) }
            fun hanging(name: String): Flow<Int> = flow {
                try {
                    emit(1)
                    awaitCancellation()
                } finally {
                    spin(10)
                    latches.getValue(name).countDown()
                }
            }
            val loop: Loop = Async.newLoop(options(t))
            val started = CountDownLatch(4)
            loop.runUntilComplete(loop.createTaskAsync<Unit> {
                hanging("forEach").asAsyncIterable().forEach { started.countDown() }
                val it = hanging("iterator producer").asAsyncIterable().asyncIterator()
                it.hasNext().thenRun { started.countDown() }
                loop.createTask<Unit> {
                    hanging("blocking view in a task").asAsyncIterable().blocking().use { v ->
                        v.forEach { _ -> started.countDown() }
                    }
                }
                val gen = AsyncIterable.generate<Int> { em ->
                    try {
                        em.emit(1)
                        Async.sleep(Duration.ofMinutes(1))
                    } finally {
                        spin(10)
                        latches.getValue("generator's finally").countDown()
                    }
                }
                CoroutineScope(loop.asCoroutineDispatcher() + Job()).task {
                    try {
                        gen.asFlow().collect { started.countDown() }
                    } finally {
                        latches.getValue("Kotlin task over a generator").countDown()
                    }
                }
                hanging("forEach of flowOn(IO)").flowOn(Dispatchers.IO).asAsyncIterable().forEach { }
                loop.createTask<Unit> {
                    started.await(5, TimeUnit.SECONDS)
                    Async.sleep(Duration.ofMillis(5))
                }
            })
            assertEquals(0L, started.count, "round $round: not every consumer had begun")
            loop.close()
            val notYet = latches.filterValues { it.count != 0L }.keys
            if (notYet.isNotEmpty()) late.add("round $round: $notYet")
            for ((name, latch) in latches) assertTrue(latch.await(5, TimeUnit.SECONDS), "$name: finally never ran")
        }
        assertEquals(listOf<String>(), late, "of $rounds rounds, close() returned before these finally blocks had run")
    }
}
