/*
 * Kotlin-made tasks (CoroutineScope.task on the loop or on Dispatchers.Default, Deferred.asTask,
 * Suspend.call) × every Java-side way to cancel them, on both threadings: the task is done only
 * once the coroutine's finally (which suspends, non-cancellably) has run, and is CANCELLED; a
 * timeout on either side returns only after it, too. The existing matrix
 * (KotlinCancellationMatrixTest) has no CoroutineScope.task nor asTask body, no loop close, and
 * only finally blocks that do not suspend.
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.AsyncTimeoutException
import dev.aio4j.Loop
import dev.aio4j.LoopOptions
import dev.aio4j.Task
import dev.aio4j.TaskState
import dev.aio4j.kotlin.Suspend
import dev.aio4j.kotlin.SuspendCall
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asTask
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.Arguments
import org.junit.jupiter.params.provider.MethodSource

@Timeout(60)
class KotlinTaskCancelMatrixTest {

    enum class Body { SCOPE_TASK_ON_LOOP, SCOPE_TASK_ON_DEFAULT, DEFERRED_AS_TASK, SUSPEND_CALL }

    enum class Route { TASK_CANCEL, CF_VIEW_CANCEL, WAIT_FOR_TIMEOUT, JAVA_TIMEOUT_AROUND_JOIN, KOTLIN_TIMEOUT_AROUND_AWAIT, LOOP_CLOSE }

    companion object {
        @JvmStatic
        fun cases(): List<Arguments> = LoopOptions.Threading.entries.flatMap { t ->
            Body.entries.flatMap { b -> Route.entries.map { r -> Arguments.of(t, b, r) } }
        }
    }

    private class Flags {
        val started = AtomicBoolean()
        val finished = AtomicBoolean()
    }

    private suspend fun bodyOf(flags: Flags): Int {
        try {
            flags.started.set(true)
            awaitCancellation()
        } finally {
            withContext(NonCancellable) { delay(20) }
            flags.finished.set(true)
        }
    }

    /** Called on the loop (a step of a coroutine task of it). */
    private fun make(loop: Loop, body: Body, flags: Flags): Task<Int> = when (body) {
        Body.SCOPE_TASK_ON_LOOP -> CoroutineScope(loop.asCoroutineDispatcher() + Job()).task { bodyOf(flags) }
        Body.SCOPE_TASK_ON_DEFAULT -> CoroutineScope(Dispatchers.Default + Job()).task { bodyOf(flags) }
        Body.DEFERRED_AS_TASK -> CoroutineScope(Dispatchers.Default + Job()).async { bodyOf(flags) }.asTask(loop)
        Body.SUSPEND_CALL -> {
            val fn: suspend () -> Int = { bodyOf(flags) }
            Suspend.call(SuspendCall { c -> fn.startCoroutineUninterceptedOrReturn(c) })
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    fun theTaskIsDoneOnlyAfterTheCoroutinesFinally(t: LoopOptions.Threading, body: Body, route: Route) {
        val flags = Flags()
        val finishedWhenDone = AtomicReference<Boolean>()
        val holder = AtomicReference<Task<Int>>()
        val loop = Async.newLoop(options(t))
        try {
            loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task {
                val task = make(loop, body, flags)
                holder.set(task)
                task.addDoneCallback { finishedWhenDone.set(flags.finished.get()) }
                val deadline = System.nanoTime() + 5_000_000_000L
                while (!flags.started.get() && System.nanoTime() < deadline) delay(1)
                assertTrue(flags.started.get(), "the body did not start")
                when (route) {
                    Route.TASK_CANCEL -> assertTrue(task.cancel())
                    Route.CF_VIEW_CANCEL -> assertTrue(task.toCompletableFuture().cancel(true))
                    Route.WAIT_FOR_TIMEOUT -> {
                        val thrown = runCatching { Async.waitFor(task, Duration.ofMillis(10)).await() }.exceptionOrNull()
                        assertTrue(thrown is AsyncTimeoutException, "waitFor ended with $thrown")
                        assertTrue(flags.finished.get(), "waitFor's timeout came before the task's finally had run")
                    }
                    Route.JAVA_TIMEOUT_AROUND_JOIN -> {
                        val thrown = runCatching {
                            loop.createTask<Int> { Async.timeout(Duration.ofMillis(10)) { task.join() } }.await()
                        }.exceptionOrNull()
                        assertTrue(thrown is AsyncTimeoutException, "Async.timeout ended with $thrown")
                        assertTrue(flags.finished.get(), "Async.timeout returned before the task's finally had run")
                    }
                    Route.KOTLIN_TIMEOUT_AROUND_AWAIT -> {
                        assertEquals(null, withTimeoutOrNull(10) { task.await() })
                        assertTrue(flags.finished.get(), "withTimeout returned before the task's finally had run")
                    }
                    Route.LOOP_CLOSE -> {}
                }
                if (route != Route.LOOP_CLOSE) {
                    while (!task.isDone && System.nanoTime() < deadline) delay(1)
                }
            })
        } finally {
            loop.close()
        }
        val task = holder.get()
        if (route == Route.LOOP_CLOSE) assertTrue(flags.finished.get(), "close() returned before the task's finally had run")
        assertEquals(TaskState.CANCELLED, task.state())
        assertEquals(true, finishedWhenDone.get(), "the task was done before its finally had run")
    }
}
