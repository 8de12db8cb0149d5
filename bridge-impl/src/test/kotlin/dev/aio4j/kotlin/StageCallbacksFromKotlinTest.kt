/*
 * A Kotlin caller's whenComplete/handle lambda over a task that failed or was cancelled receives a
 * null value, as CompletionStage says. Before 2026-12-07 Task declared the value parameter
 * non-null (`? super T` in a @NullMarked package), so Kotlin's generated null check on `v` threw
 * an NPE: the clean-up never ran, handle's recovery became an NPE, and the cancellation an NPE
 * failure (found from outside).
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.Task
import dev.aio4j.TaskState
import java.time.Duration
import java.util.concurrent.CancellationException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

@Timeout(30)
class StageCallbacksFromKotlinTest {
    private class Boom : RuntimeException("boom")

    @Test
    fun whenCompleteAndHandleSeeANullValueWhenTheTaskFailed() {
        val boom = Boom()
        Async.run { loop: Loop ->
            val failed: Task<String> = loop.createTask<String> { throw boom }
            var sawValue: String? = "unset"
            var sawError: Throwable? = null
            val watched = failed.whenComplete { v, e -> sawValue = v; sawError = e }
            assertSame(boom, assertThrows(Boom::class.java) { watched.join() })
            assertNull(sawValue)
            assertSame(boom, sawError)
            assertEquals("recovered from boom", failed.handle { v, e -> v ?: "recovered from ${e?.message}" }.join())
            assertEquals("recovered", failed.handleAsync { v, _ -> v ?: "recovered" }.join())
            assertSame(boom, assertThrows(Boom::class.java) { failed.whenCompleteAsync { _, _ -> }.join() })
            null
        }
    }

    @Test
    fun aWhenCompleteCleanUpRunsOnACancellation() {
        Async.run { loop: Loop ->
            val slow: Task<String> = loop.createTask<String> { Async.sleep(Duration.ofSeconds(10)); "late" }
            var cleanedUp: Throwable? = null
            val watched = slow.whenComplete { v, e -> assertNull(v); cleanedUp = e }
            assertTrue(watched.cancel())
            assertThrows(CancellationException::class.java) { watched.join() }
            assertEquals(TaskState.CANCELLED, watched.state())
            assertTrue(cleanedUp is CancellationException, "the clean-up saw $cleanedUp")
            null
        }
    }
}
