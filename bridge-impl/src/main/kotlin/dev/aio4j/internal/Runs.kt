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
import java.time.Duration
import java.util.concurrent.Callable
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
            val startOnLoop = Executor { body -> loop.timerAfter(0) { loop.blockingExecutor.execute(body) } }
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

    /** asyncio.timeout around a blocking body: the deadline interrupts the thread; only that interrupt becomes the timeout. */
    fun <T> timeout(timeout: Duration, body: Callable<out T>): T {
        Current.checkMayBlock("Async.timeout()")
        val loop = Current.loop()
        val guard = InterruptGuard(Thread.currentThread())
        val timer = loop.timerAfter(timeout.saturatedNanos()) { guard.fire() }
        try {
            val value = body.call()
            guard.close(::currentTaskCancelled)
            return value
        } catch (e: Throwable) {
            val fired = guard.close(::currentTaskCancelled)
            if (fired && isInterruption(e) && !currentTaskCancelled()) {
                throw AsyncTimeoutException("the body did not complete within $timeout", timeout).apply { initCause(e) }
            }
            throw unchecked(e, "the body of Async.timeout")
        } finally {
            timer.dispose()
        }
    }

    /** TaskGroup around a blocking body run by the calling thread. */
    fun <T> taskGroup(body: ThrowingFunction<in TaskGroup, out T>): T {
        Current.checkMayBlock("Async.taskGroup()")
        val loop = Current.loop()
        val group = GroupTask<T>(loop, loop.taskContext)
        group.markRetrieved()
        val guard = InterruptGuard(Thread.currentThread())
        group.bodyGuard = guard
        var result: Result<T> = try {
            Result.success(body.apply(group))
        } catch (e: Throwable) {
            Result.failure(e)
        }
        val interruptedByGroup = guard.close(::currentTaskCancelled)
        val e = result.exceptionOrNull()
        if (interruptedByGroup && e != null && isInterruption(e)) result = Result.failure(group.job.getCancellationException())
        group.tryFinish(result)
        try {
            Blocking.joinInterruptibly(group.job)
        } catch (ie: InterruptedException) {
            group.cancel()
            Blocking.joinUninterruptibly(group.job)
            throw Current.cancellationForInterrupt("Async.taskGroup()")
        }
        return group.outcomeForAwait()
    }

    fun <T> taskGroupAsync(body: ThrowingFunction<in TaskGroup, out CompletionStage<out T>>): GroupTask<T> {
        val loop = Current.loop()
        loop.checkOpen()
        val group = GroupTask<T>(loop, loop.taskContext)
        val stage = try {
            val returned: CompletionStage<out T>? = body.apply(group) // null from Java despite the contract
            returned ?: throw NullPointerException("the TaskGroup body returned null instead of a CompletionStage")
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
