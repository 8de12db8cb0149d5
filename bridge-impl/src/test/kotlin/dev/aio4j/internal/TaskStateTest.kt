/*
 * TaskImpl's own state and completion handlers (white-box: which tasks have a kotlinx Job, how
 * handlers are kept and run). The public behaviour is the rest of the suite's.
 */
package dev.aio4j.internal

import dev.aio4j.Async
import dev.aio4j.AsyncTimeoutException
import dev.aio4j.ExceptionContext
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import dev.aio4j.Task
import dev.aio4j.kotlin.Suspend
import java.lang.ref.WeakReference
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED

class TaskStateTest {

    @Test
    fun aTopLevelTaskHasNoKotlinJobATaskOfAGroupHasAMirrorAndACoroutineTaskItsOwn() {
        Async.run<Any?> { loop ->
            val promise = loop.createPromise<String>()
            val body = loop.createTaskAsync<String> { promise }
            val derived = body.thenApply<Int> { it.length }
            assertNull((promise as TaskImpl<*>).job, "a promise")
            assertNull((body as TaskImpl<*>).job, "a non-blocking task")
            assertNull((derived as TaskImpl<*>).job, "a derived stage")
            Async.taskGroup<Any?> { tg ->
                assertNotNull((tg as TaskImpl<*>).job, "a group waits for its tasks in its job")
                val child = tg.createTaskAsync<String> { CompletableFuture.completedFuture("c") } as TaskImpl<*>
                assertNotNull(child.job, "a task of a group has a mirror job, which the group waits for")
                null
            }
            promise.complete("abc")
            assertEquals(3, derived.join())
            null
        }
    }

    @Test
    fun withdrawnHandlersOfInterleavedWaitersDoNotPileUpEither() {
        // Two waiters that keep registering and withdrawing in turn (two join(timeout) loops on
        // one long-lived task): the withdrawn handler is never at the top of the stack when the
        // next registration comes, so dropping withdrawn nodes at the top alone keeps them all.
        Async.run<Any?> { loop ->
            val promiseApi = loop.createPromise<String>()
            val promise = promiseApi as TaskImpl<*>
            val calls = CopyOnWriteArrayList<String>()
            var older = promise.onDone { calls.add("a") }
            var newer = promise.onDone { calls.add("b") }
            repeat(2_000) { round ->
                older.dispose()
                older = newer
                newer = promise.onDone { calls.add("w$round") }
            }
            val kept = handlerNodes(promise)
            assertTrue(kept <= 4, "2,000 withdrawn registrations of two interleaved waiters left $kept handler nodes")
            promiseApi.complete("done")
            assertEquals(listOf("w1998", "w1999"), calls, "the two live handlers run, in the order they were registered")
            null
        }
    }

    @Test
    fun withdrawnHandlersDoNotPileUpOnAPendingTask() {
        Async.run<Any?> { loop ->
            val promise = loop.createPromise<String>()
            loop.createTask<Any?> {
                repeat(2_000) {
                    assertThrows(AsyncTimeoutException::class.java) { promise.join(Duration.ofNanos(1)) }
                }
                null
            }.join()
            val kept = handlerNodes(promise as TaskImpl<*>)
            assertTrue(kept <= 1, "2,000 timed-out joins left $kept handler nodes")
            promise.complete("done")
            assertEquals("done", promise.join())
            null
        }
    }

    @Test
    fun handlersRunInTheOrderAddedAndOneThatThrowsIsReportedWithoutStoppingTheOthers() {
        Async.run<Any?> { loop ->
            val reported = CopyOnWriteArrayList<ExceptionContext>()
            loop.setExceptionHandler { _, context -> reported.add(context) }
            val promise = loop.createPromise<String>()
            val task = promise as TaskImpl<*>
            val order = CopyOnWriteArrayList<String>()
            task.whenDone { order.add("follower, first") } // the first registration: kept without a node
            task.onDone { order.add("first") }
            task.onDone { throw IllegalStateException("boom") }
            task.whenDone { order.add("follower") } // not the first: a node, run in its turn
            val withdrawn = task.onDone { order.add("withdrawn") }
            task.onDone { order.add("last") }
            withdrawn.dispose()
            promise.complete("v")
            assertEquals(listOf("follower, first", "first", "follower", "last"), order)
            Async.sleep(Duration.ZERO) // the report goes to the handler on the loop's thread, in its next step
            assertEquals(1, reported.size, "the throwing handler is reported")
            assertTrue(reported[0].message().startsWith("Exception in the completion handler of"), reported[0].message())
            task.onDone { order.add("after") } // a done task calls a new handler at once
            assertEquals("after", order.last())
            null
        }
    }

    @Test
    fun aFollowerAloneIsKeptWithoutANodeAndGetsOneWhenASecondHandlerComes() {
        Async.run<Any?> { loop ->
            val order = CopyOnWriteArrayList<String>()
            val promise = loop.createPromise<String>()
            val task = promise as TaskImpl<*>
            task.whenDone { order.add("follower") }
            assertEquals(0, handlerNodes(task), "the first follower alone costs no node")
            task.onDone { order.add("handler") }
            assertEquals(2, handlerNodes(task), "a second handler: both in nodes, the follower below")
            promise.complete("v")
            assertEquals(listOf("follower", "handler"), order)

            val other = loop.createPromise<String>()
            val otherTask = other as TaskImpl<*>
            otherTask.onDone { order.add("withdrawn") }.dispose()
            otherTask.whenDone { order.add("follower after a withdrawn handler") }
            other.complete("w")
            assertEquals(listOf("follower", "handler", "follower after a withdrawn handler"), order)
            null
        }
    }

    @Test
    fun manyHandlersRunInTheOrderAddedPastTheRecursionDepth() {
        // Completion runs the stack oldest first by recursion, and past 64 levels from a list:
        // 200 handlers with some withdrawn cross that boundary.
        Async.run<Any?> { loop ->
            val promise = loop.createPromise<String>()
            val task = promise as TaskImpl<*>
            val order = CopyOnWriteArrayList<Int>()
            val handles = (0 until 200).map { i -> task.onDone { order.add(i) } }
            for (i in 0 until 200 step 7) handles[i].dispose()
            promise.complete("v")
            assertEquals((0 until 200).filter { it % 7 != 0 }, order)
            null
        }
    }

    @Test
    fun aSuspendCallResumedOnAnotherThreadBeforeItReturnedIsNotKeptAmongTheLoopsTasks() {
        // The function suspends, and another thread resumes it before it has returned
        // COROUTINE_SUSPENDED: the call's task is done before Suspend.call makes it one of the
        // loop's tasks. A done task must not stay among them (the loop would keep it, and
        // through it its neighbours, until it closes).
        Async.run<Any?> { _ ->
            val made = resumedBeforeItReturned()
            var rounds = 0
            while (made.get() != null && rounds++ < 50) {
                System.gc()
                Thread.sleep(10)
            }
            assertNull(made.get(), "the loop still holds a Suspend.call task that completed before the call returned")
            null
        }
    }

    private fun resumedBeforeItReturned(): WeakReference<Task<Int>> {
        val task = Suspend.call<Int> { c ->
            val other = Thread { c.resumeWith(Result.success(7)) }
            other.start()
            other.join()
            COROUTINE_SUSPENDED
        }
        assertEquals(7, task.join())
        return WeakReference(task)
    }

    /** How many [TaskImpl.onDone] registrations [task] keeps, withdrawn ones included: its handler stack, read as it is. */
    private fun handlerNodes(task: TaskImpl<*>): Int {
        val field = TaskImpl::class.java.getDeclaredField("handlers").apply { isAccessible = true }
        var n = 0
        var node = field.get(task) as? HandlerNode
        while (node != null) {
            n++
            node = node.next
        }
        return n
    }
}
