/*
 * The blocking view of a Kotlin Flow (a generator's walk whose producer collects the flow on the
 * loop, read by a thread that spins briefly, then parks): order, how far the producer runs ahead,
 * the bounded spin, and the ends (close, failure, the consuming task cancelled).
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
import kotlinx.coroutines.flow.flow
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
    fun theProducerRunsAtMostTheBufferAChunkAndABatchAhead() {
        val emitted = AtomicInteger()
        val ahead = onLoop { _ ->
            flow { while (true) emit(emitted.incrementAndGet()) }.asAsyncIterable().blocking().use { view ->
                val it = view.iterator()
                assertEquals(1, it.next())
                // the collector suspends once the buffer is full: wait until the count stops moving
                var last: Int
                do {
                    last = emitted.get()
                    Thread.sleep(50)
                } while (emitted.get() != last)
                emitted.get() - 1
            }
        }
        assertTrue(ahead >= FlowIterable.BUFFER, "the producer runs a buffer ahead: $ahead")
        assertTrue(ahead <= FlowIterable.BUFFER + FlowIterable.CHUNK + BATCH, "at most the buffer, the collector's chunk and the view's batch: $ahead")
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
            val view = flow {
                try {
                    var i = 0
                    while (true) emit(i++)
                } finally {
                    finallyRan.set(true)
                }
            }.asAsyncIterable().blocking()
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
