/*
 * Suspend.resumeWith, as a Java implementation of a suspend method uses it, seen from Kotlin callers.
 */
package dev.aio4j.kotlin

import dev.aio4j.TaskState
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.Continuation
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ResumeWithTest {
    /** What the Java side does, written as a Kotlin class implementing the interface with the raw signature. */
    private class StageSource(val stage: CompletableFuture<String>) : JavaSource {
        override suspend fun fetch(id: Int): String = kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn { c: Continuation<String> ->
            Suspend.resumeWith(stage, c)
        }
    }

    @Test
    fun resultsAndFailuresCrossAsTheSameInstances() = onLoop { _ ->
        val done = CompletableFuture<String>()
        val source = StageSource(done)
        val waiter = async(start = CoroutineStart.UNDISPATCHED) { source.fetch(1) }
        done.complete("one")
        assertEquals("one", waiter.await())
        val e = IllegalStateException("java")
        val failing = CompletableFuture<String>()
        val w2 = async(start = CoroutineStart.UNDISPATCHED) { runCatching { StageSource(failing).fetch(2) }.exceptionOrNull() }
        failing.completeExceptionally(e)
        assertSame(e, w2.await())
    }

    @Test
    fun cancellingTheKotlinCallerCancelsTheStage() = onLoop { _ ->
        val pending = CompletableFuture<String>()
        assertNull(withTimeoutOrNull(50) { StageSource(pending).fetch(3) })
        assertTrue(pending.isCancelled, "the stage was cancelled")
    }

    /** Like the JDK HttpClient's futures: toCompletableFuture() gives a copy. */
    private class CopyingFuture<T> : CompletableFuture<T>() {
        override fun toCompletableFuture(): CompletableFuture<T> = copy()
    }

    /**
     * A minimalCompletionStage is a CompletableFuture whose cancel() refuses: the caller's
     * cancellation then cancels its copy. Before, the refusal escaped the cancellation handler and
     * reached the loop's exception handler as a CompletionHandlerException.
     */
    @Test
    fun aStageThatRefusesCancelIsLeftAloneWhenTheKotlinCallerIsCancelled() {
        val reports = java.util.concurrent.CopyOnWriteArrayList<dev.aio4j.ExceptionContext>()
        val source = CompletableFuture<String>()
        onLoop { loop ->
            loop.setExceptionHandler { _, context -> reports.add(context) }
            val minimal = source.minimalCompletionStage() as CompletableFuture<String>
            assertNull(withTimeoutOrNull(50) { StageSource(minimal).fetch(6) })
            delay(10)
        }
        assertEquals(listOf<dev.aio4j.ExceptionContext>(), reports)
        assertTrue(!source.isDone, "the source is untouched")
    }

    @Test
    fun aFutureWhoseToCompletableFutureIsACopyIsCancelledItself() = onLoop { _ ->
        val pending = CopyingFuture<String>()
        assertNull(withTimeoutOrNull(50) { StageSource(pending).fetch(5) })
        assertTrue(pending.isCancelled, "the stage itself was cancelled, not a copy")
    }

    @Test
    fun aStageThatIsATaskFollowsTheTasksRules() = onLoop { loop ->
        val finished = AtomicBoolean()
        val task = slowToFinish(loop, 50, finished)
        val source = object : JavaSource {
            override suspend fun fetch(id: Int): String = kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn { c: Continuation<String> ->
                Suspend.resumeWith(task.thenApply { it.toString() }, c) // a derived stage is a task too
            }
        }
        delay(1)
        assertNull(withTimeoutOrNull(50) { source.fetch(4) })
        assertTrue(finished.get(), "the caller resumed only after the task's finally had run")
        assertEquals(TaskState.CANCELLED, task.state())
    }
}
