/*
 * Tasks in Kotlin: awaiting a Task in a coroutine, and Tasks to and from kotlinx's Deferred and
 * CoroutineScope.
 */
@file:JvmName("Tasks")

package dev.aio4j.kotlin

import dev.aio4j.Loop
import dev.aio4j.Task
import dev.aio4j.internal.CoroutineTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.DeferredTask
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.KotlinAwait
import dev.aio4j.internal.LoopDispatcherBase
import dev.aio4j.internal.TaskImpl
import java.util.concurrent.CancellationException
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred

/**
 * Suspends until this task is done and returns its result; asyncio's `await task`.
 *
 * It is more specific than kotlinx's `CompletionStage<T>.await()` (a `Task` is a
 * `CompletionStage`), so Kotlin picks it wherever both are imported the same way (both explicitly,
 * or both with `*`). An explicit `import kotlinx.coroutines.future.await` beside
 * `import dev.aio4j.kotlin.*` picks kotlinx's, which resumes as soon as it is cancelled and may
 * hand over a copy of an exception when kotlinx's debug mode is on. (`task.join()` is the
 * blocking Java member.)
 *
 * **Cancellation:** both ways. Cancelling the coroutine cancels the task with the coroutine's own
 * `CancellationException` instance and waits until the task has finished (asyncio's chain of
 * awaits), then throws what the task ended with; a task cancelled from elsewhere makes this throw
 * the task's `CancellationException`, the instance Java sees. Nothing is left running. A task that
 * completed normally all the same (the cancellation came too late for it) gives its value, as
 * Java's `join()` does; the coroutine stays cancelled, and its next suspension throws (unlike
 * kotlinx's `Deferred.await()`, which throws at once and drops the value).
 *
 * A primitive's waiter task is the exception, because a value returned to a cancelled coroutine is
 * dropped by kotlinx's `withTimeout`/`withTimeoutOrNull`: when the coroutine awaiting a lock's or a
 * semaphore's `acquireAsync()` task, or a queue's `getAsync()` task, is cancelled before it has
 * resumed with what it was given, the grant goes back (the lock or the permit is released, the item
 * returns to the queue or goes to the next getter) and this throws the cancellation, as kotlinx's
 * `Mutex` and asyncio's `Lock.acquire()`/`Queue.get()` never leave a cancelled waiter holding what it
 * was given. So `withTimeout(t) { lock.acquireAsync().await() }` and `withTimeoutOrNull(t) {
 * queue.getAsync().await() }` lose nothing to a timeout that fires as the grant arrives. The task
 * ends `CANCELLED` when the cancellation reached it before it completed; when it had completed
 * already (only the coroutine's resumption was pending), it stays `SUCCESS` though its grant went
 * back: do not take such a task's value elsewhere (another `await()`, `join()`, `resultNow()`)
 * once its awaiter was cancelled. A grant that cannot be given back (a `putAsync()` whose item was
 * let in, a `joinAsync()`, an event's `awaitAsync()`) is returned as for any task. A task that
 * follows such a waiter and passes its value on unchanged (a non-blocking body that returns
 * `getAsync()`, `Async.waitFor` over it) gives the waiter's grant back in the same way; a stage
 * derived with a function (`getAsync().thenApply(f)`) does not: its value is returned, and a
 * `withTimeout` around the await may drop it. What kotlinx's
 * `withTimeout` can still drop is a value the block returns after `await()` has returned (on a
 * multi-threaded dispatcher the timeout may fire between the two, kotlinx's own warning for
 * resources): for a resource, use it inside the block (`withTimeout(t) { handle(queue.getAsync().await()) }`).
 *
 * **Exceptions:** the task's exception, the same instance (no wrapping: Kotlin has no checked
 * exceptions).
 *
 * **Threading:** any coroutine on any dispatcher; it resumes on its own dispatcher. The task's
 * completion happens-before the return. Not in `runBlocking` on a loop's thread (in a callback or
 * a non-blocking body): `runBlocking` holds the thread that the loop needs to complete the task,
 * so an await that would wait there is refused, as Java's `join()` is.
 *
 * @return the task's result
 * @throws IllegalStateException if the task is not done and this is called in `runBlocking` on
 *   the thread of a loop (it would wait for ever), or if a coroutine task awaits itself
 */
public suspend fun <T> Task<T>.await(): T =
    if (this is TaskImpl<T>) KotlinAwait.task(this) else KotlinAwait.stage(this)

/**
 * This task as a kotlinx [Deferred] (asyncio: a task is already awaitable; this is for kotlinx APIs
 * that take a `Deferred`, such as `awaitAll`).
 *
 * **Cancellation:** cancelling the deferred cancels the task, with the deferred's
 * `CancellationException` (the same instance); a task that ends `CANCELLED` makes a cancelled
 * deferred. The deferred has no parent: the task keeps its own place on its loop. The deferred
 * completes a step after the task (in its done callback): a primitive's `acquireAsync()` or
 * `getAsync()` task that has succeeded while its deferred, still pending, is cancelled (a loser
 * of a `select` over `onAwait`, say) gives its lock, permit or item back, as [await] does for a
 * coroutine cancelled before it resumed; the task stays `SUCCESS`, so do not also take its value
 * elsewhere.
 *
 * **Exceptions:** the deferred completes with the task's value or exception instance; note that
 * kotlinx's `Deferred.await()` may throw a copy of it when kotlinx's debug mode is on, which
 * [await] on the task does not.
 *
 * **Threading:** any thread; the deferred completes in the task's done callback, on the task's loop.
 *
 * @return a deferred that follows this task
 * @throws IllegalStateException if the task's loop is closed, even when the task is done (the
 *   deferred is completed by a done callback, which a closed loop refuses, as [Task.addDoneCallback] says)
 */
public fun <T> Task<T>.asDeferred(): Deferred<T> {
    val deferred = CompletableDeferred<T>()
    val task = this
    task.addDoneCallback {
        val outcome = it.outcomeNow()
        when (outcome) {
            is dev.aio4j.Outcome.Success<T> -> deferred.complete(outcome.value())
            is dev.aio4j.Outcome.Cancelled<T> -> deferred.cancel(outcome.exception())
            is dev.aio4j.Outcome.Failure<T> -> deferred.completeExceptionally(outcome.exception())
        }
    }
    deferred.invokeOnCompletion { cause ->
        if (cause is CancellationException) {
            // with the deferred's own exception, so that both sides hold one instance; a task that
            // had succeeded already (its done callback had not completed the deferred yet) keeps a
            // value nobody reading the deferred will see: a primitive's grant goes back
            if (task !is TaskImpl<*>) task.cancel() else if (!task.cancelWithCause(cause)) KotlinAwait.giveBackUnread(task)
        }
    }
    return deferred
}

/**
 * A [Task] that follows this deferred on [loop]; asyncio's `asyncio.ensure_future(awaitable)`.
 * A lazy deferred (`CoroutineStart.LAZY`) is started, as `ensure_future` starts a coroutine and
 * the deferred's own `await()` starts it.
 *
 * **Cancellation:** cancelling the task cancels the deferred; the task is done only once the
 * deferred is (its `finally` blocks have run), `CANCELLED` if the deferred was cancelled. The
 * task's outcome is always the deferred's: a deferred that completes all the same (the request
 * came as it completed) gives the task its value or failure, and `Task.cancel()` returns false
 * once the deferred has completed.
 *
 * **Exceptions:** the deferred's value, or the exception instance its code threw (not the copy
 * that kotlinx's debug mode may hand the deferred when it resumes the code with it).
 *
 * **Threading:** any thread; the task completes on the thread that completes the deferred.
 *
 * @param loop the loop the task belongs to (by default the current one)
 * @return a task that follows this deferred
 * @throws IllegalStateException with no running loop on this thread, or if [loop] is closed
 * @throws IllegalArgumentException if [loop] is not aio4j's own
 */
public fun <T> Deferred<T>.asTask(loop: Loop = Current.loop()): Task<T> {
    val eventLoop = loop.eventLoop()
    eventLoop.checkOpen()
    return DeferredTask(eventLoop, this)
}

/**
 * Starts [block] as a coroutine and returns it as a [Task]: kotlinx's `async`, with a `Task`
 * instead of a `Deferred`; asyncio's `asyncio.create_task(coro)` (or `tg.create_task` within a scope).
 *
 * The coroutine is a child of this scope's job (structured: the scope waits for it, and its
 * failure cancels the scope), on this scope's dispatcher, or on the loop's when the scope has none.
 * The task belongs to the loop whose dispatcher is in the context, else to the current loop. Its
 * [Task.name] is the coroutine's name, a [CoroutineName] in [context] or the scope's (kotlinx's
 * children inherit it), else the loop's next `Task-N` (asyncio's `create_task(coro, name=...)`).
 *
 * **Cancellation:** cancelling the task cancels the coroutine (kotlinx's prompt, sticky rules
 * inside it); it is `CANCELLED` once the coroutine has finished. Cancelling the scope cancels it.
 *
 * **Exceptions:** the task fails with what [block] threw, the same instance.
 *
 * **Threading:** any thread; [block] runs on the chosen dispatcher.
 *
 * @param context added to the scope's context
 * @param block the coroutine's body
 * @return the coroutine's task
 * @throws IllegalStateException with no loop in the context nor running on this thread, or when
 *   that loop is closed
 */
public fun <T> CoroutineScope.task(
    context: CoroutineContext = EmptyCoroutineContext,
    block: suspend CoroutineScope.() -> T,
): Task<T> {
    val combined = coroutineContext + context
    val loop = (combined[ContinuationInterceptor] as? LoopDispatcherBase)?.loop ?: Current.loop()
    loop.checkOpen()
    val context = loop.taskContext + combined
    return CoroutineTask(loop, context, combined[CoroutineName]?.name, block).also { it.start(context) }
}

/**
 * This loop as a kotlinx [kotlinx.coroutines.CoroutineDispatcher]: a coroutine dispatched by it runs
 * on the loop, and `delay`/`withTimeout` use the loop's clock. With it, Kotlin code joins a loop:
 * `withContext(loop.asCoroutineDispatcher()) { ... }`, or `CoroutineScope(loop.asCoroutineDispatcher()).task { ... }`;
 * asyncio's `asyncio.run_coroutine_threadsafe(coro, loop)`.
 *
 * **Cancellation:** not applicable (a dispatcher does not wait); a coroutine on it is cancelled by
 * its own job, and closing the loop cancels the loop's tasks.
 *
 * **Exceptions:** the dispatcher throws none, a closed loop included: a coroutine dispatched to the
 * loop once it is closed, or left in a `delay` by
 * its close, has its job cancelled and goes on on `Dispatchers.IO` to run its `finally` blocks, as
 * kotlinx's dispatcher of a closed executor does (a `withTimeout` pending at the close, or begun
 * after it, still times out, on the JDK's delay scheduler). Such a `finally` block cannot come back
 * to the loop, so it cannot suspend on it, not even under `NonCancellable` (`withContext`, `delay`,
 * `yield` throw the loop's CancellationException there, as on kotlinx's closed executor), and
 * `withContext(dispatcher) { }` begun after the close throws `CancellationException("the loop N is
 * closed")` without running its block. The close returns once a coroutine it
 * left in a delay, or found queued to resume on the loop, has ended (one waiting for something
 * else is unknown to the loop and ends when it resumes); a [task] made on a scope of its own is
 * one of the loop's tasks, cancelled by the close.
 *
 * **Threading:** the dispatcher may be used from any thread; what it dispatches runs on the loop's
 * thread in submission order (or on `Dispatchers.Default` workers under `DEFAULT_DISPATCHER`).
 *
 * @return the loop's dispatcher (the same object on every call)
 * @throws IllegalArgumentException if this loop is not aio4j's own
 */
public fun Loop.asCoroutineDispatcher(): kotlinx.coroutines.CoroutineDispatcher = eventLoop().dispatcher

private fun Loop.eventLoop(): EventLoop =
    this as? EventLoop ?: throw IllegalArgumentException("not a loop of aio4j's implementation: $this")
