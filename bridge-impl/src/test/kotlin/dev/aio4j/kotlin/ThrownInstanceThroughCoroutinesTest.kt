/*
 * The exception a Kotlin coroutine threw reaches Java as that instance through CoroutineScope.task
 * and Deferred.asTask, as it does through Suspend.call. The tests run with assertions on
 * (surefire's default), which is kotlinx's debug mode: a coroutine resumed with an exception from
 * another thread (a withContext on another dispatcher) gets a copy of it whose cause is the
 * original, and the coroutine's job completes with that copy. Found from outside (2026-12-07):
 * scope.task { f() } and scope.async { f() }.asTask() handed Java the copy in 6-10 of 10 runs.
 *
 * And a lazy deferred followed as a task is started, as asyncio's ensure_future starts a
 * coroutine and kotlinx's own await() starts a lazy deferred: before, the task's join() waited
 * for ever.
 */
@file:OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)

package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.ExceptionContext
import dev.aio4j.Task
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.launch
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

@Timeout(30)
class ThrownInstanceThroughCoroutinesTest {

    private val thrown = IllegalStateException("thrown on another dispatcher")

    /** Throws [thrown] from Dispatchers.Default once the caller has surely suspended: kotlinx copies it as it resumes the caller. */
    private suspend fun failsElsewhere(): Int = withContext(Dispatchers.Default) {
        delay(5)
        throw thrown
    }

    private fun exceptionOfJoin(task: Task<Int>): Throwable? = try {
        task.join()
        null
    } catch (e: Throwable) {
        e
    }

    @Test
    fun kotlinxCopiesTheExceptionHereWhichIsWhatTheseTestsAreAbout() {
        Async.run { loop ->
            val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
            val deferred = scope.async { failsElsewhere() }
            val task = deferred.asTask()
            exceptionOfJoin(task)
            val inDeferred = deferred.getCompletionExceptionOrNull()
            assertTrue(inDeferred !== thrown && inDeferred?.cause === thrown, "kotlinx's debug mode is off: nothing to undo ($inDeferred)")
            null
        }
    }

    @Test
    fun aTaskOfACoroutineFailsWithTheInstanceItsCodeThrew() {
        Async.run { loop ->
            val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
            val task = scope.task { failsElsewhere() }
            assertSame(thrown, exceptionOfJoin(task))
            assertSame(thrown, task.exceptionNow())
            null
        }
    }

    @Test
    fun aTaskThatFollowsADeferredFailsWithTheInstanceItsCodeThrew() {
        Async.run { loop ->
            val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
            val task = scope.async { failsElsewhere() }.asTask()
            assertSame(thrown, exceptionOfJoin(task))
            null
        }
    }

    /**
     * A coroutine whose child coroutine failed with the copy, and whose other child failed as it
     * was cancelled: kotlinx adds the later failure to the first as suppressed, which is the copy;
     * the task fails with the original, which keeps it.
     */
    @Test
    fun theOriginalKeepsTheFailuresKotlinxSuppressedInTheCopy() {
        val later = IllegalArgumentException("failed as it was cancelled")
        Async.run { loop ->
            val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
            val task = scope.task {
                launch { failsElsewhere() }
                launch {
                    try {
                        awaitCancellation()
                    } finally {
                        throw later
                    }
                }
                0
            }
            val e = exceptionOfJoin(task)
            assertSame(thrown, e)
            assertTrue(thrown.suppressed.any { it === later }, "the later failure is lost: ${thrown.suppressed.toList()}")
            null
        }
    }

    @Test
    fun aFailureNobodyRetrievedIsReportedWithTheInstanceItsCodeThrew() {
        val reported = java.util.concurrent.CompletableFuture<Throwable>()
        Async.run { loop ->
            loop.setExceptionHandler { _, context: ExceptionContext -> context.exception()?.let { reported.complete(it) } }
            val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
            val task = scope.task { failsElsewhere() }
            while (!task.isDone) Thread.sleep(1) // isDone retrieves nothing: the close reports the failure
            null
        }
        assertSame(thrown, reported.get(10, TimeUnit.SECONDS))
    }

    @Test
    fun aLazyDeferredFollowedAsATaskIsStarted() {
        Async.run { loop ->
            val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
            val lazy = scope.async(start = CoroutineStart.LAZY) { 42 }
            val task = lazy.asTask()
            assertEquals(42, Async.waitFor(task, java.time.Duration.ofSeconds(5)).join())
            assertTrue(lazy.isCompleted)
            null
        }
    }
}
