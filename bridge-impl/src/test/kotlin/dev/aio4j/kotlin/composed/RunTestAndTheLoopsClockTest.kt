/*
 * A Kotlin team's unit tests use kotlinx-coroutines-test's runTest (virtual time). aio4j's KDoc
 * says nothing about runTest; it says that Loop.asCoroutineDispatcher's delay/withTimeout "use the
 * loop's clock", that CoroutineScope.task needs a loop in the context or running on the thread,
 * and that sleepAsync needs a loop on the calling thread. These tests pin what a runTest body sees
 * when it drives a loop that runs on a thread of its own.
 */
@file:OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)

package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.LoopOptions
import dev.aio4j.TaskState
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import java.time.Duration
import java.util.concurrent.CancellationException
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.delay
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(60)
class RunTestAndTheLoopsClockTest {

    /** A loop run by a thread of its own for the length of [body]; closed after, and no thread of aio4j's left. */
    private fun withRunningLoop(threading: LoopOptions.Threading, body: (Loop) -> Unit) {
        val before = aio4jThreads()
        val loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
        val running = CountDownLatch(1)
        val runner = Thread({
            loop.callSoon { running.countDown() }
            loop.runForever()
        }, "loop-runner")
        runner.start()
        assertTrue(running.await(10, TimeUnit.SECONDS), "the loop did not start")
        try {
            body(loop)
        } finally {
            loop.callSoon { loop.stop() }
            runner.join(10_000)
            assertFalse(runner.isAlive, "the loop's runner did not stop")
            loop.close()
        }
        val left = aio4jThreads() - before
        assertTrue(left.isEmpty(), "threads left: $left")
    }

    /**
     * Code moved to the loop with withContext(loop.asCoroutineDispatcher()) delays on the loop's
     * (real) clock, and the test's virtual clock does not move meanwhile; a delay on the test's
     * dispatcher is skipped.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun delayOnTheLoopIsRealTimeAndVirtualTimeDoesNotMove(threading: LoopOptions.Threading) = withRunningLoop(threading) { loop ->
        runTest {
            val start = System.nanoTime()
            withContext(loop.asCoroutineDispatcher()) { delay(150) }
            val realMs = (System.nanoTime() - start) / 1_000_000
            assertTrue(realMs >= 150, "a delay on the loop took $realMs ms of real time")
            assertEquals(0L, testScheduler.currentTime, "virtual time moved")
            val start2 = System.nanoTime()
            delay(60_000) // the test dispatcher's: skipped
            assertTrue((System.nanoTime() - start2) / 1_000_000 < 5_000)
            assertEquals(60_000L, testScheduler.currentTime)
        }
    }

    /**
     * A Java task awaited from runTest's own dispatcher: await resumes there with the value; a
     * Kotlin task made with the loop's dispatcher in its context (CoroutineScope.task's rule) is a
     * child of the test and runs on the loop.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun tasksAwaitedFromRunTest(threading: LoopOptions.Threading) = withRunningLoop(threading) { loop ->
        runTest {
            val javaTask = loop.createTask<Int> { Async.sleep(Duration.ofMillis(20)); 41 }
            assertEquals(41, javaTask.await())
            val onLoop = task(loop.asCoroutineDispatcher()) { delay(20); Loop.current() }
            assertTrue(onLoop.await() === loop, "the task did not run on the loop")
        }
    }

    /**
     * withTimeout in runTest counts virtual time, which runTest advances as soon as the test
     * coroutine only waits for something outside the test's dispatcher: around the await of a
     * Java task that takes 300 ms of real time, a 10 s withTimeout fires at once, and the task is
     * cancelled through the await chain (its finally runs before withTimeout throws). Pinned here
     * because aio4j's KDoc does not mention it and it is the first thing a runTest user meets.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun withTimeoutInRunTestFiresInVirtualTimeAndCancelsTheTask(threading: LoopOptions.Threading) = withRunningLoop(threading) { loop ->
        val finallyRan = AtomicBoolean()
        val began = CountDownLatch(1)
        runTest {
            val javaTask = loop.createTask<Int> {
                began.countDown()
                try { Async.sleep(Duration.ofMillis(300)); 1 } finally { finallyRan.set(true) }
            }
            assertTrue(began.await(10, TimeUnit.SECONDS))
            val start = System.nanoTime()
            val thrown = runCatching { withTimeout(10_000) { javaTask.await() } }.exceptionOrNull()
            val realMs = (System.nanoTime() - start) / 1_000_000
            assertTrue(thrown is TimeoutCancellationException, "got $thrown after $realMs ms")
            assertTrue(realMs < 300, "the timeout waited $realMs ms of real time")
            assertEquals(TaskState.CANCELLED, javaTask.state())
            assertTrue(finallyRan.get(), "the task's finally had not run when withTimeout threw")
        }
    }

    /** Without the loop in the context, CoroutineScope.task and sleepAsync refuse: IllegalStateException, not a cancellation. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun withoutTheLoopInTheContextTaskAndSleepAsyncRefuse(threading: LoopOptions.Threading) = withRunningLoop(threading) { _ ->
        runTest {
            val noTask = runCatching { task { 1 } }.exceptionOrNull()
            assertTrue(noTask is IllegalStateException && noTask !is CancellationException, "task {} without a loop: $noTask")
            val noSleep = runCatching { Async.sleepAsync(Duration.ofMillis(1)) }.exceptionOrNull()
            assertTrue(noSleep is IllegalStateException && noSleep !is CancellationException, "sleepAsync without a loop: $noSleep")
        }
    }
}
