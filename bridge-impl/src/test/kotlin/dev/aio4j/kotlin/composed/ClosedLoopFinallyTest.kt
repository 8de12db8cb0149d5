/*
 * A coroutine of a scope of its own on the loop's dispatcher, whose finally suspends the way
 * kotlinx teaches (withContext(NonCancellable) { delay(...) }), when the loop closes.
 *
 * asCoroutineDispatcher's KDoc: "a coroutine dispatched to the loop once it is closed, or left in a
 * delay by its close, has its job cancelled and goes on on Dispatchers.IO to run its finally
 * blocks, as kotlinx's dispatcher of a closed executor does". Pinned: the finally runs, the job
 * ends; its NonCancellable delay throws a CancellationException ("the loop N is closed"), as the
 * same program on kotlinx's dispatcher of a closed executor does ("The task was rejected"): a
 * suspending clean-up is cut short there too, so the parity the KDoc claims holds.
 */
package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.kotlin.asCoroutineDispatcher
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(60)
class ClosedLoopFinallyTest {

    private class Finally {
        val began = CountDownLatch(1)
        val finished = AtomicBoolean()
        val delayThrew = AtomicReference<Throwable>()

        /** A body that waits for ever; its finally suspends non-cancellably for [ms], then finishes. */
        suspend fun body(ms: Long) {
            try {
                began.countDown()
                awaitCancellation()
            } finally {
                try {
                    withContext(NonCancellable) { delay(ms) }
                } catch (e: Throwable) {
                    delayThrew.set(e)
                }
                finished.set(true)
            }
        }
    }

    /** The coroutine is cancelled after the close: its finally's NonCancellable delay is asked of the closed loop. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aNonCancellableDelayInAFinallyAfterTheCloseIsCutAsOnKotlinx(threading: LoopOptions.Threading) {
        val loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
        val fin = Finally()
        val job = CoroutineScope(loop.asCoroutineDispatcher() + Job()).launch { fin.body(10) }
        loop.runUntilComplete(loop.createTask<Unit> { assertTrue(fin.began.await(10, TimeUnit.SECONDS)) })
        loop.close()
        job.cancel()
        runBlocking { withTimeout(10_000) { job.join() } }
        assertTrue(fin.finished.get())
        assertTrue(fin.delayThrew.get() is java.util.concurrent.CancellationException, "the NonCancellable delay after the close: ${fin.delayThrew.get()}")
    }

    /** The coroutine is in its finally's NonCancellable delay when the loop closes. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aNonCancellableDelayPendingAtTheCloseIsCutAndTheFinallyRuns(threading: LoopOptions.Threading) {
        val loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
        val fin = Finally()
        val job = CoroutineScope(loop.asCoroutineDispatcher() + Job()).launch { fin.body(200) }
        loop.runUntilComplete(loop.createTask<Unit> {
            assertTrue(fin.began.await(10, TimeUnit.SECONDS))
            job.cancel() // the finally starts its 200 ms delay on the loop
            Async.sleep(Duration.ofMillis(20))
        })
        loop.close()
        runBlocking { withTimeout(10_000) { job.join() } }
        assertTrue(fin.finished.get())
        assertTrue(fin.delayThrew.get() is java.util.concurrent.CancellationException, "the NonCancellable delay pending at the close: ${fin.delayThrew.get()}")
    }

    /** The baseline the KDoc names: kotlinx's dispatcher of a closed executor, same program. */
    @Test
    fun kotlinxClosedExecutorDispatcherBaseline() {
        val executor = Executors.newSingleThreadScheduledExecutor()
        val dispatcher = executor.asCoroutineDispatcher()
        val fin = Finally()
        val job = CoroutineScope(dispatcher + Job()).launch { fin.body(10) }
        assertTrue(fin.began.await(10, TimeUnit.SECONDS))
        dispatcher.close()
        job.cancel()
        runBlocking { withTimeout(10_000) { job.join() } }
        assertTrue(fin.finished.get())
        assertTrue(fin.delayThrew.get() is java.util.concurrent.CancellationException, "kotlinx: ${fin.delayThrew.get()}")
    }
}
