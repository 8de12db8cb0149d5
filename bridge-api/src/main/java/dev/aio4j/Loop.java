package dev.aio4j;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * An event loop: asyncio's {@code AbstractEventLoop}. One thread runs its callbacks one at a time
 * in FIFO order ({@link #callSoon}, {@link #callLater}, {@link #callAt}), its non-blocking task
 * bodies, and the Kotlin coroutines of a run; it owns every task created through it.
 *
 * <p>The loop runs on the thread that calls {@link #runUntilComplete} or {@link #runForever}
 * ({@link Async#run} does both for you). A blocking aio4j call made on that thread throws
 * {@link IllegalStateException}, because it would stall every callback; asyncio refuses the same.
 * {@link LoopOptions.Threading#DEFAULT_DISPATCHER} swaps the single thread for kotlinx's
 * {@code Dispatchers.Default}.
 *
 * <p>A loop is an {@link Executor}: {@link #execute} is {@link #callSoon}, so any
 * {@code ...Async(fn, loop)} stage method runs {@code fn} on the loop.
 *
 * <h2 id="general">General rules</h2>
 * All methods are safe to call from any thread (asyncio's {@code call_soon_threadsafe} is
 * {@link #callSoon} here). Every method that schedules or creates something throws
 * {@link IllegalStateException} with the message {@code "loop is closed"} once the loop is
 * closed (while {@link #close()} runs, the tasks it cancels may still schedule their clean-up, as
 * under {@code asyncio.run}; see {@link #close()} for tasks created meanwhile), and
 * {@link NullPointerException} naming a null argument and the method. Tasks made here are
 * independent of each other, as in asyncio: one's failure does not cancel another; a failure
 * that nobody retrieves reaches the {@linkplain #setExceptionHandler exception handler}.
 */
public interface Loop extends Executor, AutoCloseable {

    /**
     * Returns the loop of the calling thread (asyncio's {@code get_running_loop()}): the loop's
     * own thread, or the thread of one of its blocking-style tasks. It never waits.
     *
     * @return the current loop
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    static Loop current() {
        return Async.provider().currentLoop();
    }

    /**
     * Starts a blocking-style task (asyncio's {@code create_task}): {@code body} runs on a new
     * virtual thread (JDK 21+) or a pooled platform thread (JDK 17–20), where it may block and
     * call {@link Task#join()}, {@link Async#sleep}, and the blocking methods of
     * {@code dev.aio4j.sync}. The body starts on its own thread: at once when this is called
     * off the loop's thread (from another task's body, say); when called in a step of the loop (a
     * callback, a non-blocking body), at the loop's next step, as asyncio's task starts at the
     * next iteration (so cancelling it before then skips the body, as {@link Task#cancel()} says).
     *
     * <p><b>Cancellation:</b> {@link Task#cancel()} interrupts the body's thread; aio4j's blocking
     * calls then throw {@link java.util.concurrent.CancellationException}. The task is
     * {@code CANCELLED} when the body has returned or thrown; if it throws
     * {@link InterruptedException} after the cancellation (or an I/O exception of an interrupt, or
     * any exception whose cause chain holds one of those, as JDBC drivers throw), that counts as
     * the cancellation.
     *
     * <p><b>Exceptions:</b> what {@code body} throws fails the task, by the rule of
     * <a href="Task.html#exceptions">Task</a>.
     *
     * @param body the task's body
     * @param <T> the type of the result
     * @return the task
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the loop is closed
     */
    <T extends @Nullable Object> Task<T> createTask(Callable<? extends T> body);

    /**
     * Starts a named blocking-style task; see {@link #createTask(Callable)}.
     *
     * @param name the task's name (asyncio's {@code name=}); also its thread's name
     * @param body the task's body
     * @param <T> the type of the result
     * @return the task
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the loop is closed
     */
    <T extends @Nullable Object> Task<T> createTask(String name, Callable<? extends T> body);

    /**
     * Starts a blocking-style task whose body returns nothing (asyncio's {@code create_task} of a
     * coroutine that returns {@code None}); see {@link #createTask(Callable)} for its cancellation
     * and exceptions. A lambda that returns a value picks {@link #createTask(Callable)} instead.
     *
     * @param body the task's body
     * @return the task, whose result is {@code null}
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the loop is closed
     */
    Task<@Nullable Void> createTask(ThrowingRunnable body);

    /**
     * Starts a named blocking-style task whose body returns nothing; see {@link #createTask(Callable)}.
     *
     * @param name the task's name (asyncio's {@code name=}); also its thread's name
     * @param body the task's body
     * @return the task, whose result is {@code null}
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the loop is closed
     */
    Task<@Nullable Void> createTask(String name, ThrowingRunnable body);

    /**
     * Starts a non-blocking task (asyncio's {@code create_task} of a coroutine): on the loop's next
     * iteration {@code body} is called on the loop's thread, and the task completes as the stage
     * it returns does. No thread is held while the stage is pending. A body that returns a
     * {@link Task} makes this task wait for it with the chain rule of
     * <a href="Task.html#cancellation">cancellation</a>.
     *
     * <p><b>Cancellation:</b> before the body runs, cancellation means it never runs; after, the
     * returned stage is cancelled ({@code toCompletableFuture().cancel(true)}: the JDK's
     * {@code HttpClient} aborts its request then), and the task is
     * {@code CANCELLED} when that stage completes. A stage that cannot be cancelled so (its
     * {@code toCompletableFuture()} is unsupported) is abandoned and the task is cancelled at once.
     *
     * <p><b>Exceptions:</b> what {@code body} throws (a checked exception too, by the rule of
     * <a href="Task.html#exceptions">Task</a>), or the stage's exception with
     * {@code CompletionException}/{@code ExecutionException} wrappers removed, fails the task.
     *
     * @param body called on the loop; returns the stage the task completes with (not null)
     * @param <T> the type of the result
     * @return the task
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the loop is closed
     */
    <T extends @Nullable Object> Task<T> createTaskAsync(Callable<? extends CompletionStage<? extends T>> body);

    /**
     * Starts a named non-blocking task (asyncio's {@code create_task(coro, name=...)}); see
     * {@link #createTaskAsync(Callable)} for its cancellation and exceptions.
     *
     * @param name the task's name
     * @param body called on the loop; returns the stage the task completes with
     * @param <T> the type of the result
     * @return the task
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the loop is closed
     */
    <T extends @Nullable Object> Task<T> createTaskAsync(String name, Callable<? extends CompletionStage<? extends T>> body);

    /**
     * Makes a task of a stage that is already running (asyncio's {@code ensure_future} /
     * {@code wrap_future}); a task of this loop is returned as it is.
     *
     * <p><b>Cancellation:</b> cancelling the task cancels the stage through
     * {@code toCompletableFuture().cancel(true)}, as {@link #createTaskAsync(Callable)} does.
     *
     * @param stage the stage
     * @param <T> the type of the result
     * @return a task that completes as {@code stage} does
     * @throws NullPointerException if {@code stage} is null
     * @throws IllegalStateException if the loop is closed
     */
    <T extends @Nullable Object> Task<T> adopt(CompletionStage<? extends T> stage);

    /**
     * Creates a promise: a task completed by hand (asyncio's {@code loop.create_future()}).
     *
     * <p><b>Cancellation:</b> cancelling the promise completes it cancelled at once (it has no
     * body to wait for); see {@link Promise}.
     *
     * @param <T> the type of the result
     * @return a new, pending promise
     * @throws IllegalStateException if the loop is closed
     */
    <T extends @Nullable Object> Promise<T> createPromise();

    /**
     * Runs {@code body} in an executor (asyncio's {@code run_in_executor}); the task completes when
     * {@code body} returns or throws. Cancelling the task interrupts the thread running
     * {@code body} and completes when it has returned. What {@code body} throws fails the task, by
     * the rule of <a href="Task.html#exceptions">Task</a>.
     *
     * @param executor where {@code body} runs; what its {@code execute} throws instead of taking
     *     {@code body} (a {@link java.util.concurrent.RejectedExecutionException}, or any other
     *     exception) fails the task with that exception, never thrown here; one thrown after
     *     {@code body} has started goes to the exception handler. An executor that runs
     *     {@code body} on an event loop's thread (this loop itself, a pool whose
     *     {@code CallerRunsPolicy} runs it in the caller when called from a loop's step, a direct
     *     executor there, an executor that hands it to this or another loop as a callback) fails the task with an {@link IllegalStateException} without running
     *     {@code body}: a blocking body would stall every callback of the loop. Any other thread,
     *     {@code ForkJoinPool.commonPool()}'s included, runs it as the task's:
     *     {@link #current()} and {@link Async#currentTask()} work in {@code body}
     * @param body the blocking code
     * @param <T> the type of the result
     * @return the task
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the loop is closed
     */
    <T extends @Nullable Object> Task<T> runInExecutor(Executor executor, Callable<? extends T> body);

    /**
     * Schedules {@code callback} to run on the loop's next iteration, after the callbacks already
     * scheduled (asyncio's {@code call_soon} and {@code call_soon_threadsafe}). It never runs
     * inside this method. What it throws goes to the exception handler. Cancel it with
     * {@link Handle#cancel()}. Called from another thread while the loop is closing, it is
     * accepted as {@link #execute} accepts a command: the callback runs in one of the closing's
     * steps, or the call is refused once {@link #close()} has run its last step; a callback whose
     * handle was returned is never dropped. (What the loop's own thread schedules in the closing's
     * last step is dropped, as asyncio's {@code loop.close()} drops it.)
     *
     * @param callback the callback
     * @return a handle that can cancel it
     * @throws NullPointerException if {@code callback} is null
     * @throws IllegalStateException if the loop is closed, or, called from another thread, if its
     *     close has begun its last step (message {@code "loop is closed"})
     */
    Handle callSoon(Runnable callback);

    /**
     * Schedules {@code callback} to run after {@code delay} (asyncio's {@code call_later}).
     * Callbacks due at the same time run in the order they were scheduled. What it throws goes to
     * the exception handler. Cancel it with {@link Handle#cancel()}, which removes the timer.
     *
     * @param delay how long from now, zero or more
     * @param callback the callback
     * @return a handle that can cancel it
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException if the loop is closed
     */
    TimerHandle callLater(Duration delay, Runnable callback);

    /**
     * Schedules {@code callback} to run at {@code when} on the loop's clock, {@link #time()}
     * (asyncio's {@code call_at}); a time in the past (a negative one included) runs it on the
     * next iteration. What it throws goes to the exception handler. Cancel it with
     * {@link Handle#cancel()}, which removes the timer.
     *
     * @param when the loop time at which to run it
     * @param callback the callback
     * @return a handle that can cancel it
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the loop is closed
     */
    TimerHandle callAt(Duration when, Runnable callback);

    /**
     * Returns the loop's clock (asyncio's {@code loop.time()}): monotonic, counted from when the
     * loop was made. Only differences are meaningful. It never waits and throws nothing, on a closed
     * loop too.
     *
     * @return the time on the loop's clock
     */
    Duration time();

    /**
     * Schedules {@code command} as {@link #callSoon} does (asyncio's {@code call_soon_threadsafe},
     * without a handle), so that the loop can be passed where an {@link Executor} is wanted. It never
     * waits. While the loop is closing, a command from another thread runs in
     * one of the closing's steps, or is refused once {@link #close()} has run its last step: it is
     * never accepted and then dropped. (What the closing's last step itself schedules is dropped,
     * as asyncio's {@code loop.close()} drops it.)
     *
     * <p><b>Threading:</b> any thread.
     *
     * @param command the callback
     * @throws NullPointerException if {@code command} is null
     * @throws java.util.concurrent.RejectedExecutionException if the loop is closed, or closing past
     *     its last step (the caller may run {@code command} itself)
     */
    @Override
    void execute(Runnable command);

    /**
     * Runs the loop on the calling thread until {@code future} is done, and returns its result
     * (asyncio's {@code run_until_complete}). A stage that is not a task of this loop is
     * {@linkplain #adopt adopted} first.
     *
     * <p><b>Cancellation:</b> if the calling thread is interrupted, {@code future} is cancelled and
     * the loop runs until it is done; then the interrupt flag is set again.
     *
     * @param future what to run the loop for
     * @param <T> the type of the result
     * @return its result
     * @throws java.util.concurrent.CancellationException if it was cancelled
     * @throws TaskFailedException if it failed with a checked exception (the cause)
     * @throws IllegalStateException if the loop is closed (or being closed by another thread), or
     *     already running; or if the loop stopped ({@link #stop()}) before {@code future} was done,
     *     as asyncio raises {@code RuntimeError} then
     * @throws NullPointerException if {@code future} is null
     */
    <T extends @Nullable Object> T runUntilComplete(CompletionStage<T> future);

    /**
     * Runs the loop on the calling thread until {@link #stop()} is called (asyncio's
     * {@code run_forever}). <b>Cancellation:</b> an interrupt of the calling thread stops it too,
     * with the interrupt flag set again; the loop's tasks are not cancelled.
     *
     * @throws IllegalStateException if the loop is closed (or being closed by another thread), or
     *     already running
     */
    void runForever();

    /**
     * Asks a running loop to stop at the end of its current iteration (asyncio's {@code stop()}):
     * the callbacks that were ready when the iteration began run; one scheduled meanwhile (by this
     * iteration's callbacks, or by another thread) waits for the next run. If the loop is not
     * running, the next {@link #runForever()} runs one iteration and returns. Under
     * {@link LoopOptions.Threading#DEFAULT_DISPATCHER} the callbacks run on worker threads, which
     * pass on what they schedule at once, so the run ends once the callbacks handed out have
     * returned, and those scheduled meanwhile may run in it. Never waits, and throws nothing, on
     * a closed loop too.
     */
    void stop();

    /** {@return whether a thread is running the loop now (asyncio's {@code is_running()})} A snapshot; it never waits and throws nothing. */
    boolean isRunning();

    /**
     * {@return whether the loop is closed (asyncio's {@code is_closed()})}: {@link #close()} has
     * finished. While it runs, the tasks it cancels may still schedule their clean-up on the loop.
     * It never waits and throws nothing.
     */
    boolean isClosed();

    /**
     * Closes the loop: cancels every task still pending, runs the loop on the calling thread until
     * they have finished, stops the loop's own thread pool, and marks the loop closed (asyncio's
     * {@code loop.close()}, with the task clean-up that {@code asyncio.run} does before it: asyncio's
     * {@code close()} itself leaves pending tasks alone). Failures of
     * the cancelled tasks other than their cancellation go to the exception handler. A call after
     * the loop is closed does nothing; one from another thread while a close runs waits for it,
     * and returns only once the loop is closed: if that close fails (it threw to its own caller),
     * this call closes the loop itself, and throws if it cannot.
     *
     * <p>Tasks created while it runs: one created from outside the loop (a thread that is neither
     * the loop's nor one of its tasks') is refused with {@code IllegalStateException("loop is
     * closed")}; one created inside it (by a done callback, or by the clean-up of a task this
     * call cancelled) is cancelled and waited for like the others, until no task is left; from
     * then on every new task is refused. No task is left pending or running when it returns, and
     * none of the loop's callbacks runs (under {@code DEFAULT_DISPATCHER} too).
     *
     * <p><b>Threading:</b> any thread but the loop's own work: its tasks, and under
     * {@code DEFAULT_DISPATCHER} its callbacks too, are refused before anything is cancelled. So is
     * a thread that runs another loop (a callback of another loop): the close needs to run this
     * loop to cancel and wait for its tasks, and is refused with nothing cancelled; the loop stays
     * open and a later {@code close()} from another thread closes it.
     *
     * @throws IllegalStateException if the loop is running (call {@link #stop()} first), if
     *     called from one of the loop's own tasks (or, under {@code DEFAULT_DISPATCHER}, callbacks),
     *     from a callback that a close of this loop runs (a done callback, the exception handler:
     *     the close is under way), or from a thread that runs another loop
     */
    @Override
    void close();

    /**
     * {@return the tasks of this loop that are not done yet (asyncio's {@code all_tasks})}, a
     * snapshot: a task started before the call and still pending after it is in it; one done
     * before the call is not. The set is the caller's own (a new one each call).
     *
     * <p>Thread-safe: any thread may call it, running loop or not. From another thread while the
     * loop runs, it reads the loop's tasks without stopping the loop; if the loop's thread keeps
     * changing them meanwhile, the call may wait up to about a step of the loop. It throws
     * nothing, and an interrupt of the calling thread does not end it (the flag stays set).
     */
    Set<Task<?>> allTasks();

    /**
     * Sets the handler of failures that no awaiter receives (asyncio's
     * {@code set_exception_handler}); {@code null} restores the default, which logs through
     * {@link System.Logger}. It takes effect at once, never waits and throws nothing, on a closed
     * loop too.
     *
     * @param handler the new handler, or {@code null}
     */
    void setExceptionHandler(@Nullable LoopExceptionHandler handler);

    /**
     * {@return the handler set by {@link #setExceptionHandler}, or {@code null} for the default}
     * (asyncio's {@code get_exception_handler()}). It never waits and throws nothing.
     */
    @Nullable LoopExceptionHandler exceptionHandler();

    /**
     * Hands a failure to the exception handler on the loop's thread (asyncio's
     * {@code call_exception_handler}). When no thread runs the loop (it is not running, or it is
     * closed), the handler runs on the calling thread, before this returns. It never waits for the
     * loop.
     *
     * @param context what happened
     * @throws NullPointerException if {@code context} is null
     */
    void callExceptionHandler(ExceptionContext context);

    /**
     * {@return the options the loop was made with} asyncio has no single equivalent (its
     * {@code get_debug()} reads one of them). It never waits and throws nothing.
     */
    LoopOptions options();
}
