/*
 * A suspend function may resume its continuation before it returns COROUTINE_SUSPENDED: on its
 * own thread (a callback that fired at once) or on another thread that won the race. Kotlin
 * allows both, and the bridge must take the result exactly once, on either entry point.
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.TaskState
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Test

class ResumedBeforeReturnTest {
    private fun <T> resumedHere(result: Result<T>) = SuspendCall<T> { c ->
        c.resumeWith(result)
        COROUTINE_SUSPENDED
    }

    private fun <T> resumedByAnotherThread(result: Result<T>) = SuspendCall<T> { c ->
        val other = Thread { c.resumeWith(result) }
        other.start()
        other.join()
        COROUTINE_SUSPENDED
    }

    @Test
    fun callFromABlockingBody() {
        Async.run<Any?> { _ ->
            for (function in listOf(resumedHere(Result.success(7)), resumedByAnotherThread(Result.success(7)))) {
                val task = Suspend.call(function)
                assertEquals(7, task.join())
                assertEquals(TaskState.SUCCESS, task.state())
            }
            null
        }
    }

    @Test
    fun callFromTheLoopThread() {
        val tasks = Async.runAsync<List<dev.aio4j.Task<Int>>> { _ ->
            val made = listOf(Suspend.call(resumedHere(Result.success(1))), Suspend.call(resumedByAnotherThread(Result.success(2))))
            Async.gather(made).thenApply { made }
        }
        assertEquals(listOf(1, 2), tasks.map { it.resultNow() })
    }

    @Test
    fun aFailureIsTheSameInstance() {
        Async.run<Any?> { _ ->
            for (make in listOf<(Result<Int>) -> SuspendCall<Int>>({ resumedHere(it) }, { resumedByAnotherThread(it) })) {
                val e = IllegalStateException("kotlin")
                val task = Suspend.call(make(Result.failure(e)))
                assertSame(e, assertThrows(IllegalStateException::class.java) { task.join() })
                assertSame(e, assertThrows(IllegalStateException::class.java) { Suspend.join(make(Result.failure(e))) })
            }
            null
        }
    }

    @Test
    fun joinFromABlockingBody() {
        Async.run<Any?> { _ ->
            assertEquals(7, Suspend.join(resumedHere(Result.success(7))))
            assertEquals(8, Suspend.join(resumedByAnotherThread(Result.success(8))))
            null
        }
    }
}
