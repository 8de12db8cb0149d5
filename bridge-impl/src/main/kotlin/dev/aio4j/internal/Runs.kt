/*
 * The blocking entry points that run a body on the calling thread: asyncio.run, asyncio.timeout
 * and TaskGroup for blocking-style bodies.
 */
package dev.aio4j.internal

import dev.aio4j.AsyncTimeoutException
import dev.aio4j.Loop
import dev.aio4j.LoopOptions
import dev.aio4j.TaskFailedException
import dev.aio4j.TaskGroup
import dev.aio4j.ThrowingFunction
import dev.aio4j.TimeoutScope
import java.time.Duration
import java.util.concurrent.Callable
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletionStage
import java.util.concurrent.Executor

internal object Runs {

    /** asyncio.run: the main task on a new loop run by the calling thread; the loop is closed at the end. */
    fun <T> run(options: LoopOptions, main: ThrowingFunction<in Loop, out T>): T {
        Current.checkMayBlock("Async.run()")
        val loop = EventLoop(options)
        try {
            // main's body starts from the loop's first step, as asyncio's main coroutine does: it
            // never runs before the calling thread runs the loop
            val startOnLoop = Executor { body ->
                loop.timerAfter(0) {
                    try {
                        loop.blockingExecutor.execute(body)
                    } catch (e: Throwable) {
                        (body as BlockingTask<*>).failToStart(e) // no thread for main (JDK 17's pool at the process's limit): Async.run throws it
                    }
                }
            }
            return loop.runUntilComplete(loop.newBlockingTask("main", Callable { main.apply(loop) }, loop.taskContext, startOnLoop))
        } finally {
            loop.close()
        }
    }

    fun <T> runAsync(options: LoopOptions, main: ThrowingFunction<in Loop, out CompletionStage<out T>>): T {
        Current.checkMayBlock("Async.runAsync()")
        val loop = EventLoop(options)
        try {
            return loop.runUntilComplete(loop.newAsyncTask("main", Callable { main.apply(loop) }, loop.taskContext))
        } finally {
            loop.close()
        }
    }

    /**
     * asyncio.timeout around a blocking body: when the deadline passes, the scope interrupts the
     * thread; only that request becomes the timeout (CancelScope: a cancellation of the task made
     * inside stays one, an enclosing scope's request stays pending).
     */
    fun <T> timeout(timeout: Duration, method: String, body: ThrowingFunction<in TimeoutScope, out T>): T {
        Current.checkMayBlock(method)
        val loop = Current.loop()
        val cancelScope = CancelScope(Thread.currentThread(), Current.task())
        val scope = TimeoutScopeImpl(loop, cancelScope::fire)
        scope.start(timeout.saturatedNanos())
        var result: Result<T> = try {
            Result.success(body.apply(scope))
        } catch (e: Throwable) {
            Result.failure(e)
        }
        scope.close()
        if (cancelScope.close()) {
            val e = result.exceptionOrNull()
            // an exception caused by the interrupt (a JDBC driver's wrapper) is the interruption, as
            // for a cancelled blocking task; before, the wrapper came out and the timeout was lost
            val interrupted = e != null && endedByInterrupt(e)
            // not ours either when another scope fired too since the entry (an enclosing deadline):
            // the cancellation goes on to it (asyncio: uncancel() <= cancelling() at entry). Before,
            // this scope converted it and left the other's request for the next wait: a body that
            // handled this timeout and returned made the expired enclosing scope return normally
            // nor when a request was pending at the entry (the task cancelled, or an enclosing deadline passed, while the body
            // computed): the wait ended on it. Before 2026-12-07 this scope converted that cancellation into its timeout too,
            // and a body that retried on a timeout went on working for a cancelled task (found from outside)
            val ours = interrupted && !cancelScope.requestPendingAtEntry() && !cancelScope.cancelledInside() && !cancelScope.othersPending()
            cancelScope.release(redeliver = !interrupted || ours)
            if (ours) {
                val length = scope.lengthOfDeadline(timeout)
                result = Result.failure(AsyncTimeoutException("the body did not complete within $length", length).apply { initCause(e) })
            }
        }
        return result.getOrElse { throw unchecked(it, "the body of Async.timeout") }
    }

    /**
     * TaskGroup around a blocking body run by the calling thread. The group's failure interrupts
     * the body through a CancelScope; the group raises its outcome, and any other request (the
     * task's own cancellation, an enclosing deadline) stays pending for the caller's next wait.
     */
    fun <T> taskGroup(body: ThrowingFunction<in TaskGroup, out T>): T {
        Current.checkMayBlock("Async.taskGroup()")
        val loop = Current.loop()
        val group = GroupTask<T>(loop).also { it.start(loop.taskContext) }
        group.markRetrieved()
        val owner = Current.task()
        val cancelScope = CancelScope(Thread.currentThread(), owner)
        group.bodyOwner = owner
        group.bodyScope = cancelScope
        var result: Result<T> = try {
            Result.success(body.apply(group))
        } catch (e: Throwable) {
            Result.failure(e)
        }
        // a wrapped interrupt too (see timeout): before, it was a failure of the body's own, suppressed in the child's
        val bodyInterrupted = result.exceptionOrNull()?.let(::endedByInterrupt) == true
        if (cancelScope.close()) {
            if (bodyInterrupted) result = Result.failure(group.job!!.getCancellationException())
            cancelScope.release(redeliver = true)
        }
        group.tryFinish(result)
        try {
            return Blocking.join(group, -1, "Async.taskGroup()")
        } catch (e: Throwable) {
            // the group raises a child's failure in place of the cancellation that ended the body: if
            // that was the task's own, made inside the group, it stays pending for the next wait
            if (e !is CancellationException && bodyInterrupted && cancelScope.cancelledInside()) Thread.currentThread().interrupt()
            throw e
        }
    }

    /**
     * TaskGroup around a non-blocking body, which is called on the loop: at once in a step of the
     * loop (asyncio's `async with TaskGroup()` runs its body in the awaiting task), else (a
     * blocking-style body, a thread of the loop's executor) in a task of the loop, whose stage the
     * group follows as it follows the body's.
     */
    fun <T> taskGroupAsync(body: ThrowingFunction<in TaskGroup, out CompletionStage<out T>>): GroupTask<T> {
        val loop = Current.loop()
        loop.checkOpen()
        val group = GroupTask<T>(loop).also { it.start(loop.taskContext) }
        val call = Callable<CompletionStage<out T>> {
            val returned: CompletionStage<out T>? = body.apply(group) // null from Java despite the contract
            returned ?: throw NullPointerException("the TaskGroup body returned null instead of a CompletionStage")
        }
        if (!loop.inLoopStep()) {
            group.follow(loop.newAsyncTask(null, call, loop.taskContext))
            return group
        }
        val stage = try {
            call.call()
        } catch (e: Throwable) {
            group.tryFinish(Result.failure(e))
            return group
        }
        group.follow(stage)
        return group
    }

    fun unchecked(e: Throwable, what: String): RuntimeException = when (e) {
        is RuntimeException -> e
        is Error -> throw e
        else -> TaskFailedException("$what failed: $e", e)
    }
}
