/*
 * AsyncCloseable.use {} and AsyncIterable.asFlow(), from outside: close once, non-cancellably,
 * waited for; same instances; the Java source's finally has run when the collection ends.
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.Task
import dev.aio4j.TaskState
import dev.aio4j.kotlin.asAsyncIterable
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.use
import dev.aio4j.stream.AsyncCloseable
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import java.time.Duration
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(120)
class UseAndAsFlowEdgesTest {

    private class Resource(val close: () -> CompletionStage<Void?>) : AsyncCloseable {
        val closes = AtomicInteger()
        override fun closeAsync(): CompletionStage<Void?> {
            closes.incrementAndGet()
            return close()
        }
    }

    /** A close that fails with the block's own exception: that exception, not "Self-suppression not permitted". */
    @Test
    fun useWhoseCloseFailsWithTheBlocksOwnExceptionThrowsThatException() = onLoopOf(LoopOptions.Threading.SINGLE_THREAD) { _ ->
        val e = IllegalStateException("the resource broke; its close reports the same")
        val r = Resource { CompletableFuture.failedFuture(e) }
        val thrown = runCatching { r.use { throw e } }.exceptionOrNull()
        assertSame(e, thrown, "got $thrown")
        assertEquals(1, r.closes.get())
    }

    /**
     * A block that awaits a task, cancelled: the task is cancelled with the coroutine's own
     * exception (Task.await's rule), and a close that waits for that same task fails with that
     * instance. The coroutine must end with its cancellation, not with IllegalArgumentException.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun useCancelledWhileItsBlockAwaitsTheTaskItsCloseWaitsFor(t: LoopOptions.Threading) = onLoopOf(t) { loop ->
        val finished = AtomicBoolean()
        val began = AtomicBoolean()
        val worker: Task<Int> = loop.createTask<Int> {
            try {
                began.set(true)
                Thread.sleep(Long.MAX_VALUE)
                0
            } finally {
                finished.set(true)
            }
        }
        while (!began.get()) delay(1)
        val r = Resource { worker.thenApply<Void?> { null } }
        val seen = AtomicReference<Throwable>()
        val job = launch(start = CoroutineStart.UNDISPATCHED) {
            try {
                r.use { worker.await() }
            } catch (x: Throwable) {
                seen.set(x)
                throw x
            }
        }
        delay(10)
        val ce = CancellationException("stop")
        job.cancel(ce)
        job.join()
        assertTrue(seen.get() is CancellationException, "the coroutine ended with ${seen.get()}")
        assertEquals(1, r.closes.get())
        assertTrue(finished.get())
        assertEquals(TaskState.CANCELLED, worker.state())
    }

    /** A cancelled block still closes the resource once and waits for the close to complete. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aCancelledUseWaitsForASlowClose(t: LoopOptions.Threading) = onLoopOf(t) { _ ->
        val closeStage = AtomicReference<CompletableFuture<Void?>>()
        val r = Resource {
            CompletableFuture.supplyAsync<Void?>({ null }, CompletableFuture.delayedExecutor(60, TimeUnit.MILLISECONDS)).also { closeStage.set(it) }
        }
        val closedAtEnd = AtomicReference<Boolean>()
        val job = launch(start = CoroutineStart.UNDISPATCHED) { r.use { awaitCancellation() } }
        job.invokeOnCompletion { closedAtEnd.set(closeStage.get()?.isDone) }
        delay(5)
        job.cancel()
        job.join()
        assertEquals(true, closedAtEnd.get(), "the job completed before the close had")
        assertEquals(1, r.closes.get())
    }

    /**
     * asFlow over an iterator whose pending hasNext() is a task and whose close waits for that
     * task: the collector's cancellation cancels the task with the collector's instance, and the
     * close then fails with that instance. The collection must end with the cancellation.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun asFlowCancelledWhileHasNextIsATaskThatTheCloseWaitsFor(t: LoopOptions.Threading) = onLoopOf(t) { loop ->
        val began = AtomicBoolean()
        val pending: Task<Boolean> = loop.createTask<Boolean> {
            began.set(true)
            Thread.sleep(Long.MAX_VALUE)
            true
        }
        while (!began.get()) delay(1)
        val closes = AtomicInteger()
        val iterable = AsyncIterable<Int> {
            object : AsyncIterator<Int> {
                override fun hasNext(): CompletionStage<Boolean> = pending
                override fun next(): Int = 1
                override fun closeAsync(): CompletionStage<Void?> {
                    closes.incrementAndGet()
                    return pending.thenApply<Void?> { null }
                }
            }
        }
        val seen = AtomicReference<Throwable>()
        val job = launch(start = CoroutineStart.UNDISPATCHED) {
            try {
                iterable.asFlow().collect { }
            } catch (x: Throwable) {
                seen.set(x)
                throw x
            }
        }
        delay(10)
        job.cancel(CancellationException("stop"))
        job.join()
        assertTrue(seen.get() is CancellationException, "the collection ended with ${seen.get()}")
        assertEquals(1, closes.get())
        assertEquals(TaskState.CANCELLED, pending.state())
    }

    /** A generator's finally (which takes a while) has run when asFlow().take(n).toList() returns. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun takeOfAGeneratorsFlowReturnsAfterTheGeneratorsFinally(t: LoopOptions.Threading) {
        val rounds = 30
        var late = 0
        onLoopOf(t) { _ ->
            repeat(rounds) {
                val finished = AtomicBoolean()
                val gen = AsyncIterable.generate<Int> { em ->
                    try {
                        var i = 0
                        while (true) em.emit(i++)
                    } finally {
                        spin(5)
                        finished.set(true)
                    }
                }
                assertEquals(listOf(0, 1, 2), gen.asFlow().take(3).toList())
                if (!finished.get()) late++
            }
        }
        assertEquals(0, late, "of $rounds rounds, toList returned before the generator's finally had run")
    }

    /** The collector's cancellation while the generator waits: the generator's finally has run when the collector's job is complete. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun cancellingTheCollectorOfAGeneratorsFlowWaitsForTheGeneratorsFinally(t: LoopOptions.Threading) = onLoopOf(t) { _ ->
        val finished = AtomicBoolean()
        val got = AtomicInteger()
        val gen = AsyncIterable.generate<Int> { em ->
            try {
                em.emit(1)
                Async.sleep(Duration.ofMinutes(1))
            } finally {
                spin(20)
                finished.set(true)
            }
        }
        val job = launch { gen.asFlow().collect { got.incrementAndGet() } }
        while (got.get() == 0) delay(1)
        delay(5)
        val finishedAtEnd = AtomicReference<Boolean>()
        job.invokeOnCompletion { finishedAtEnd.set(finished.get()) }
        job.cancel()
        job.join()
        assertEquals(true, finishedAtEnd.get(), "the collector completed before the generator's finally had run")
    }

    /** The generator's failure reaches the collector as the same instance; the collector's own failure too, with the generator's finally run. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun failuresCrossAGeneratorsFlowAsTheSameInstances(t: LoopOptions.Threading) = onLoopOf(t) { _ ->
        val boom = IllegalStateException("generator")
        val failing = AsyncIterable.generate<Int> { em ->
            em.emit(1)
            throw boom
        }
        assertSame(boom, runCatching { failing.asFlow().toList() }.exceptionOrNull())
        val finished = AtomicBoolean()
        val endless = AsyncIterable.generate<Int> { em ->
            try {
                var i = 0
                while (true) em.emit(i++)
            } finally {
                spin(5)
                finished.set(true)
            }
        }
        val mine = IllegalArgumentException("collector")
        assertSame(mine, runCatching { endless.asFlow().collect { if (it == 10) throw mine } }.exceptionOrNull())
        assertTrue(finished.get(), "the generator's finally had not run")
        assertTrue(mine.suppressed.isEmpty(), "suppressed: ${mine.suppressed.toList()}")
    }

    /** A Flow round trip (asAsyncIterable().asFlow()) that take(n) ends early: the flow's finally has run when toList returns. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aRoundTripFlowEndedEarlyRunsTheFlowsFinallyFirst(t: LoopOptions.Threading) {
        val rounds = 30
        var late = 0
        onLoopOf(t) { _ ->
            repeat(rounds) { round ->
                val finished = AtomicBoolean()
                val source = kotlinx.coroutines.flow.flow {
                    try {
                        var i = 0
                        while (true) emit(i++)
                    } finally {
                        spin(3)
                        finished.set(true)
                    }
                }
                val shaped = if (round % 2 == 0) source else source.flowOn(kotlinx.coroutines.Dispatchers.IO)
                assertEquals(listOf(0, 1, 2), shaped.asAsyncIterable().asFlow().take(3).toList())
                if (!finished.get()) late++
            }
        }
        assertEquals(0, late, "of $rounds rounds, toList returned before the flow's finally had run")
    }

    /**
     * asFlow's KDoc: "close's own failure is added as suppressed to the collection's, or thrown if
     * the collection succeeded". A collection that take(n) or first() ends early succeeded; the
     * close's failure must reach the collector (kotlinx's own rule: a flow whose finally throws
     * during take's abort fails the collection with it), not vanish in take's internal abort.
     * Before the fix take(2) and first() both returned normally on both threadings (deterministic):
     * the failure was added as suppressed to kotlinx's AbortFlowException, which take swallows.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aCloseFailureAfterAnEarlyExitReachesTheCollector(t: LoopOptions.Threading) = onLoopOf(t) { _ ->
        fun failingClose(x: Throwable) = AsyncIterable<Int> {
            object : AsyncIterator<Int> {
                var i = 0
                override fun hasNext(): CompletionStage<Boolean> = CompletableFuture.completedFuture(true)
                override fun next(): Int = i++
                override fun closeAsync(): CompletionStage<Void?> = CompletableFuture.failedFuture(x)
            }
        }
        val wrong = ArrayList<String>()
        val reference = IllegalStateException("kotlinx: a flow's finally that throws during take's abort")
        val kotlinxThrown = runCatching { kotlinx.coroutines.flow.flow { try { while (true) emit(1) } finally { throw reference } }.take(2).toList() }.exceptionOrNull()
        if (kotlinxThrown !== reference) wrong.add("reference (kotlinx's own flow): $kotlinxThrown")
        val x1 = IllegalStateException("close failed after take")
        val viaTake = runCatching { failingClose(x1).asFlow().take(2).toList() }
        if (viaTake.exceptionOrNull() !== x1) wrong.add("take(2): $viaTake")
        val x2 = IllegalStateException("close failed after first")
        val viaFirst = runCatching { failingClose(x2).asFlow().first() }
        if (viaFirst.exceptionOrNull() !== x2) wrong.add("first(): $viaFirst")
        assertEquals(listOf<String>(), wrong)
    }
}
