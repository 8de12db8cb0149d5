package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.LoopOptions.Threading
import dev.aio4j.Task
import dev.aio4j.TaskState
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

/**
 * Kotlin coroutines of a scope of their own and a loop's close (found from outside on 2026-12-05;
 * each failed before): a `CoroutineScope(...).task {}` is one of the loop's tasks, listed by
 * allTasks() and cancelled by close(); a coroutine (not a task) on the loop's dispatcher that the
 * close leaves waiting in a delay, or resumes after the close, is cancelled and runs its finally
 * on Dispatchers.IO, as kotlinx's dispatcher of a closed executor does, instead of being lost.
 */
@Timeout(60)
class LoopCloseKotlinTest {

    private fun newLoop(t: Threading) = Async.newLoop(LoopOptions.defaults().withThreading(t))

    @ParameterizedTest
    @EnumSource(Threading::class)
    fun aScopeTaskIsOneOfTheLoopsTasksAndItsCloseCancelsIt(t: Threading) {
        for (onDefault in listOf(false, true)) {
            val loop = newLoop(t)
            val started = CountDownLatch(1)
            val finished = CountDownLatch(1)
            val holder = AtomicReference<Task<Int>>()
            val listed = AtomicReference<Boolean>()
            loop.runUntilComplete(loop.createTaskAsync<Void?> {
                val scope = CoroutineScope((if (onDefault) Dispatchers.Default else loop.asCoroutineDispatcher()) + Job())
                holder.set(scope.task { started.countDown(); try { awaitCancellation() } finally { finished.countDown() } })
                Async.sleepAsync(Duration.ofMillis(20)).thenRun { listed.set(loop.allTasks().contains(holder.get())) }
            })
            assertEquals(true, listed.get(), "allTasks() did not list the scope's task (on Dispatchers.Default: $onDefault)")
            // a coroutine cancelled before it has started never runs its block (kotlinx's rule, and
            // asyncio's for a task cancelled before its first step): on a loaded machine, the 20 ms
            // need not have been enough for Dispatchers.Default to start it
            assertTrue(started.await(5, TimeUnit.SECONDS), "the scope's task did not start")
            loop.close()
            assertTrue(finished.await(5, TimeUnit.SECONDS), "its finally did not run")
            assertEquals(TaskState.CANCELLED, holder.get().state())
        }
    }

    @ParameterizedTest
    @EnumSource(Threading::class)
    fun aCoroutineLeftInADelayByTheCloseIsCancelledAndRunsItsFinally(t: Threading) {
        val loop = newLoop(t)
        val started = CountDownLatch(1)
        val finished = CountDownLatch(1)
        val job = AtomicReference<Job>()
        loop.runUntilComplete(loop.createTaskAsync<Void?> {
            job.set(CoroutineScope(loop.asCoroutineDispatcher()).launch {
                started.countDown()
                try { delay(60_000) } finally { finished.countDown() }
            })
            Async.sleepAsync(Duration.ofMillis(20))
        })
        assertTrue(started.await(5, TimeUnit.SECONDS), "the coroutine did not start") // else its block never runs
        loop.close()
        assertTrue(finished.await(5, TimeUnit.SECONDS), "its finally did not run")
        job.get().join0()
        assertTrue(job.get().isCancelled)
    }

    /**
     * close() returns once such a coroutine has ended, its finally blocks run, as Async.run returns
     * once its tasks have: nothing of it runs after. Before 2026-12-07
     * close() returned first and the finally ran later on Dispatchers.IO (found from outside).
     */
    @ParameterizedTest
    @EnumSource(Threading::class)
    fun closeReturnsOnceACoroutineItCancelledInADelayHasEnded(t: Threading) {
        for (viaRun in listOf(false, true)) {
            val started = CountDownLatch(1)
            val finished = CountDownLatch(1)
            val job = AtomicReference<Job>()
            val body: (dev.aio4j.Loop) -> java.util.concurrent.CompletionStage<Void?> = { loop ->
                job.set(CoroutineScope(loop.asCoroutineDispatcher()).launch {
                    started.countDown()
                    try {
                        delay(60_000)
                    } finally {
                        Thread.sleep(20) // a finally that takes a while (one that suspends is cancelled at its resumption, as on kotlinx's closed executor)
                        finished.countDown()
                    }
                })
                Async.sleepAsync(Duration.ofMillis(20))
            }
            if (viaRun) {
                Async.runAsync(LoopOptions.defaults().withThreading(t)) { loop -> body(loop) }
            } else {
                val loop = newLoop(t)
                loop.runUntilComplete(loop.createTaskAsync<Void?> { body(loop) })
                loop.close()
            }
            assertEquals(0L, started.count, "the coroutine did not start") // else its block never runs
            assertEquals(0L, finished.count, "close() returned before the finally ran (${if (viaRun) "Async.runAsync" else "Loop.close"})")
            assertTrue(job.get().isCompleted && job.get().isCancelled, "${job.get()}")
        }
    }

    @ParameterizedTest
    @EnumSource(Threading::class)
    fun aCoroutineResumedAfterTheCloseIsCancelledAndRunsItsFinally(t: Threading) {
        val loop = newLoop(t)
        val started = CountDownLatch(1)
        val finished = CountDownLatch(1)
        val gate = CompletableDeferred<Int>()
        val job = AtomicReference<Job>()
        loop.runUntilComplete(loop.createTaskAsync<Void?> {
            job.set(CoroutineScope(loop.asCoroutineDispatcher()).launch {
                started.countDown()
                try { gate.await() } finally { finished.countDown() }
            })
            Async.sleepAsync(Duration.ofMillis(20))
        })
        assertTrue(started.await(5, TimeUnit.SECONDS), "the coroutine did not start") // else its block never runs
        loop.close()
        assertNull(runCatching { gate.complete(1) }.exceptionOrNull(), "the resumer got the loop's refusal")
        assertTrue(finished.await(5, TimeUnit.SECONDS), "its finally did not run")
        job.get().join0()
        assertTrue(job.get().isCancelled)
    }

    private fun Job.join0() {
        val end = System.nanoTime() + 5_000_000_000L
        while (!isCompleted && System.nanoTime() < end) Thread.sleep(1)
        assertTrue(isCompleted, "$this")
    }
}
