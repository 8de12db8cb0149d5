/*
 * A coroutine waiting for a task or a stage, by aio4j's rules rather than kotlinx's:
 *   - the outcome arrives as the same instance: the coroutine is resumed with Unit and reads the
 *     outcome from the completed task, so kotlinx's stack-trace recovery (which may hand a resumed
 *     coroutine a copy of an exception when assertions are on) never sees it;
 *   - cancelling the waiting coroutine cancels the task (with the coroutine's CancellationException
 *     instance) and waits (non-cancellably) until it has
 *     finished, as a blocking join() does and as asyncio's chain of awaits does; the coroutine then
 *     throws what the task ended with (usually that same CancellationException: kotlinx itself may
 *     end a job with the more detailed copy of a TimeoutCancellationException that its stack-trace
 *     recovery made), or, when the task completed normally (the cancellation came too late for
 *     it), returns its value, as Java's join does: the coroutine stays cancelled and its next
 *     suspension throws. Before 2026-12-06 it threw its own cancellation there, and a Kotlin
 *     caller lost the lock (17 of 150 rounds) or the queue item (23 of 300) it had been given
 *     (found from outside; AwaitAfterTheTaskSucceededTest);
 *   - the task hears of the coroutine's cancellation at once, in invokeOnCancellation, as
 *     asyncio's chain of awaits passes it down, not when the coroutine resumes a step later: a
 *     primitive's waiter (WaiterTask: acquireAsync, getAsync) granted but not yet completed, or
 *     one that the task follows, ends CANCELLED and gives its grant back (WaitOp.undo, through
 *     WaiterTask's handler), since a value returned to a cancelled coroutine is dropped by
 *     kotlinx's withTimeout (the lock or the item lost: TimeoutsAroundAio4jWaitsTest);
 *   - a waiter that completed while the coroutine's resumption was pending gives its grant back
 *     after all (giveBackAfterCompletion; the task stays SUCCESS), when the awaited task is the
 *     waiter or follows it with its very value (grantBehind), and the coroutine throws its
 *     cancellation. An op that cannot undo (a put, a join, an event) keeps the rule above
 *     (CancelledAwaiterGivesTheGrantBackTest); so does a task whose value is not the grant (a
 *     derived stage's function's result);
 *   - a task that ends CANCELLED makes the waiter throw its CancellationException (the same one).
 * A stage that is not a task is cancelled with cancel(true) (itself when it is a Future that
 * allows it, else its toCompletableFuture()) and the waiter
 * resumes at once (a stage has no "finished" beyond its completion).
 */
@file:OptIn(InternalCoroutinesApi::class)

package dev.aio4j.internal

import dev.aio4j.internal.sync.WaiterTask
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.Future
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlin.coroutines.resume
import kotlin.coroutines.suspendCoroutine
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.suspendCancellableCoroutine

internal object KotlinAwait {

    /**
     * Refuses an await that would wait for ever: in `runBlocking` on a loop's thread (a callback's,
     * a non-blocking body's), which holds the thread that the loop needs to complete the task, as
     * Java's join() is refused there. runBlocking is known by its dispatcher, kotlinx's internal
     * BlockingEventLoop: a coroutine on the loop's own dispatcher, or Unconfined, or the bridge's
     * continuation, suspends without holding the thread. Before 2026-12-07 this hung, with no
     * message (found from outside).
     */
    private suspend fun checkNotBlockingTheLoop(task: TaskImpl<*>) {
        val interceptor = kotlin.coroutines.coroutineContext[kotlin.coroutines.ContinuationInterceptor] ?: return
        if (interceptor is LoopDispatcherBase) return // the usual case, first: a coroutine on a loop
        if (interceptor.javaClass.name != "kotlinx.coroutines.BlockingEventLoop" || !Current.isLoopThread()) return
        throw IllegalStateException(
            "await() on ${task.name()} in runBlocking on the event loop's thread would wait for ever: runBlocking holds the " +
                "thread that the loop needs to complete the task; await from a coroutine on the loop " +
                "(loop.asCoroutineDispatcher(), CoroutineScope.task) or from a blocking-style task (loop.createTask)",
        )
    }

    suspend fun <T> task(task: TaskImpl<T>): T {
        task.markRetrieved()
        if (!task.isDone) {
            // A coroutine task awaiting itself would wait for ever, and its cancellation too (the
            // catch below waits for the task to finish): Java's join refuses it, and so does asyncio.
            val own = task.job
            if (own != null && kotlin.coroutines.coroutineContext[kotlinx.coroutines.Job] === own) {
                throw IllegalStateException("${task.name()} cannot await itself")
            }
            checkNotBlockingTheLoop(task)
            var cancelledWith: Throwable? = null // the original: what a resumed coroutine catches may be a copy
            try {
                suspendCancellableCoroutine<Unit> { cont ->
                    val handle = task.onDone { cont.resume(Unit) }
                    cont.invokeOnCancellation { cause ->
                        handle.dispose()
                        cancelledWith = cause
                        // The task hears of the cancellation now, not when the coroutine resumes (a
                        // step later), as asyncio's chain of awaits passes it down at once: a
                        // primitive's waiter served meanwhile, or one that a task follows, gives its
                        // grant back instead of completing for a coroutine that will not take it.
                        if (cause is CancellationException) task.cancelWithCause(cause)
                    }
                }
            } catch (e: CancellationException) {
                val cause = cancelledWith as? CancellationException ?: e
                task.cancelWithCause(cause) // the task ends with the coroutine's own cancellation: one instance on both sides
                suspendCoroutine<Unit> { cont -> task.onDone { cont.resume(Unit) } } // not cancellable: until the task has finished
                // A primitive's waiter that completed normally before the cancellation reached the
                // coroutine (its resumption was pending): the value would be dropped with the
                // coroutine's block (withTimeout's), so the grant goes back and the cancellation
                // is thrown, as kotlinx's Mutex releases a lock whose waiter was cancelled before
                // it resumed. Before 2026-12-06 the value was returned (TimeoutsAroundAio4jWaitsTest).
                if (grantBehind(task)?.giveBackAfterCompletion() == true) throw cause
            }
        }
        val failure = task.exceptionOrNull() ?: return task.valueNow() // a value even when cancelled meanwhile, as Java's join gives it
        throw failure
    }

    /**
     * For a reader of [task] that will not take its value (Task.asDeferred's deferred cancelled
     * while still pending): once the task is done, the grant behind a successful task goes back.
     */
    fun giveBackUnread(task: TaskImpl<*>) {
        task.onDone { grantBehind(task)?.giveBackAfterCompletion() }
    }

    /**
     * The primitive's waiter whose grant [task] completed with: the task itself, or the waiter at
     * the end of a chain of followers (a non-blocking body that returned it, wait_for) each of
     * which completed with the very value it followed; null for any other task, a chain that
     * changed the value on the way (a derived stage's function), or one through a shield (its
     * inner task's result is its holder's, who may still take it).
     */
    private fun grantBehind(task: TaskImpl<*>): WaiterTask<*>? {
        var t = task
        while (true) {
            if (t is WaiterTask<*>) return t
            val next = (t as? FollowingTask<*>)?.followedTask() ?: return null
            if (!next.isDone || next.exceptionOrNull() != null || next.valueNow() !== t.valueNow()) return null
            t = next
        }
    }

    suspend fun <T> stage(stage: CompletionStage<out T>): T {
        if (stage is TaskImpl<*>) {
            @Suppress("UNCHECKED_CAST")
            return task(stage as TaskImpl<T>)
        }
        val cf = futureOf(stage)
        if (cf != null && cf.isDone) return outcomeOf(cf).getOrThrow()
        val outcome: Result<T> = try {
            suspendCancellableCoroutine<Result<T>> { cont ->
                stage.whenComplete { v, e -> cont.resume(if (e == null) Result.success(v) else Result.failure(unwrap(e))) }
                // The stage itself when it is a Future: the JDK's HttpClient futures give a copy from
                // toCompletableFuture(), and cancelling the copy would leave the request running.
                cont.invokeOnCancellation { cancel(stage, cf) }
            }
        } catch (cancelled: CancellationException) {
            // The stage failed before the cancellation could reach it (its failure was on its way to
            // a coroutine cancelled meanwhile): the failure wins, as a task's does (task() above) and
            // as kotlinx's first non-cancellation exception does. Before 2026-12-06 it was dropped:
            // a generator's failure that asFlow's collector was cancelled around
            // (GeneratorFailureAsTheCollectorIsCancelledTest; found from outside).
            val failure = cf?.takeIf { it.isCompletedExceptionally }?.let { outcomeOf(it).exceptionOrNull() }
            if (failure != null && failure !is CancellationException) throw failure
            throw cancelled
        }
        return outcome.getOrThrow()
    }

    /**
     * Cancels [stage]: itself when it is a Future that allows it (a minimalCompletionStage is one
     * that refuses, with UnsupportedOperationException), else its CompletableFuture [cf], if any.
     */
    private fun cancel(stage: CompletionStage<*>, cf: CompletableFuture<*>?) {
        if (stage is Future<*>) {
            try {
                stage.cancel(true)
                return
            } catch (e: UnsupportedOperationException) {
                // below
            }
        }
        cf?.cancel(true)
    }

    /**
     * Suspend.resumeWith: the body of a suspend function written in Java. A stage that is done
     * already gives its value (or throws its exception) without suspending; otherwise the
     * function suspends in [stage] on [continuation]'s own context and dispatcher.
     */
    fun <T> resumeWith(stage: CompletionStage<out T>, continuation: Continuation<T>): Any? {
        if (stage is TaskImpl<*> && stage.isDone) {
            stage.markRetrieved()
            @Suppress("UNCHECKED_CAST")
            return (stage.resultNow0() as Result<T>).getOrThrow()
        }
        if (stage !is TaskImpl<*>) {
            val cf = futureOf(stage)
            if (cf != null && cf.isDone) return outcomeOf(cf).getOrThrow()
        }
        val waiting: suspend () -> T = { this.stage(stage) }
        return waiting.startCoroutineUninterceptedOrReturn(continuation)
    }

    /** The stage's CompletableFuture, or null when it has none (toCompletableFuture unsupported). */
    private fun <T> futureOf(stage: CompletionStage<T>): CompletableFuture<T>? = try {
        stage.toCompletableFuture()
    } catch (e: UnsupportedOperationException) {
        null
    }

    private fun <T> outcomeOf(cf: CompletableFuture<T>): Result<T> =
        cf.handle { v, e -> if (e == null) Result.success(v) else Result.failure(unwrap(e)) }.join()
}
