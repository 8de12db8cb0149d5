/*
 * Tasks in Kotlin: await (cancellation both ways, same instances, which await a user gets),
 * asDeferred, asTask, CoroutineScope.task, Loop.asCoroutineDispatcher.
 */
@file:OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)

package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.Task
import dev.aio4j.TaskState
import io.mockk.every
import io.mockk.mockk
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import dev.aio4j.kotlin.resolution.aio4jonly.awaitIt as awaitAio4jOnly
import dev.aio4j.kotlin.resolution.bothexplicit.awaitIt as awaitBothExplicit
import dev.aio4j.kotlin.resolution.kotlinxonly.awaitIt as awaitKotlinxExplicit

class TasksTest {

    @Test
    fun awaitGivesTheValueAndTheSameExceptionInstance() = onLoop { loop ->
        assertEquals(3, loop.createTask<Int> { 3 }.await())
        val e = IllegalStateException("from Java")
        val failing = loop.createTask<Int> { throw e }
        val thrown = runCatching { failing.await() }.exceptionOrNull()
        assertSame(e, thrown)
    }

    @Test
    fun cancellingTheCoroutineCancelsTheTaskAndWaitsForItsEnd() = onLoop { loop ->
        val finished = AtomicBoolean()
        val task = slowToFinish(loop, 50, finished)
        val waiter = async(start = CoroutineStart.UNDISPATCHED) { task.await() }
        delay(20)
        val ce = CancellationException("stop")
        waiter.cancel(ce)
        val thrown = runCatching { waiter.await() }.exceptionOrNull()
        assertTrue(finished.get(), "await() returned only after the task had finished")
        assertEquals(TaskState.CANCELLED, task.state())
        assertSame(ce, (task.outcomeNow() as dev.aio4j.Outcome.Cancelled).exception())
        assertTrue(thrown is CancellationException)
    }

    @Test
    fun aTaskCancelledFromJavaMakesAwaitThrowItsCancellation() = onLoop { loop ->
        val task = loop.createTask<Int> { Thread.sleep(Long.MAX_VALUE); 0 }
        launch { delay(10); task.cancel() }
        val thrown = runCatching { task.await() }.exceptionOrNull()
        assertSame((task.outcomeNow() as dev.aio4j.Outcome.Cancelled).exception(), thrown)
    }

    /** Which await() a Kotlin user gets, told apart by behaviour: aio4j's waits for the cancelled task to finish. */
    @Test
    fun whichAwaitAKotlinUserGets() = onLoop { loop ->
        suspend fun waitsForTheEnd(await: suspend (Task<Int>) -> Int): Boolean {
            val finished = AtomicBoolean()
            val task = slowToFinish(loop, 100, finished)
            val waiter = async(start = CoroutineStart.UNDISPATCHED) { await(task) }
            delay(20)
            waiter.cancel()
            runCatching { waiter.await() }
            val sawTheEnd = finished.get()
            runCatching { task.await() } // let the task finish before the next case
            return sawTheEnd
        }
        assertTrue(waitsForTheEnd { awaitAio4jOnly(it) }, "import dev.aio4j.kotlin.await: aio4j's")
        assertTrue(waitsForTheEnd { awaitBothExplicit(it) }, "both imported explicitly: aio4j's, the more specific receiver")
        assertFalse(waitsForTheEnd { awaitKotlinxExplicit(it) }, "kotlinx's explicit import beside aio4j's star import: kotlinx's")
    }

    /** kotlinx's CompletionStage.await() registers through whenComplete, a derived task per await; aio4j's registers on the task's job. */
    @Test
    fun awaitOfAPendingTaskMakesNoTask() = onLoop { loop ->
        val promise = loop.createPromise<Int>()
        val before = loop.allTasks()
        val waiter = async(start = CoroutineStart.UNDISPATCHED) { promise.await() }
        assertEquals(before, loop.allTasks(), "aio4j's await makes no task")
        val viaKotlinx = async(start = CoroutineStart.UNDISPATCHED) { awaitKotlinxExplicit(promise) }
        assertEquals(before.size + 1, loop.allTasks().size, "kotlinx's await makes one (the check can fail)")
        promise.complete(7)
        assertEquals(7, waiter.await())
        assertEquals(7, viaKotlinx.await())
    }

    @Test
    fun awaitOfATaskThatIsNotAio4jsFollowsItsStage() = onLoop { _ ->
        val stage = CompletableFuture<Int>()
        val foreign = mockk<Task<Int>>()
        every { foreign.toCompletableFuture() } returns stage
        every { foreign.whenComplete(any()) } answers { stage.whenComplete(firstArg()); foreign }
        launch { yield(); stage.complete(5) }
        assertEquals(5, foreign.await())
    }

    @Test
    fun asDeferredFollowsTheTaskBothWays() = onLoop { loop ->
        val e = IllegalArgumentException("x")
        assertEquals(1, loop.createTask<Int> { 1 }.asDeferred().await())
        val failed = loop.createTask<Int> { throw e }.asDeferred()
        failed.join()
        assertSame(e, failed.getCompletionExceptionOrNull())
        val running = loop.createTask<Int> { Thread.sleep(Long.MAX_VALUE); 0 }
        val deferred = running.asDeferred()
        deferred.cancel()
        assertTrue(runCatching { running.await() }.exceptionOrNull() is CancellationException)
        assertEquals(TaskState.CANCELLED, running.state())
        val cancelledTask = loop.createTask<Int> { Thread.sleep(Long.MAX_VALUE); 0 }
        val d2 = cancelledTask.asDeferred()
        cancelledTask.cancel()
        d2.join()
        assertTrue(d2.isCancelled)
    }

    /**
     * A served acquireAsync() task that has succeeded while its deferred is still pending (the
     * done callback that completes it runs a step later), the deferred cancelled in between: nobody
     * will read the deferred, so the lock goes back; the task stays SUCCESS. Before, the lock
     * stayed locked with no holder.
     */
    @Test
    fun aDeferredCancelledAfterItsAcquireTaskSucceededGivesTheLockBack() = onLoop { _ ->
        val lock = dev.aio4j.sync.AsyncLock.create()
        lock.acquireAsync().await()
        val acquire = lock.acquireAsync()
        val deferred = acquire.asDeferred()
        var pendingAtTheCancel = false
        acquire.whenComplete { _, _ -> // runs as the task completes, before its done callbacks
            pendingAtTheCancel = !deferred.isCompleted
            deferred.cancel()
        }
        lock.release()
        deferred.join()
        yield()
        assertTrue(pendingAtTheCancel, "the deferred was cancelled while pending")
        assertEquals(TaskState.SUCCESS, acquire.state())
        assertFalse(lock.isLocked, "the lock went back")
    }

    @Test
    fun asTaskFollowsTheDeferredBothWays() = onLoop { loop ->
        assertEquals(2, CompletableDeferred(2).asTask().await())
        val e = IllegalStateException("k")
        val failed = CompletableDeferred<Int>().also { it.completeExceptionally(e) }.asTask(loop)
        assertSame(e, runCatching { failed.await() }.exceptionOrNull())
        assertEquals(TaskState.FAILED, failed.state())
        val finallyRan = AtomicBoolean()
        val deferred = async {
            try {
                awaitCancellation()
            } finally {
                withContext(kotlinx.coroutines.NonCancellable) { delay(20) }
                finallyRan.set(true)
            }
        }
        yield()
        val task = deferred.asTask()
        assertTrue(task.cancel())
        runCatching { task.await() }
        assertTrue(finallyRan.get(), "the task is done only once the deferred's finally has run")
        assertEquals(TaskState.CANCELLED, task.state())
        assertTrue(deferred.isCancelled)
    }

    /**
     * A cancel() that lands after the deferred has completed and before its completion reached the
     * task (another completion handler of the deferred, registered first, holds it up): the
     * deferred's value is the task's, and cancel() says it came too late. Before 2026-12-07 the
     * task ended CANCELLED and the value was lost, with the deferred not cancelled (found from
     * outside: 13-16 of 2,000 rounds of complete() racing cancel()).
     */
    @Test
    fun aCancelRacingTheDeferredsCompletionLeavesTheTaskItsValue() {
        Async.run { loop: Loop ->
            val deferred = CompletableDeferred<Int>()
            val cancelled = CountDownLatch(1)
            deferred.invokeOnCompletion { cancelled.await() } // runs before the task hears of the completion
            val task = deferred.asTask(loop)
            val completer = Thread { deferred.complete(42) }.also { it.start() }
            while (!deferred.isCompleted) Thread.onSpinWait()
            val cancelReturned = task.cancel()
            cancelled.countDown()
            completer.join()
            assertEquals(42, task.join())
            assertEquals(TaskState.SUCCESS, task.state())
            assertFalse(cancelReturned, "cancel() after the deferred completed")
            assertFalse(deferred.isCancelled)
            null
        }
    }

    @Test
    fun taskIsAStructuredChildOfItsScope() = onLoop { loop ->
        val e = IllegalStateException("child")
        val thrown = runCatching {
            coroutineScope {
                val sibling = launch { awaitCancellation() }
                task<Int> { yield(); throw e }
                sibling.join()
            }
        }.exceptionOrNull()
        // coroutineScope rethrows the child's failure through kotlinx's stack-trace recovery, which
        // may make a copy (with the original as its cause) when kotlinx's debug mode is on.
        assertTrue(thrown === e || thrown?.cause === e, "the task's failure failed its scope: $thrown")
        val t = task { delay(10); Loop.current() }
        assertSame(loop, t.await(), "runs on the loop")
        val cancelled = task { awaitCancellation() }
        yield()
        cancelled.cancel()
        assertTrue(runCatching { cancelled.await() }.exceptionOrNull() is CancellationException)
        assertEquals(TaskState.CANCELLED, cancelled.state())
    }

    /**
     * Async.currentTask() in a Kotlin task is that task at every step, as asyncio's current_task()
     * is the task across its awaits; a coroutine launched inside it belongs to it too; a step on
     * another dispatcher runs on a thread that is not the loop's, where no task is current; the
     * enclosing task is current again once the inner one is done. Before 2026-12-06 it was null
     * from the first step on: only a non-blocking Java body's own call set it.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(dev.aio4j.LoopOptions.Threading::class)
    fun currentTaskIsTheCoroutinesTaskAtEveryStep(threading: dev.aio4j.LoopOptions.Threading) =
        onLoop(dev.aio4j.LoopOptions.defaults().withThreading(threading)) { loop ->
        val outer = Async.currentTask()
        assertTrue(outer != null, "onLoop's body is a task")
        val seen = ArrayList<Task<*>?>()
        val inner = task {
            seen.add(Async.currentTask())
            yield()
            seen.add(Async.currentTask())
            delay(2)
            seen.add(Async.currentTask())
            launch { seen.add(Async.currentTask()) }.join()
            seen.add(withContext(kotlinx.coroutines.Dispatchers.IO) { Async.currentTask() })
            seen.add(Async.currentTask())
            loop.createTask<Int> { 1 }.await()
            seen.add(Async.currentTask())
        }
        inner.await()
        assertEquals(listOf<Task<*>?>(inner, inner, inner, inner, null, inner, inner), seen)
        assertSame(outer, Async.currentTask(), "the enclosing task is current again")
        val viaJava = loop.createTaskAsync<Task<*>?> {
            java.util.concurrent.CompletableFuture.completedFuture(Async.currentTask())
        }
        assertSame(viaJava, viaJava.await(), "a Java body started from Kotlin is its own task")
        assertSame(outer, Async.currentTask())
    }

    @Test
    fun kotlinCodeJoinsALoopThroughItsDispatcher() {
        Async.run { loop ->
            val dispatcher = loop.asCoroutineDispatcher()
            assertSame(dispatcher, loop.asCoroutineDispatcher())
            val onLoop = Suspend.join<Loop?> { c -> suspend { withContext(dispatcher) { Loop.current() } }.startCoroutineUninterceptedOrReturn(c) }
            assertSame(loop, onLoop)
        }
        assertThrows(IllegalArgumentException::class.java) { mockk<Loop>().asCoroutineDispatcher() }
    }

    @Test
    fun theDispatcherOfAClosedLoopCancelsWorkInsteadOfHanging() {
        val loop = Async.newLoop()
        val dispatcher = loop.asCoroutineDispatcher()
        loop.close()
        // withContext went to a queue that nothing would ever run: runBlocking waited for ever. Since
        // 2026-12-05 the dispatcher of a closed loop does what kotlinx's dispatcher of a closed
        // executor does: cancels the coroutine's job, whose block then ends on Dispatchers.IO.
        val outcome = java.util.concurrent.CompletableFuture.supplyAsync {
            runCatching { kotlinx.coroutines.runBlocking { withContext(dispatcher) { 1 } } }
        }.get(10, java.util.concurrent.TimeUnit.SECONDS)
        val e = outcome.exceptionOrNull()
        assertTrue(e is CancellationException && e.message!!.contains("is closed"), "got $outcome")
        val delayed = java.util.concurrent.CompletableFuture.supplyAsync {
            runCatching { kotlinx.coroutines.runBlocking(dispatcher) { delay(1); 1 } }
        }.get(10, java.util.concurrent.TimeUnit.SECONDS)
        assertTrue(delayed.exceptionOrNull() is CancellationException, "got $delayed")
    }

    @Test
    fun cancellingTheDeferredOfATaskCancelsTheTaskWithTheSameInstance() {
        // the task was cancelled with a new exception of its own, so Kotlin and Java held two
        Async.run { loop ->
            val started = java.util.concurrent.CountDownLatch(1)
            val finallyRan = AtomicBoolean()
            val task = loop.createTask<Int> {
                try {
                    started.countDown()
                    Async.sleep(java.time.Duration.ofMinutes(1))
                    1
                } finally {
                    finallyRan.set(true)
                }
            }
            started.await()
            val ce = CancellationException("from Kotlin")
            task.asDeferred().cancel(ce)
            assertSame(ce, runCatching { task.join() }.exceptionOrNull())
            assertEquals(TaskState.CANCELLED, task.state())
            assertTrue(finallyRan.get())
        }
    }

    @Test
    fun aCoroutineTaskAwaitingItselfFailsAtOnce() {
        // Before (found from outside, 2026-12-05): it waited for ever, and so did its cancellation
        // (a cancelled await waits for the task to end), so a waitFor over it hung too
        Async.newLoop().use { loop ->
            val self = java.util.concurrent.atomic.AtomicReference<Task<Int>>()
            val outcome = loop.runUntilComplete(loop.createTaskAsync<Any?> {
                val tk = kotlinx.coroutines.CoroutineScope(loop.asCoroutineDispatcher() + kotlinx.coroutines.SupervisorJob()).task<Int> {
                    while (self.get() == null) yield()
                    self.get().await() + 1
                }
                self.set(tk)
                Async.waitFor(tk, java.time.Duration.ofSeconds(10)).handle { _: Int?, e: Throwable? -> e ?: "no failure" }
            })
            assertTrue(outcome is IllegalStateException && outcome.message!!.endsWith("cannot await itself"), "$outcome")
        }
    }
    /**
     * runBlocking on the loop's thread holds the thread the loop needs: an await() there that would
     * wait is refused, as Java's join() is there. Before (found from outside, 2026-12-07) it hung
     * with no message. In a blocking-style task, whose thread is its own, runBlocking may await.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 30, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    fun awaitInRunBlockingOnTheLoopsThreadIsRefused() {
        val outcome = Async.runAsync<Any?> { loop ->
            val onLoop = runCatching {
                kotlinx.coroutines.runBlocking { Async.sleepAsync(java.time.Duration.ofMillis(10)).await() }
            }.exceptionOrNull()
            val donePromise = loop.createPromise<Int>().also { it.complete(7) }
            val done = kotlinx.coroutines.runBlocking { donePromise.await() } // a done task needs no wait: given
            val inBlockingTask = loop.createTask<Int> {
                kotlinx.coroutines.runBlocking { loop.createTaskAsync<Int> { Async.sleepAsync(java.time.Duration.ofMillis(10)).thenApply { 5 } }.await() }
            }
            inBlockingTask.thenApply { v -> listOf(onLoop, done, v) }
        } as List<*>
        val refused = outcome[0]
        assertTrue(refused is IllegalStateException && refused.message!!.contains("in runBlocking on the event loop's thread would wait for ever"), "$refused")
        assertEquals(7, outcome[1])
        assertEquals(5, outcome[2])
    }
    /** A CoroutineName names the task, as kotlinx names the coroutine; before (found from outside, 2026-12-07) it was ignored. */
    @Test
    fun aCoroutineNameNamesTheTask() = onLoop { loop ->
        val named = task(kotlinx.coroutines.CoroutineName("fetch-users")) { 1 }
        val inherited = kotlinx.coroutines.CoroutineScope(loop.asCoroutineDispatcher() + kotlinx.coroutines.CoroutineName("svc")).task { 2 }
        val unnamed = task { 3 }
        assertEquals("fetch-users", named.name())
        assertEquals("svc", inherited.name())
        assertTrue(unnamed.name().startsWith("Task-"), unnamed.name())
        assertEquals(6, named.await() + inherited.await() + unnamed.await())
    }
}
