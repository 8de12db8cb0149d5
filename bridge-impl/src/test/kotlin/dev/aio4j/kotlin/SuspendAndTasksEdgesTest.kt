/*
 * Suspend.call/join with a child coroutine that fails, Suspend.resumeWith over tasks and derived
 * stages (same instances both ways), CoroutineScope.task under Java cancellation, and
 * Async.currentTask() in a Flow's forEach action.
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.Outcome
import dev.aio4j.Task
import dev.aio4j.TaskState
import dev.aio4j.kotlin.Suspend
import dev.aio4j.kotlin.SuspendCall
import dev.aio4j.kotlin.asAsyncIterable
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.Continuation
import kotlin.coroutines.coroutineContext
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(60)
class SuspendAndTasksEdgesTest {

    private fun <T> call(fn: suspend () -> T): SuspendCall<T> = SuspendCall { c -> fn.startCoroutineUninterceptedOrReturn(c) }

    /** Returns (at once or after a yield) having launched a child into its own job that fails after a yield. */
    private suspend fun leavesAFailingChild(e: Throwable, suspendFirst: Boolean): Int {
        if (suspendFirst) yield()
        CoroutineScope(coroutineContext).launch {
            yield()
            throw e
        }
        return 1
    }

    /**
     * Async.currentTask() in a suspend function called through Suspend.call from a non-blocking
     * body: the calling task until the function first suspends (it runs in the body's call), the
     * call's own task after (its steps are that task's), as Async.currentTask's Javadoc says. (A
     * reviewer asked for one task throughout, as asyncio's eager tasks have: the call's task is made
     * only when needed, so that a function that returns at once costs none.)
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aSuspendCallsFunctionRunsAsTheCallerThenAsItsCallTask(t: LoopOptions.Threading) {
        val seen = java.util.Collections.synchronizedList(ArrayList<Task<*>?>())
        val call = AtomicReference<Task<Any?>>()
        Async.run(options(t)) { loop ->
            val body = loop.createTaskAsync<Any?> {
                seen.add(Async.currentTask())
                call.set(Suspend.call(call {
                    seen.add(Async.currentTask())
                    delay(2)
                    seen.add(Async.currentTask())
                    null
                }))
                call.get()
            }
            body.join()
            assertEquals(listOf<Task<*>?>(body, body, call.get()), seen.toList())
        }
    }

    /**
     * A failure thrown inside withContext(Dispatchers.Default) reaches Java as the instance thrown,
     * through Suspend.call and Suspend.join, as through the Flow bridge: kotlinx's debug mode (on
     * with -ea, as in these tests) hands the function a copy made by its stack-trace recovery,
     * which the bridge undoes. Before 2026-12-06 Java got the copy (an outside tester: 92 of 100
     * calls on one thread, 100 of 100 under DEFAULT_DISPATCHER; joins 89-93 of 100).
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aFailureFromAnotherDispatcherReachesJavaAsTheInstanceThrown(t: LoopOptions.Threading) {
        val wrong = ArrayList<String>()
        Async.run(options(t)) { loop ->
            for (round in 0 until 20) {
                val e = IllegalStateException("thrown on Default, call $round")
                val task = loop.createTaskAsync<Int> {
                    Suspend.call(call { kotlinx.coroutines.withContext(Dispatchers.Default) { throw e } })
                }
                val thrown = runCatching { task.join() }.exceptionOrNull()
                if (thrown !== e) wrong.add("call $round: $thrown (cause ${thrown?.cause})")
                val e2 = IllegalStateException("thrown on Default, join $round")
                val joined = runCatching {
                    loop.createTask<Int> { Suspend.join(call { kotlinx.coroutines.withContext(Dispatchers.Default) { throw e2 } }) }.join()
                }.exceptionOrNull()
                if (joined !== e2) wrong.add("join $round: $joined (cause ${joined?.cause})")
            }
        }
        assertEquals(listOf<String>(), wrong)
    }

    /** kotlinx's rule (async { launch { throw e }; 1 } fails with e): the call's task fails with the child's exception, the same instance. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aCallWhoseChildFailsFailsWithTheChildsException(t: LoopOptions.Threading) {
        val wrong = ArrayList<String>()
        Async.run(options(t)) { loop ->
            for (suspendFirst in listOf(false, true)) {
                val e = IllegalStateException("child (suspendFirst=$suspendFirst)")
                val task = loop.createTaskAsync<Int> { Suspend.call(call { leavesAFailingChild(e, suspendFirst) }) }
                val thrown = runCatching { task.join() }.exceptionOrNull()
                if (thrown !== e) wrong.add("call, suspendFirst=$suspendFirst: ${task.state()} $thrown")
                val e2 = IllegalStateException("child of join (suspendFirst=$suspendFirst)")
                val joined = runCatching { loop.createTask<Int> { Suspend.join(call { leavesAFailingChild(e2, suspendFirst) }) }.join() }.exceptionOrNull()
                if (joined !== e2) wrong.add("join, suspendFirst=$suspendFirst: $joined")
            }
        }
        assertEquals(listOf<String>(), wrong)
    }

    /**
     * A coroutine that escaped a Suspend.join (launched into a scope of its own with the call's
     * dispatcher: it "still runs on the loop after" the call) and that the loop's close leaves in a
     * delay, or that is resumed after the close: like one on loop.asCoroutineDispatcher(), it must
     * be cancelled and run its finally (on Dispatchers.IO) instead of being lost in the closed loop's queue.
     * Before the fix both cases failed on both threadings (deterministic: the JoinLoop forwarded to
     * the closed loop's queue, bypassing LoopDispatcherBase's closed-loop rule).
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aCoroutineThatEscapedASuspendJoinIsNotLostWhenTheLoopCloses(t: LoopOptions.Threading) {
        val lost = ArrayList<String>()
        for (inDelay in listOf(true, false)) {
            val gate = kotlinx.coroutines.CompletableDeferred<Unit>()
            val began = java.util.concurrent.CountDownLatch(1)
            val finished = java.util.concurrent.CountDownLatch(1)
            Async.run(options(t)) { loop ->
                loop.createTask<Int> {
                    Suspend.join(call {
                        CoroutineScope(coroutineContext[kotlin.coroutines.ContinuationInterceptor]!!).launch {
                            try {
                                began.countDown()
                                if (inDelay) delay(60_000) else gate.await()
                            } finally {
                                finished.countDown()
                            }
                        }
                        1
                    })
                }.join()
                assertTrue(began.await(5, java.util.concurrent.TimeUnit.SECONDS), "the escaped coroutine did not begin")
            }
            gate.complete(Unit)
            if (!finished.await(5, java.util.concurrent.TimeUnit.SECONDS)) lost.add(if (inDelay) "left in a delay by the close" else "resumed after the close")
        }
        assertEquals(listOf<String>(), lost, "these escaped coroutines never ran their finally")
    }

    private interface Source {
        suspend fun fetch(): Int
    }

    private class StageSource(val stage: CompletionStage<Int>) : Source {
        override suspend fun fetch(): Int = suspendCoroutineUninterceptedOrReturn { c: Continuation<Int> -> Suspend.resumeWith(stage, c) }
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun resumeWithOverATaskCancelsItWithTheCallersOwnInstance(t: LoopOptions.Threading) = onLoopOf(t) { loop ->
        val began = AtomicBoolean()
        val finished = AtomicBoolean()
        val task: Task<Int> = loop.createTask<Int> {
            try {
                began.set(true)
                Thread.sleep(Long.MAX_VALUE)
                0
            } finally {
                spin(20)
                finished.set(true)
            }
        }
        while (!began.get()) delay(1)
        val seen = AtomicReference<Throwable>()
        val caller = launch(start = CoroutineStart.UNDISPATCHED) {
            try {
                StageSource(task).fetch()
            } catch (x: Throwable) {
                seen.set(x)
                throw x
            }
        }
        delay(5)
        val ce = CancellationException("the caller's")
        caller.cancel(ce)
        caller.join()
        assertTrue(finished.get(), "the caller resumed before the task's finally had run")
        assertEquals(TaskState.CANCELLED, task.state())
        assertSame(ce, (task.outcomeNow() as Outcome.Cancelled).exception(), "the task's cancellation is the caller's instance")
        assertSame(ce, seen.get(), "the caller threw ${seen.get()}")
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun resumeWithGivesTheSameInstancesOfADoneCancelledTaskAndOfADerivedStagesLateFailure(t: LoopOptions.Threading) = onLoopOf(t) { loop ->
        val cancelled: Task<Int> = loop.createTask<Int> { Thread.sleep(Long.MAX_VALUE); 0 }
        cancelled.cancel("gone")
        runCatching { cancelled.await() }
        val taskCe = (cancelled.outcomeNow() as Outcome.Cancelled).exception()
        assertSame(taskCe, runCatching { StageSource(cancelled).fetch() }.exceptionOrNull())
        val e = IllegalStateException("late")
        val source = CompletableFuture<Int>()
        val derived = source.thenApply { it + 1 }.thenApply { it + 1 }
        val waiter = async(start = CoroutineStart.UNDISPATCHED) { runCatching { StageSource(derived).fetch() }.exceptionOrNull() }
        source.completeExceptionally(e)
        assertSame(e, waiter.await())
        val early = IllegalArgumentException("early")
        val doneDerived = CompletableFuture.failedFuture<Int>(early).thenApply { it + 1 }
        assertSame(early, runCatching { StageSource(doneDerived).fetch() }.exceptionOrNull())
    }

    /** A child task cancelled from Java ends CANCELLED and, as a cancelled kotlinx child, does not fail its scope. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aTaskCancelledFromJavaDoesNotFailItsScope(t: LoopOptions.Threading) = onLoopOf(t) { _ ->
        for (viaView in listOf(false, true)) {
            val r = coroutineScope {
                val child = task { awaitCancellation() }
                val sibling = async { delay(30); 5 }
                yield()
                if (viaView) child.toCompletableFuture().cancel(true) else child.cancel()
                runCatching { child.await() }
                assertEquals(TaskState.CANCELLED, child.state())
                sibling.await()
            }
            assertEquals(5, r, "viaView=$viaView")
        }
    }

    /** Task.await() on Dispatchers.Default, cancelled: the task gets the coroutine's instance, and the coroutine ends after the task's finally. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun awaitOnDefaultCancelledWaitsForTheTaskWithTheSameInstance(t: LoopOptions.Threading) = onLoopOf(t) { loop ->
        val began = AtomicBoolean()
        val finished = AtomicBoolean()
        val task: Task<Int> = loop.createTask<Int> {
            try {
                began.set(true)
                Thread.sleep(Long.MAX_VALUE)
                0
            } finally {
                spin(20)
                finished.set(true)
            }
        }
        while (!began.get()) delay(1)
        val finishedAtEnd = AtomicReference<Boolean>()
        val waiter = CoroutineScope(Dispatchers.Default).launch { task.await() }
        waiter.invokeOnCompletion { finishedAtEnd.set(finished.get()) }
        delay(10)
        val ce = CancellationException("from Default")
        waiter.cancel(ce)
        waiter.join()
        assertEquals(true, finishedAtEnd.get())
        assertSame(ce, (task.outcomeNow() as Outcome.Cancelled).exception())
    }

    /** The action of a Flow's forEach runs in the forEach's task (a Kotlin coroutine task). */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun currentTaskInAFlowsForEachActionIsTheForEachTask(t: LoopOptions.Threading) = onLoopOf(t) { _ ->
        val seen = ArrayList<Task<*>?>()
        val f = flow {
            emit(1)
            delay(2)
            emit(2)
        }.asAsyncIterable()
        val each = f.forEach { seen.add(Async.currentTask()) }
        each.await()
        assertEquals(listOf<Task<*>?>(each, each), seen)
    }
}
