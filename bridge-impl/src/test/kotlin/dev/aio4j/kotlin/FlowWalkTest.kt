/*
 * A Kotlin Flow walked from Java, on both threadings of the loop: what the flow emitted before it
 * waits is never held back from the consumer, and what the flow or the Java action threw arrives
 * as the same instance, whatever kotlinx does between them (flowOn, channelFlow, buffer; the
 * surefire JVM runs with assertions on, which is kotlinx's debug mode: a coroutine resumed with
 * an exception may get a copy of it).
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.stream.AsyncIterable
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Flow as JdkFlow
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.channelFlow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

class FlowWalkTest {

    private fun <T> run(threading: LoopOptions.Threading, body: () -> T): T =
        Async.run(LoopOptions.defaults().withThreading(threading)) { _ -> body() }

    /** Emits [n] elements at once, then waits until cancelled. */
    private fun burstThenWait(n: Int, emitted: CountDownLatch = CountDownLatch(1)): Flow<Int> = flow {
        for (i in 0 until n) emit(i)
        emitted.countDown()
        awaitCancellation()
    }

    /**
     * 266 elements, a buffer of 256 and chunks of 64: the consumer waits until the flow has filled the
     * buffer, so that the last part-filled chunk finds no room when it is moved. Every element must
     * arrive while the flow waits (before the fix, 10 stayed in the collector's chunk until the flow
     * emitted again, which it never did).
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun whatTheFlowEmittedBeforeItWaitsReachesAnIteratorThatWasSlowToRead(threading: LoopOptions.Threading) {
        val n = 266
        val got = run(threading) {
            val emitted = CountDownLatch(1)
            val it = burstThenWait(n, emitted).asAsyncIterable().asyncIterator()
            val got = ArrayList<Int>()
            try {
                assertTrue(it.hasNext().toCompletableFuture().get(5, TimeUnit.SECONDS))
                // Under DEFAULT_DISPATCHER the collector puts one element at a time and waits for room
                // after 256: it emits the rest only as this reads. On one thread it emits all 266 now.
                emitted.await(200, TimeUnit.MILLISECONDS)
                Thread.sleep(50) // the flow now waits; the loop has moved what it could
                while (got.size < n && it.hasNext().toCompletableFuture().get(3, TimeUnit.SECONDS)) got.add(it.next())
            } catch (e: TimeoutException) {
                // held back: the assertion below says how many came
            }
            it.closeAsync().toCompletableFuture().get(5, TimeUnit.SECONDS)
            got
        }
        assertEquals((0 until n).toList(), got)
    }

    /** The same through toPublisher: one element requested, then everything once the flow waits. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun whatTheFlowEmittedBeforeItWaitsReachesASubscriberThatWasSlowToRequest(threading: LoopOptions.Threading) {
        val n = 266
        val got = run(threading) {
            val emitted = CountDownLatch(1)
            val items = java.util.Collections.synchronizedList(ArrayList<Int>())
            val subscription = java.util.concurrent.CompletableFuture<JdkFlow.Subscription>()
            burstThenWait(n, emitted).asAsyncIterable().toPublisher().subscribe(object : JdkFlow.Subscriber<Int> {
                override fun onSubscribe(s: JdkFlow.Subscription) {
                    subscription.complete(s)
                }
                override fun onNext(item: Int) {
                    items.add(item)
                }
                override fun onError(throwable: Throwable) {}
                override fun onComplete() {}
            })
            val s = subscription.get(5, TimeUnit.SECONDS)
            s.request(1)
            emitted.await(200, TimeUnit.MILLISECONDS) // as above: under DEFAULT_DISPATCHER it waits for room first
            Thread.sleep(50)
            s.request(Long.MAX_VALUE)
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3)
            while (items.size < n && System.nanoTime() < deadline) Thread.sleep(5)
            s.cancel()
            ArrayList(items)
        }
        assertEquals((0 until n).toList(), got)
    }

    /** The same through forEachAsync, whose action waits a millisecond per element. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun whatTheFlowEmittedBeforeItWaitsReachesASlowForEachAsync(threading: LoopOptions.Threading) {
        val n = 266
        val seen = AtomicInteger()
        run(threading) {
            val task = burstThenWait(n).asAsyncIterable().forEachAsync { _ ->
                seen.incrementAndGet()
                Async.sleepAsync(Duration.ofMillis(1))
            }
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4)
            while (seen.get() < n && System.nanoTime() < deadline) Thread.sleep(5)
            task.cancel()
        }
        assertEquals(n, seen.get())
    }

    private val throughKotlinx: List<Pair<String, (Flow<Int>) -> Flow<Int>>> = listOf(
        "plain" to { f -> f },
        "flowOn(IO)" to { f -> f.flowOn(Dispatchers.IO) },
        "buffer(4)" to { f -> f.buffer(4) },
        "channelFlow" to { f -> channelFlow { f.collect { send(it) } } },
    )

    /** The action's exception fails forEach's task as the same instance, whatever the flow is made of. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun forEachFailsWithTheInstanceItsActionThrew(threading: LoopOptions.Threading) {
        val wrong = ArrayList<String>()
        run(threading) {
            for ((name, shape) in throughKotlinx) {
                val mine = IllegalStateException("the action failed")
                val thrown = runCatching {
                    shape(flow { for (i in 0 until 100) emit(i) }).asAsyncIterable().forEach { if (it == 5) throw mine }.join()
                }.exceptionOrNull()
                if (thrown !== mine) wrong.add("$name: $thrown, cause ${thrown?.cause}")
            }
        }
        assertEquals(listOf<String>(), wrong)
    }

    /** The flow's own failure reaches every Java consumer as the same instance. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun theFlowsFailureReachesEveryJavaConsumerAsTheSameInstance(threading: LoopOptions.Threading) {
        val wrong = ArrayList<String>()
        Async.run(LoopOptions.defaults().withThreading(threading)) { loop ->
            for ((name, shape) in throughKotlinx) {
                val boom = IllegalStateException("the flow failed")
                val f = shape(flow { emit(1); throw boom }).asAsyncIterable()
                val consumers: List<Pair<String, () -> Unit>> = listOf(
                    "toList" to { f.toList().join() },
                    "forEach" to { f.forEach { }.join() },
                    "blocking view" to { f.blocking().use { v -> v.forEach { } } },
                    "blocking view in a task" to { loop.createTask { f.blocking().use { v -> v.forEach { } } }.join() },
                    "fromPublisher(toPublisher)" to { AsyncIterable.fromPublisher(f.toPublisher()).toList().join() },
                )
                for ((how, consume) in consumers) {
                    val thrown = runCatching(consume).exceptionOrNull()
                    if (thrown !== boom) wrong.add("$name, $how: $thrown, cause ${thrown?.cause}")
                }
            }
        }
        assertEquals(listOf<String>(), wrong)
    }
}
