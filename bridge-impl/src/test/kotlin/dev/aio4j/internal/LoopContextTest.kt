/*
 * LoopContext is a CoroutineContext of our own: it must answer every question kotlinx asks a
 * context (get by key, polymorphic keys included; fold; minusKey; plus) as kotlin's
 * CombinedContext with the same elements does, and a task's coroutine must see its own job in it.
 */
package dev.aio4j.internal

import dev.aio4j.Async
import dev.aio4j.kotlin.Suspend
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.yield
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

@OptIn(ExperimentalStdlibApi::class) // CoroutineDispatcher's polymorphic key
class LoopContextTest {
    private val handler = CoroutineExceptionHandler { _, _ -> }
    private val job = Job()
    private val dispatcher = Dispatchers.Unconfined
    private val ours = LoopContext(handler, job, dispatcher)
    private val kotlins: CoroutineContext = handler + job + dispatcher

    private fun elements(context: CoroutineContext): List<CoroutineContext.Element> = context.fold(listOf()) { acc, e -> acc + e }

    @Test
    @Suppress("DEPRECATION") // CoroutineDispatcher.Key: deprecated, still used by libraries that look the dispatcher up
    fun answersGetAsKotlinsContextDoesPolymorphicKeysIncluded() {
        for (key in listOf(Job, ContinuationInterceptor, CoroutineExceptionHandler, CoroutineDispatcher, CoroutineName)) {
            assertSame(kotlins[key], ours[key], "get($key)")
        }
        assertSame(dispatcher, ours[CoroutineDispatcher], "the dispatcher by its polymorphic key")
        assertNull(ours[CoroutineName])
    }

    @Test
    fun foldsInKotlinsOrderTheInterceptorLast() {
        assertEquals(elements(kotlins), elements(ours))
        assertSame(dispatcher, elements(ours).last())
    }

    @Test
    fun minusKeyAndPlusGiveTheSameElementsAsKotlinsContext() {
        for (key in listOf(Job, ContinuationInterceptor, CoroutineExceptionHandler, CoroutineName)) {
            assertEquals(elements(kotlins.minusKey(key)).toSet(), elements(ours.minusKey(key)).toSet(), "minusKey($key)")
        }
        assertSame(ours, ours.minusKey(CoroutineName), "nothing to take away: the same context")
        val name = CoroutineName("n")
        assertEquals(elements(kotlins + name).toSet(), elements(ours + name).toSet())
        assertSame(ours, ours + EmptyCoroutineContext)
        val other = Job()
        val withOther = ours + other
        assertTrue(withOther is LoopContext, "plus a job keeps the small form")
        assertSame(other, withOther[Job])
        assertSame(dispatcher, withOther[ContinuationInterceptor])
        assertSame(handler, withOther[CoroutineExceptionHandler])
        assertEquals(elements(kotlins + other).toSet(), elements(withOther).toSet())
    }

    @Test
    fun aSuspendCallsFunctionSeesItsTasksJobAndTheLoopsDispatcherInItsContext() {
        Async.run<Any?> { loop ->
            val loopImpl = loop as EventLoop
            val task = Suspend.call<CoroutineContext> { c -> ::contextAfterAYield.startCoroutineUninterceptedOrReturn(c) } as TaskImpl<CoroutineContext>
            val context = task.join()
            assertSame(task.job, context[Job], "the function's job is its task's")
            assertSame(loopImpl.dispatcher, context[ContinuationInterceptor])
            assertNull(task.job!!.parent, "a top-level task's job has no parent: the loop keeps the task in LoopTasks")
            null
        }
    }
}

private suspend fun contextAfterAYield(): CoroutineContext {
    yield()
    return currentCoroutineContext()
}
