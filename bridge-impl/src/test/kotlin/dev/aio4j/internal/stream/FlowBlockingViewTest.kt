/*
 * The blocking view of a Kotlin Flow, read by a blocking-style task: the flow collected on the
 * reading thread (FlowOnThread), nothing ahead, its waits elsewhere, the walk's owner, and the ends
 * (close, failure, the consuming task cancelled, a walk left open). And the walk that every other
 * reader of a Flow gets (a generator's, whose producer collects the flow on the loop, read by a
 * thread that spins briefly, then parks): the bounded spin on both sides.
 */
package dev.aio4j.internal.stream

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.TaskState
import dev.aio4j.internal.Current
import dev.aio4j.internal.FlowIterable
import dev.aio4j.kotlin.asAsyncIterable
import java.util.concurrent.Callable
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

@Timeout(60)
class FlowBlockingViewTest {

    private fun <T> onLoop(body: (Loop) -> T): T {
        val loop = Async.newLoop()
        try {
            return loop.runUntilComplete(loop.createTask(Callable { body(loop) }))
        } finally {
            loop.close()
        }
    }

    /** 0, 1, 2, ... for as long as it is collected; [ended] is set by its finally block. */
    private fun countingUntilEnded(ended: AtomicBoolean) = flow {
        try {
            var i = 0
            while (true) emit(i++)
        } finally {
            ended.set(true)
        }
    }

    @Test
    fun theViewReadsEveryElementInOrder() {
        val n = 100_000
        val seen = onLoop { _ ->
            val out = ArrayList<Int>(n)
            flow { for (i in 0 until n) emit(i) }.asAsyncIterable().blocking().use { view -> for (x in view) out.add(x) }
            out
        }
        assertEquals((0 until n).toList(), seen)
    }

    @Test
    fun theFlowRunsOnTheReadingThreadAndNothingAhead() {
        val emitted = AtomicInteger()
        val threads = HashSet<Thread>()
        val (reader, aheadCounts) = onLoop { _ ->
            val ahead = ArrayList<Int>()
            flow { while (true) { threads.add(Thread.currentThread()); emit(emitted.incrementAndGet()) } }.asAsyncIterable().blocking().use { view ->
                val it = view.iterator()
                for (taken in 1..1000) {
                    assertEquals(taken, it.next())
                    ahead.add(emitted.get() - taken)
                }
            }
            Thread.currentThread() to ahead
        }
        assertEquals(setOf(reader), threads, "the flow ran on the reading thread only")
        assertEquals(List(1000) { 0 }, aheadCounts, "the flow emitted nothing beyond what was taken")
    }

    @Test
    fun aFlowThatWaitsElsewhereResumesOnTheReadingThread() {
        val seen = onLoop { _ ->
            val out = ArrayList<Pair<Int, Boolean>>()
            flow {
                for (i in 0 until 5) {
                    delay(5) // the loop's timer resumes the flow through the reading thread's JoinLoop
                    val v = withContext(Dispatchers.Default) { i * 10 } // and another dispatcher's thread does
                    emit(v)
                }
            }.asAsyncIterable().blocking().use { view ->
                val reader = Thread.currentThread()
                for (x in view) out.add(x to (Thread.currentThread() === reader))
            }
            out
        }
        assertEquals((0 until 5).map { it * 10 to true }, seen)
    }

    @Test
    fun aFlowWithAProducerCoroutineOfItsOwnIsReadAndClosed() {
        val producerEnded = AtomicBoolean()
        val seen = onLoop { _ ->
            val source = countingUntilEnded(producerEnded).buffer(16) // a producer coroutine in the collector's scope, feeding a channel
            source.asAsyncIterable().blocking().use { view -> view.stream().limit(100).toList() }
        }
        assertEquals((0 until 100).toList(), seen)
        assertTrue(producerEnded.get(), "the buffer's producer was cancelled and finished before close() returned")
    }

    @Test
    fun aFlowThatEmitsFromAnotherThreadIsHandedOverThroughTheJoinLoop() {
        // A hand-written Flow that breaks the context rule: it emits from a thread of its own.
        val emittedOn = java.util.Collections.synchronizedSet(HashSet<Thread>())
        val offThread = object : Flow<Int> {
            override suspend fun collect(collector: FlowCollector<Int>) {
                withContext(Dispatchers.Default) {
                    for (i in 0 until 50) {
                        collector.emit(i)
                        emittedOn.add(Thread.currentThread()) // resumed where it emitted, not on the reader
                    }
                }
            }
        }
        val (seen, reader) = onLoop { _ -> offThread.asAsyncIterable().blocking().use { view -> view.stream().toList() } to Thread.currentThread() }
        assertEquals((0 until 50).toList(), seen)
        assertTrue(reader !in emittedOn, "the flow went on on its own dispatcher's threads: $emittedOn")
    }

    @Test
    fun aWalkTheBodyLeavesOpenIsClosedBeforeTheTaskIsDone() {
        val finallyRan = AtomicBoolean()
        val loop = Async.newLoop()
        try {
            val task = loop.createTask(Callable {
                val it = countingUntilEnded(finallyRan).asAsyncIterable().blocking().iterator()
                it.next() + it.next() // abandoned, never closed
            })
            assertEquals(1, loop.runUntilComplete(task))
            assertTrue(finallyRan.get(), "the flow's finally ran before the task was done")
        } finally {
            loop.close()
        }
    }

    @Test
    fun cancellingTheReaderAtAnyPointEndsTheFlowOnceAndNeverHangs() {
        val rounds = 300
        val loop = Async.newLoop()
        try {
            loop.runUntilComplete(loop.createTask(Callable {
                val random = java.util.Random(42)
                repeat(rounds) { round ->
                    val began = AtomicInteger()
                    val finallies = AtomicInteger()
                    val read = AtomicInteger()
                    val reader = loop.createTask(Callable {
                        flow {
                            began.incrementAndGet()
                            try {
                                for (i in 0 until 50) {
                                    when (i % 3) {
                                        0 -> delay(1) // the loop's timer resumes it on the reader's thread
                                        1 -> kotlinx.coroutines.yield() // the reader's own JoinLoop runs it
                                    }
                                    emit(i)
                                }
                            } finally {
                                finallies.incrementAndGet()
                            }
                        }.asAsyncIterable().blocking().use { view -> for (x in view) read.incrementAndGet() }
                    })
                    java.util.concurrent.locks.LockSupport.parkNanos(random.nextInt(2_000_000).toLong()) // cancel at any point: in a wait, in an emit, between elements
                    reader.cancel()
                    val state = try {
                        reader.join()
                        TaskState.SUCCESS
                    } catch (e: java.util.concurrent.CancellationException) {
                        TaskState.CANCELLED
                    }
                    assertEquals(reader.state(), state, "round $round")
                    if (state == TaskState.SUCCESS) assertEquals(50, read.get(), "round $round: a reader that was not cancelled read all")
                    // a reader cancelled before its body ran never began the flow
                    assertTrue(began.get() <= 1, "round $round: one collection")
                    assertEquals(began.get(), finallies.get(), "round $round: the flow's finally ran once, before the reader was done")
                }
            }))
        } finally {
            loop.close()
        }
    }

    /**
     * Reads [flow]'s first element (0) through the blocking view of a blocking task, then interrupts
     * the reading thread while hasNext() waits (a blocking task reads a plain interrupt as its
     * cancellation); returns the CancellationException hasNext() threw, which says where.
     */
    private fun interruptedWhileWaiting(flow: Flow<Int>): java.util.concurrent.CancellationException {
        val thrown = onLoop { loop ->
            val reader = Thread.currentThread()
            val it = flow.asAsyncIterable().blocking().iterator()
            assertEquals(0, it.next())
            loop.createTask(Callable {
                while (reader.state != Thread.State.WAITING) Thread.onSpinWait()
                reader.interrupt()
            })
            assertThrows(java.util.concurrent.CancellationException::class.java) { it.hasNext() }
        }
        assertTrue(thrown.message!!.contains("the blocking view's hasNext() was interrupted"), thrown.message)
        return thrown
    }

    @Test
    fun anInterruptOfTheReadingThreadCancelsTheFlowAndSaysWhere() {
        val seenByFlow = java.util.concurrent.atomic.AtomicReference<Throwable>()
        val thrown = interruptedWhileWaiting(flow {
            try {
                emit(0)
                awaitCancellation()
            } catch (e: java.util.concurrent.CancellationException) {
                seenByFlow.set(e)
                throw e
            }
        })
        assertTrue(seenByFlow.get().message!!.contains("the blocking view's hasNext() was interrupted"), seenByFlow.get().message)
        assertEquals(emptyList<Throwable>(), thrown.suppressed.toList(), "nothing failed in the flow's clean-up")
    }

    @Test
    fun whatTheFlowsFinallyThrowsAfterAnInterruptIsKeptSuppressedInTheCancellation() {
        val fromFinally = java.io.IOException("the flow's finally failed")
        val thrown = interruptedWhileWaiting(flow {
            try {
                emit(0)
                awaitCancellation()
            } finally {
                throw fromFinally
            }
        })
        assertEquals(listOf(fromFinally), thrown.suppressed.toList(), "the finally's failure, suppressed, not lost")
    }

    @Test
    fun anotherThreadCannotReadTheWalk() {
        onLoop { loop ->
            val view = flow { var i = 0; while (true) emit(i++) }.asAsyncIterable().blocking()
            val it = view.iterator()
            assertEquals(0, it.next())
            val other = loop.createTask(Callable { it.next() })
            val e = assertThrows(IllegalStateException::class.java) { other.join() }
            assertTrue(e.message!!.contains("read by the thread that began it"), e.message)
            assertEquals(1, it.next(), "the walk goes on for its own thread")
            view.close()
        }
    }

    @Test
    fun aSlowProducerMakesTheConsumerSpinBoundedlyThenPark() {
        val elements = 5
        val (seen, walk) = onLoop { _ ->
            val walk = FlowIterable(flow { for (i in 0 until elements) { delay(30); emit(i) } }).asyncIterator() as GeneratorIterator<Int>
            val batch = arrayOfNulls<Any?>(BATCH)
            val seen = ArrayList<Any?>()
            var waits = 0
            while (true) {
                val n = walk.drain(batch)
                if (n < 0) break
                if (n == 0) {
                    waits++
                    walk.awaitElementBlocking()
                }
                for (k in 0 until n) seen.add(batch[k])
            }
            walk.closeAsync().toCompletableFuture().join()
            // the producer never waited for room, so every wait is a short one
            assertEquals(0L, walk.producerWaits)
            assertTrue(walk.consumerSpins <= GeneratorIterator.LONG_SPINS.toLong() * waits, "spins bounded per wait: ${walk.consumerSpins} for $waits waits")
            seen to walk
        }
        assertEquals((0 until elements).toList(), seen)
        if (Runtime.getRuntime().availableProcessors() > 1) assertTrue(walk.consumerSpins > 0, "spun before parking")
        assertTrue(walk.consumerParks >= 1, "parked after the spin: ${walk.consumerParks}")
    }

    @Test
    fun aProducerWaitingForASlowConsumerLetsTheLoopSpinBoundedlyThenPark() {
        val (loop, walk) = onLoop { _ ->
            val loop = Current.loop()
            val walk = FlowIterable(flow { var i = 0; while (true) emit(i++) }).asyncIterator() as GeneratorIterator<Int>
            val batch = arrayOfNulls<Any?>(BATCH)
            var next = 0
            repeat(3) {
                // take one batch, then stop consuming for longer than any spin: the producer waits for room
                var n: Int
                while (true) {
                    n = walk.drain(batch)
                    if (n > 0) break
                    walk.awaitElementBlocking()
                }
                for (k in 0 until n) assertEquals(next++, batch[k])
                Thread.sleep(100)
            }
            walk.closeAsync().toCompletableFuture().join()
            loop to walk
        }
        assertTrue(walk.producerWaits >= 1, "the producer waited for room")
        assertTrue(loop.idleSpins > 0, "the idle loop spun")
        assertTrue(loop.idleSpins <= GeneratorIterator.LONG_SPINS.toLong() * walk.producerWaits, "spins bounded per wait: ${loop.idleSpins} for ${walk.producerWaits}")
        assertTrue(loop.idleParks >= 1, "then parked: ${loop.idleParks}")
    }

    @Test
    fun elementsReachTheViewWhileTheFlowWaitsBeforeAChunkIsFull() {
        val release = CompletableDeferred<Unit>()
        val seen = onLoop { _ ->
            flow {
                for (i in 0 until 3) emit(i)
                release.await() // completed by the consumer once it has seen those three
                emit(3)
            }.asAsyncIterable().blocking().use { view ->
                val out = ArrayList<Int>()
                for (x in view) {
                    out.add(x)
                    if (out.size == 3) release.complete(Unit)
                }
                out
            }
        }
        assertEquals(listOf(0, 1, 2, 3), seen)
    }

    @Test
    fun spinsThatPayGrowAndSpinsThatEndInAParkShrinkWithinBounds() {
        var limit = GeneratorIterator.SPINS
        repeat(20) { limit = GeneratorIterator.adapt(limit, paid = true) }
        assertEquals(GeneratorIterator.LONG_SPINS, limit)
        repeat(20) { limit = GeneratorIterator.adapt(limit, paid = false) }
        assertEquals(GeneratorIterator.SHORT_SPINS, limit)
        assertEquals(2 * GeneratorIterator.SHORT_SPINS, GeneratorIterator.adapt(limit, paid = true))
    }

    @Test
    fun closingTheViewCancelsTheCollectorAndItsFinallyRuns() {
        val finallyRan = AtomicBoolean()
        onLoop { _ ->
            val view = countingUntilEnded(finallyRan).asAsyncIterable().blocking()
            val walk = view.iterator()
            repeat(1000) { i -> assertEquals(i, walk.next()) }
            view.close()
            assertTrue(finallyRan.get(), "the flow's finally ran before close() returned")
        }
    }

    @Test
    fun aFailureOfTheFlowReachesTheViewAsTheSameInstanceAfterTheElements() {
        val boom = IllegalStateException("boom")
        val seen = ArrayList<Int>()
        val thrown = onLoop { _ ->
            assertThrows(IllegalStateException::class.java) {
                flow { for (i in 0 until 1000) emit(i); throw boom }.asAsyncIterable().blocking().use { view -> for (x in view) seen.add(x) }
            }
        }
        assertSame(boom, thrown)
        assertEquals((0 until 1000).toList(), seen)
    }

    @Test
    fun cancellingTheConsumingTaskEndsTheCollection() {
        val finallyRan = CountDownLatch(1)
        val started = CountDownLatch(1)
        val loop = Async.newLoop()
        try {
            loop.runUntilComplete(loop.createTaskAsync(Callable {
                val consumer = loop.createTask(Callable {
                    flow<Int> {
                        try {
                            emit(0)
                            awaitCancellation()
                        } finally {
                            finallyRan.countDown()
                        }
                    }.asAsyncIterable().blocking().use { view ->
                        for (x in view) started.countDown()
                    }
                })
                loop.createTask(Callable {
                    started.await()
                    consumer.cancel()
                    assertThrows(java.util.concurrent.CancellationException::class.java) { consumer.join() }
                    assertEquals(TaskState.CANCELLED, consumer.state())
                    assertTrue(finallyRan.await(10, TimeUnit.SECONDS), "the flow's finally ran")
                })
            }))
        } finally {
            loop.close()
        }
    }
}
