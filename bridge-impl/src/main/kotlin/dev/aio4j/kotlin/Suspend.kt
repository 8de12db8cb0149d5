/*
 * The Java side of the bridge: Kotlin suspend functions called from Java (as a Task, or waited for
 * from a blocking-style body), and suspend functions written in Java over any CompletionStage.
 * Usable from Java as it is: its methods are static, and the only Kotlin type in them is the
 * Continuation parameter that every compiled suspend function has.
 */
package dev.aio4j.kotlin

import dev.aio4j.Task
import dev.aio4j.internal.Current
import dev.aio4j.internal.JavaCall
import dev.aio4j.internal.KotlinAwait
import java.util.Objects
import java.util.concurrent.CompletionStage
import kotlin.coroutines.Continuation

/**
 * A call of a Kotlin `suspend` function as Java sees it: the function with its last parameter, the
 * [Continuation], left open, as in `c -> service.findUser(42, c)`; a function without other
 * parameters is a method reference too, `service::ping`.
 *
 * Compiled, `suspend fun findUser(id: Int): User` is `Object findUser(int id, Continuation<? super User> c)`:
 * it returns the user, or the marker `COROUTINE_SUSPENDED` and resumes `c` later. [Suspend] passes
 * its own continuation and handles both.
 *
 * @param T the function's result type
 */
public fun interface SuspendCall<T> {
    /**
     * Calls the function with [continuation] as its last argument and returns what it returns
     * (asyncio: calling a coroutine function, `f(x)`, which [Suspend] then awaits). You write it and
     * [Suspend] calls it, on the thread of the [Suspend] method; its cancellation and threading are
     * that method's.
     *
     * @param continuation the continuation to pass on; never null
     * @return the function's value, or `COROUTINE_SUSPENDED`
     * @throws Exception what the function throws (delivered by [Suspend] as the same instance)
     */
    @Throws(Exception::class)
    public fun invoke(continuation: Continuation<@JvmSuppressWildcards T>): Any?
}

/**
 * Kotlin `suspend` functions from Java, and Java implementations of `suspend` functions.
 *
 * asyncio counterpart: awaiting a coroutine from the loop (`asyncio.create_task(coro)` for
 * [call], `await coro` for [join]); [resumeWith] is what an `async def` written around a
 * `concurrent.futures.Future` (`await asyncio.wrap_future(f)`) does.
 *
 * Thread-safety: every method may be called from any thread of a running loop (a task's body, a
 * callback; [join] from a blocking-style body only). Both run the function's first part on the
 * calling thread. [call]'s resumptions run on the loop (the loop's dispatcher is in the function's
 * context); [join]'s run on the joining thread, which runs them itself while it waits, as
 * `runBlocking` does (that thread's event loop is in the function's context).
 */
public object Suspend {

    /**
     * Calls a Kotlin `suspend` function and returns its [Task]: `Suspend.call(c -> service.findUser(42, c))`;
     * asyncio's `asyncio.create_task(coro)`.
     *
     * The function starts at once on the calling thread (no hop to another thread). When it
     * returns without suspending, the task is born done with its value or with the exception it
     * threw; otherwise the task completes when the function resumes. The function runs on the
     * current loop: its context holds the loop's dispatcher and the task's job, and the task is the
     * loop's (like one made by `createTask`: closing the loop cancels it).
     *
     * **Cancellation:** cancelling the task cancels the function where it is suspended (its kotlinx
     * suspensions throw `CancellationException`, its `finally` blocks run); the task is `CANCELLED`
     * once the function has finished. A function that ends with a `CancellationException` of its
     * own makes the task `CANCELLED` too. A cancellation that lands after the function's last
     * suspension and before it returns (a `cancel()` from another thread, even on the
     * single-threaded loop) still ends the task `CANCELLED` and drops what it was returning, as
     * kotlinx drops the value of a coroutine cancelled before it completed: a function that takes a
     * lock, a permit or a queue item should use it before it returns (a `getAsync().await()` still
     * pending when the cancellation comes gives the item back).
     *
     * **Exceptions:** the task fails with the exception the function threw, the same instance
     * (`Task.join()` then wraps a checked one once in `TaskFailedException`); one thrown inside a
     * `withContext` on another dispatcher too, not the copy kotlinx's debug mode hands the
     * function (its stack-trace recovery, on with `-ea`). A failure raised after
     * the function suspended happens on the loop's thread, so its own frames are the Kotlin ones:
     * the task's `join()` that throws it adds the joining Java code's frames to that instance as a
     * suppressed `CallSite` (once; asyncio's traceback likewise shows the awaiting code beside the
     * task's frames), at no cost unless the call fails. In debug mode (`LoopOptions.withDebug(true)`,
     * asyncio's debug mode, which records where tasks were created) the frames of the code that made
     * the call are added too, when it fails. A failure thrown before the function suspended was
     * thrown on the calling thread and has the caller in its stack already (so has one after a
     * wait that was over before it could suspend: a short `delay` whose timer fired meanwhile).
     *
     * **Threading:** the function's first part runs on the calling thread, its resumptions on the
     * loop, also when a blocking-style body made the call and then joins the task: the task runs
     * concurrently with the body, which may do anything else before it joins, so only the loop can
     * be counted on to run it (use [join] to have the calling thread run the function). Everything
     * the function did happens-before the task is seen done.
     *
     * @param T the function's result type
     * @param function the call, with the continuation left open
     * @return the function's task
     * @throws NullPointerException if [function] is null
     * @throws IllegalStateException if no loop is running on this thread, or the loop is closed
     */
    @JvmStatic
    public fun <T> call(function: SuspendCall<T>): Task<T> {
        Objects.requireNonNull(function, "function")
        return JavaCall.callAsTask(Current.loop(), function)
    }

    /**
     * Calls a Kotlin `suspend` function from a blocking-style body and returns its value:
     * `User u = Suspend.<User>join(c -> service.findUser(42, c))`; asyncio's `await coro`.
     *
     * The calling thread runs the whole function, as `runBlocking` does: its first part at once, and
     * while it waits, each resumption, from a queue of its own (the function's dispatcher, below).
     * A function that returns without suspending comes back with no park and no allocation beyond
     * the result and a small continuation. One that is resumed from its own thread (a `yield()`, a
     * child coroutine of its own) costs no park either; one that waits for another thread (a timer
     * or a task of the loop, I/O, `withContext(Dispatchers.Default)`) parks the thread once per such
     * wait, and that thread is woken once; no step of the loop runs the function.
     *
     * **What the function sees:** its context holds a job of the call's own and, as the dispatcher,
     * the joining thread's event loop: not the loop's dispatcher and not `Dispatchers.Unconfined`.
     * Coroutines it launches (in `coroutineScope`, or into its own job) run on the joining thread too,
     * and this method returns when all of them have finished. `delay` and `withTimeout` use the loop's
     * clock; `withContext(loop.asCoroutineDispatcher())` and `withContext(Dispatchers.Default)` run
     * their block there and come back to the joining thread. The function's code runs as part of the
     * blocking-style body: `Loop.current()` is the loop, `Async.currentTask()` the body's task,
     * blocking calls are allowed (they hold up the function's other coroutines until they return, as
     * in `runBlocking`), a nested `join` runs this call's resumptions too while it waits, and [call]
     * makes a task of the loop as it does anywhere else.
     *
     * **Cancellation:** the cancellation of the blocking-style task (`Task.cancel()`, an interrupt of
     * its thread, an `Async.timeout` or a task group that fires, `Loop.close()`) interrupts the
     * thread, and the interrupt cancels the function, with the `CancellationException` this method
     * then throws (the task's own when the task is cancelled: one instance on both sides). The thread
     * runs the function on until it has finished (its `finally` blocks have run, its child coroutines
     * have ended), then throws; nothing of the call is left running. An interrupt is seen when the
     * function next waits: a function that returns without suspending returns its value and leaves
     * the interrupt pending for the body's next wait. So does a function that ends with a failure
     * of its own instead of the cancellation (a `finally` that throws): this method throws that
     * failure, the same instance, and the interrupt stays pending, so the body's next wait is
     * cancelled.
     *
     * **Exceptions:** as `Task.join()`: an unchecked exception is thrown as the same instance (the one
     * the Kotlin code threw: a copy that kotlinx's debug mode hands a caller of `withContext` is
     * undone here, though Kotlin code in between sees the copy); a checked one is wrapped once in
     * `TaskFailedException`. A failure raised on
     * another thread (inside `withContext(Dispatchers.Default)`, say) gets the caller's frames as a
     * suppressed `CallSite` exception, so its stack trace shows both the Kotlin frames and the Java
     * caller; one raised on the joining thread has them in its own stack.
     *
     * **Threading:** the function runs on the calling thread, except the parts it sends elsewhere
     * itself; everything the function did happens-before this method returns.
     *
     * @param T the function's result type
     * @param function the call, with the continuation left open
     * @return the function's value
     * @throws NullPointerException if [function] is null
     * @throws IllegalStateException on a loop's own thread (it would block the loop), with no
     *   running loop, or when the loop is closed
     * @throws java.util.concurrent.CancellationException if the thread was interrupted or the
     *   function was cancelled
     */
    @JvmStatic
    public fun <T> join(function: SuspendCall<T>): T {
        Objects.requireNonNull(function, "function")
        return JavaCall.callAndJoin(function)
    }

    /**
     * The body of a `suspend` function implemented in Java over any asynchronous Java API:
     * `return Suspend.resumeWith(client.sendAsync(request, BodyHandlers.ofString()), continuation);`; what an `async def`
     * doing `return await asyncio.wrap_future(f)` is in asyncio.
     *
     * A stage that is already done gives its value at once; otherwise the Kotlin caller suspends
     * until it completes and resumes on its own dispatcher.
     *
     * **Cancellation:** cancelling the Kotlin caller cancels the stage with `cancel(true)` (the flag
     * the JDK's `HttpClient` needs to abort a request), on the stage itself when it is a `Future`
     * (the `HttpClient`'s `toCompletableFuture()` is a copy), else on its `toCompletableFuture()`; the
     * caller resumes at once. A stage that is a [Task] follows the task's rules instead: the task is
     * cancelled with the caller's `CancellationException`, and the caller resumes when the task has
     * finished.
     *
     * **Exceptions:** the stage's exception reaches the Kotlin caller as the same instance, without
     * `CompletionException`/`ExecutionException` wrappers (thrown from here when the stage is done
     * already); a `CANCELLED` task's `CancellationException` likewise.
     *
     * **Threading:** call it on any thread; the stage may complete on any thread. The stage's
     * completion happens-before the caller resumes.
     *
     * @param T the result type
     * @param stage the stage that gives the result
     * @param continuation the continuation the Java method was given
     * @return the value, or `COROUTINE_SUSPENDED`: return it from the Java method as it is
     * @throws NullPointerException if an argument is null
     */
    @JvmStatic
    public fun <T> resumeWith(stage: CompletionStage<out T>, continuation: Continuation<T>): Any? {
        Objects.requireNonNull(stage, "stage")
        Objects.requireNonNull(continuation, "continuation")
        return KotlinAwait.resumeWith(stage, continuation)
    }
}
