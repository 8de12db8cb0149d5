/*
 * Flow <-> AsyncIterable, and AsyncCloseable.use: elements in order, early ends close the source
 * once, failures arrive as the same instance; mockk stands in for the Java iterators and resources.
 */
package dev.aio4j.kotlin

import dev.aio4j.TaskState
import dev.aio4j.stream.AsyncCloseable
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import io.mockk.every
import io.mockk.mockk
import io.mockk.verify
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.future.await
import dev.aio4j.kotlin.await
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class FlowsTest {

    /** The stage's exception, read as a value (kotlinx's await may throw a copy in debug mode). */
    private suspend fun <T> java.util.concurrent.CompletionStage<T>.failure(): Throwable? =
        handle { _, e -> if (e is java.util.concurrent.CompletionException) e.cause else e }.await()

    private fun javaIterator(vararg items: Int, failAt: Throwable? = null): AsyncIterator<Int> {
        val it = mockk<AsyncIterator<Int>>()
        var i = 0
        every { it.hasNext() } answers {
            if (i < items.size) CompletableFuture.completedFuture(true)
            else if (failAt != null) CompletableFuture.failedFuture(failAt)
            else CompletableFuture.supplyAsync({ false }, CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.MILLISECONDS))
        }
        every { it.next() } answers { items[i++] }
        every { it.closeAsync() } returns CompletableFuture.completedFuture(null)
        return it
    }

    @Test
    fun anAsyncIterableAsAFlowEmitsInOrderAndClosesOnce() = onLoop { _ ->
        val iterator = javaIterator(1, 2, 3)
        assertEquals(listOf(1, 2, 3), AsyncIterable { iterator }.asFlow().toList())
        verify(exactly = 1) { iterator.closeAsync() }
        val early = javaIterator(1, 2, 3)
        assertEquals(listOf(1, 2), AsyncIterable { early }.asFlow().take(2).toList())
        verify(exactly = 1) { early.closeAsync() }
        val e = IllegalStateException("source")
        val failing = javaIterator(1, failAt = e)
        assertSame(e, runCatching { AsyncIterable { failing }.asFlow().toList() }.exceptionOrNull())
        verify(exactly = 1) { failing.closeAsync() }
    }

    @Test
    fun aFlowAsAnAsyncIterableForJava() = onLoop { _ ->
        val source = flow { for (i in 1..300) emit(i) }.asAsyncIterable()
        var sum = 0
        source.forEach { sum += it }.await()
        assertEquals(300 * 301 / 2, sum)
        val it = source.asyncIterator()
        val seen = ArrayList<Int>()
        while (it.hasNext().await()) seen.add(it.next())
        assertEquals((1..300).toList(), seen)
        assertFalse(it.hasNext().await())
    }

    @Test
    fun closingTheIteratorEndsTheCollectionAndItsFinallyRuns() = onLoop { _ ->
        val finallyRan = AtomicBoolean()
        val e = IllegalArgumentException("flow failed")
        val hanging = flow {
            try {
                emit(1)
                awaitCancellation()
            } finally {
                finallyRan.set(true)
            }
        }.asAsyncIterable()
        val it = hanging.asyncIterator()
        assertTrue(it.hasNext().await())
        assertEquals(1, it.next())
        val waiting = it.hasNext()
        it.closeAsync().await()
        assertTrue(finallyRan.get())
        runCatching { waiting.await() }
        val failing = flow<Int> { delay(1); throw e }.asAsyncIterable()
        assertSame(e, failing.asyncIterator().hasNext().failure())
        val task = failing.forEach { }
        assertSame(e, runCatching { task.await() }.exceptionOrNull())
        assertEquals(TaskState.FAILED, task.state())
    }

    @Test
    fun aFlowCollectionThatEndsEarlyClosesTheJavaSource() = onLoop { _ ->
        val iterator = javaIterator(7, 8)
        assertEquals(7, AsyncIterable { iterator }.asFlow().first())
        verify(exactly = 1) { iterator.closeAsync() }
    }

    @Test
    fun useClosesOnceAndTheBodysFailureWins() = onLoop { _ ->
        val ok = mockk<AsyncCloseable>()
        every { ok.closeAsync() } returns CompletableFuture.completedFuture(null)
        assertEquals(5, ok.use { 5 })
        verify(exactly = 1) { ok.closeAsync() }

        val closeError = IllegalStateException("close")
        val bad = mockk<AsyncCloseable>()
        every { bad.closeAsync() } returns CompletableFuture.failedFuture(closeError)
        val bodyError = IllegalArgumentException("body")
        val thrown = runCatching { bad.use { throw bodyError } }.exceptionOrNull()
        assertSame(bodyError, thrown)
        assertSame(closeError, bodyError.suppressed.single())
        assertSame(closeError, runCatching { bad.use { 1 } }.exceptionOrNull())
        verify(exactly = 2) { bad.closeAsync() }
    }
}
