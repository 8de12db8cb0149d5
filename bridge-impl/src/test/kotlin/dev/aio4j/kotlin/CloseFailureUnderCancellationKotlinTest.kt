/*
 * asFlow() and use {} when the collecting (or using) coroutine is cancelled and the close fails:
 * the close's failure is suppressed on the cancellation and reported too (the loop's exception
 * handler on a loop, the coroutine's CoroutineExceptionHandler off one), never lost. A composition
 * tester met it through asFlow().take(n) in a cancelled coroutine: a generator's producer that
 * failed as the close stopped it was seen nowhere.
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.ExceptionContext
import dev.aio4j.LoopOptions
import dev.aio4j.stream.AsyncCloseable
import dev.aio4j.stream.AsyncIterable
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(60)
class CloseFailureUnderCancellationKotlinTest {
    private class CloseBroke : RuntimeException("the close broke")

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aCancelledCollectorOfAGeneratorWhoseProducerFailsAtTheCloseReportsIt(t: LoopOptions.Threading) {
        val reported = CopyOnWriteArrayList<ExceptionContext>()
        onLoopOf(t) { loop ->
            loop.setExceptionHandler { _, ctx -> reported.add(ctx) }
            val gen = AsyncIterable.generate<Int>(1) { out ->
                try {
                    out.emit(1)
                    out.emit(2)
                    Async.sleep(Duration.ofSeconds(30))
                } catch (cancelled: RuntimeException) {
                    throw CloseBroke() // the producer fails as the close stops it
                }
            }
            val first = CompletableDeferred<Unit>()
            val job = launch {
                gen.asFlow().collect { first.complete(Unit) }
            }
            first.await()
            withContext(Dispatchers.IO) { Thread.sleep(100) } // the producer is in its sleep by then
            job.cancelAndJoin()
        }
        val ours = reported.filter { it.exception() is CloseBroke }
        assertEquals(1, ours.size, "reported once: $reported")
    }

    @Test
    fun useInACancelledCoroutineOffALoopGoesToItsExceptionHandler() {
        val handled = CopyOnWriteArrayList<Throwable>()
        val closeBroke = CloseBroke()
        val resource = AsyncCloseable { CompletableFuture.failedFuture(closeBroke) }
        var suppressed: List<Throwable> = emptyList()
        runBlocking(CoroutineExceptionHandler { _, e -> handled.add(e) }) {
            val started = CompletableDeferred<Unit>()
            val job = launch {
                try {
                    resource.use {
                        started.complete(Unit)
                        awaitCancellation()
                    }
                } catch (e: Throwable) {
                    suppressed = e.suppressed.toList()
                    throw e
                }
            }
            started.await()
            job.cancelAndJoin()
        }
        assertEquals(listOf<Throwable>(closeBroke), handled, "the same instance, once")
        assertTrue(suppressed.any { it === closeBroke }, "and suppressed on the cancellation: $suppressed")
    }
}
