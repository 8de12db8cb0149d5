package dev.aio4j;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A unit of work on a {@link Loop} and the handle to its result: asyncio's {@code Task} (and
 * {@code Future}).
 *
 * <p>A task is made by {@link Loop#createTask(java.util.concurrent.Callable) Loop.createTask} (a blocking-style body,
 * run on a virtual thread where the JVM has them), {@link Loop#createTaskAsync(java.util.concurrent.Callable)
 * Loop.createTaskAsync} (a non-blocking body that returns a {@link CompletionStage}),
 * {@link Loop#adopt(CompletionStage) Loop.adopt} (any running stage), {@link Loop#createPromise()}
 * (completed by hand), and by every combinator of {@link Async}.
 *
 * <h2 id="cancellation">Cancellation</h2>
 * {@link #cancel()} is a <em>request</em>, as in asyncio and kotlinx.coroutines: the task stays
 * {@link TaskState#RUNNING RUNNING} until its body has finished (its {@code finally} blocks have
 * run; a blocking body's thread has been interrupted and has returned), then it is
 * {@link TaskState#CANCELLED CANCELLED}. A body that catches the cancellation and returns
 * normally still ends {@code CANCELLED} (asyncio's {@code uncancel()} has no equivalent); a body
 * that throws some other exception instead ends {@code FAILED} with it, as in asyncio. A task
 * cancelled before its body starts never runs it. This is why a task is not a
 * {@link java.util.concurrent.Future}, whose contract makes a cancellation final at once.
 *
 * <p>Cancellation goes down a chain of awaits: when a task waiting in {@code other.join()} (or
 * whose non-blocking body returned {@code other}) is cancelled, {@code other} is cancelled too,
 * and the waiter's cancellation completes after {@code other} has finished.
 * {@link Async#shield(CompletionStage)} stops it. If {@code other} is a lock's or semaphore's
 * {@code acquireAsync()} or a queue's {@code getAsync()} task that was served but has not completed
 * yet (it completes in a later step of its loop), the request still wins: the lock, permit or
 * item goes back at once (released, or back in the queue) and {@code other} ends
 * {@code CANCELLED}, as asyncio's cancelled {@code acquire()} or {@code get()}, woken but not yet
 * resumed, leaves the lock free and the item in the queue. A served task whose effect cannot be
 * taken back (a {@code putAsync} whose item was let in, a {@code joinAsync}, an event's
 * {@code awaitAsync}) refuses the request, and the waiter ends with its result instead of
 * {@code CANCELLED}; so does one whose operation took effect at once. Nothing handed over is lost
 * either way.
 *
 * <h2 id="exceptions">Exceptions</h2>
 * {@link #join()} rethrows what the body threw: a {@link RuntimeException} or {@link Error} as
 * the same instance, a checked exception wrapped once in {@link TaskFailedException}. A cancelled
 * task's {@link #join()} throws its {@link java.util.concurrent.CancellationException}. A failure
 * that nobody retrieves ({@link #join()}, {@link #resultNow()}, {@link #exceptionNow()},
 * {@link #outcomeNow()}, a done callback, or a combinator such as {@link Async#gather}) reaches
 * the loop's exception handler, as asyncio's "Task exception was never retrieved". A stage
 * derived from a task retrieves its failure and passes it on: it is reported once, for the last
 * stage of the chain if nobody retrieves that one, except that a {@code whenComplete} stage, made
 * to watch, counts as having seen it.
 *
 * <h2 id="threading">Threading</h2>
 * All methods are safe to call from any thread. The blocking methods ({@link #join()},
 * {@link #join(Duration)}) refuse to run on the loop's own thread with an
 * {@link IllegalStateException}: there they would stall every other task. Everything a body does
 * happens-before what {@link #join()} returns, and before done callbacks run.
 *
 * <h2 id="composition">Composition</h2>
 * A task is a {@link CompletionStage}, and every stage derived from it ({@code thenApply},
 * {@code thenCompose}, {@code handle}, {@code whenComplete}, {@code exceptionally} and the rest) is
 * a task too, on the same loop: it has {@link #join()}, a name, done callbacks, and it can be
 * returned by a non-blocking body or passed to any combinator without {@link Loop#adopt}. The
 * plain forms run their function where the input completes when that thread belongs to a loop,
 * and in a step of the running loop when it does not (a blocking task's thread after its body, a
 * {@code toThread} pool's, a plain thread completing an adopted future), as asyncio's code after
 * an {@code await} runs on the loop; at once in the caller if the input is done already, or on
 * the completing thread if the loop is not running; the {@code ...Async} forms without an
 * executor run it on the task's loop, never on {@code ForkJoinPool.commonPool()}. Functions receive exceptions as thrown, without
 * {@link java.util.concurrent.CompletionException} wrappers; one that throws makes the derived
 * task fail with that exception. A stage method on a task of a closed loop throws
 * {@link IllegalStateException} (use {@link #toCompletableFuture()} for a plain view).
 *
 * <p>A derived task's cancellation follows the task rule, not {@code CompletableFuture}'s (done at
 * once, functions skipped); it is written as an asyncio coroutine would be, with
 * {@code whenComplete} as {@code finally} and {@code handle}/{@code exceptionally} as
 * {@code except}:
 * <ul>
 *   <li>cancelling it forwards the request up to what it waits on (this task, and the
 *       {@code other} stage of {@code thenCombine}, {@code applyToEither} and the like), and it
 *       finishes when that has finished and its function has run;</li>
 *   <li>the functions of the chain still run as the cancellation comes back down:
 *       {@code whenComplete} and {@code handle} receive the
 *       {@link java.util.concurrent.CancellationException}, {@code exceptionally} too; a
 *       {@code whenComplete} action that throws on a cancellation makes the derived task
 *       {@link TaskState#FAILED FAILED} with what it threw, as an exception raised in a
 *       {@code finally} replaces asyncio's {@code CancelledError}, whoever was cancelled (on an
 *       input's other failure, that failure stays the task's, the thrown one suppressed in it, as
 *       {@code CompletableFuture.whenComplete} does);</li>
 *   <li>a function whose input had already completed runs even if the request came first; a
 *       {@code thenCompose} function's returned stage then receives the request (it is the next
 *       wait): {@code lock.acquireAsync().thenCompose(v -> { ...; lock.release(); ... })} never
 *       leaks the lock;</li>
 *   <li>a request that went up to an input still pending is delivered there, once: the stage
 *       that an {@code exceptionallyCompose} function returns on the cancellation coming back down
 *       (a clean-up that waits, asyncio's {@code except CancelledError: await cleanup(); raise})
 *       runs uncancelled, and the derived task ends {@code CANCELLED} after it, as a blocking
 *       body's {@code catch} that waits and rethrows does; a further {@code cancel()} does not cut
 *       it, in either style (a task is cancelled once). An input that ended otherwise (a deadline
 *       that passed as the request came, a failure of its own) did not take the request: the
 *       stage returned then, the next wait, receives it, so a retry on a failure stops. Only
 *       {@code exceptionallyCompose} (and {@code thenCompose}) wait for the stage their function
 *       returns: {@code handle((v, e) -> cleanup()).thenCompose(s -> s)} does not, since
 *       {@code handle}'s task ends {@code CANCELLED} as its function returns (the next rule), and
 *       the clean-up runs on unattended;</li>
 *   <li>a derived task that received a request ends {@link TaskState#CANCELLED CANCELLED} even
 *       if its function returned normally, and {@link TaskState#FAILED FAILED} if it threw
 *       something else, as a task's body does; except that a function that ran on what a
 *       primitive handed over (a lock's, semaphore's or queue's {@code ...Async} task that was
 *       served: {@code queue.getAsync().thenApply(parse)}) keeps its result, which carries the
 *       lock, permit or item, as a task that follows such a task does.</li>
 * </ul>
 * Deriving a stage counts as retrieving this task's failure, and a derived task that passes that
 * failure on does not report it again (a {@code whenComplete} made only to watch may be dropped);
 * a failure that a function throws is the derived task's own, and reaches the loop's exception
 * handler if nobody retrieves it, as any task's does.
 *
 * @param <T> the type of the result
 */
public interface Task<T extends @Nullable Object> extends CompletionStage<T> {

    /**
     * {@return the task's name: the one given at creation, or {@code "Task-N"} (asyncio's {@code get_name()})}
     * It never waits and throws nothing.
     */
    String name();

    /** {@return the loop that owns this task (asyncio's {@code get_loop()})} It never waits and throws nothing. */
    Loop loop();

    /**
     * {@return the task's state now}; a snapshot that may be stale as soon as it returns unless
     * it is a final state. asyncio has no public equivalent (its {@code done()} and
     * {@code cancelled()} are {@link #isDone()} and {@link #isCancelled()}). It never waits and
     * throws nothing.
     */
    TaskState state();

    /** {@return whether the task has reached a final state (asyncio's {@code done()})} It never waits and throws nothing. */
    boolean isDone();

    /** {@return whether the task is done by cancellation (asyncio's {@code cancelled()})} It never waits and throws nothing. */
    boolean isCancelled();

    /**
     * Requests cancellation (asyncio's {@code cancel()}); see <a href="#cancellation">Cancellation</a>.
     * A blocking body's thread is interrupted; a non-blocking body's stage is cancelled. The task
     * stays {@link TaskState#RUNNING RUNNING} until its body has finished, then ends with a
     * {@link TaskCancelledException} that carries its name. A task created in a step of a
     * single-threaded loop and cancelled before the loop's next step never runs its body (under
     * {@link LoopOptions.Threading#DEFAULT_DISPATCHER} a non-blocking body may already have started
     * on another worker). Cancelling a task that is
     * already done counts as retrieving its failure: it is not reported as never retrieved
     * (asyncio's {@code cancel()} clears that report too). It does not wait for the body to finish,
     * and throws no exception of its own.
     *
     * @return {@code false} if the request came too late: the task was already done, or its outcome
     *     was already fixed (a queue's {@code putAsync} or {@code joinAsync} task, or an event's
     *     {@code awaitAsync} task, that was served; a served lock's, semaphore's or queue's
     *     {@code getAsync} task that has not completed gives its grant back and returns
     *     {@code true}: see <a href="#cancellation">Cancellation</a>); {@code true} otherwise
     */
    boolean cancel();

    /**
     * Requests cancellation, as {@link #cancel()}, with a message that the resulting
     * {@link java.util.concurrent.CancellationException} carries (asyncio's {@code cancel(msg)}).
     * The message goes on to the task this one awaits (that its body joins, that it follows, that a
     * derived stage or a gather waits on), as asyncio's passes {@code msg} to the future it waits on.
     *
     * @param message the message of the cancellation exception
     * @return {@code false} if the request came too late, as for {@link #cancel()}; {@code true}
     *     otherwise
     * @throws NullPointerException if {@code message} is null
     */
    boolean cancel(String message);

    /**
     * Waits for the task to finish and returns its result (asyncio's {@code await task}),
     * parking the calling thread (a virtual thread parks cheaply).
     *
     * <p><b>Cancellation:</b> if the calling thread is interrupted while it waits (a blocking
     * task's thread is interrupted when that task is cancelled), this task is cancelled too
     * (cancellation goes down the chain of awaits), the call waits until it has finished, and
     * then throws {@link java.util.concurrent.CancellationException} if this task ended
     * cancelled: that delivers the request. If it ended otherwise (its clean-up failed, or it
     * failed just as the request came), the call throws its failure, the same instance, as
     * asyncio's awaiter gets it; the request was not delivered and stays pending: the interrupt
     * flag is set again, and the caller's next wait is cancelled. If the calling thread is not a
     * task's, its interrupt flag is set again before a {@code CancellationException} too. Use
     * {@link Async#shield(CompletionStage)} to wait without passing cancellation on.
     *
     * <p><b>Exceptions:</b> see <a href="#exceptions">Exceptions</a>.
     *
     * <p><b>Threading:</b> the task's actions happen-before this method returns.
     *
     * @return the task's result
     * @throws java.util.concurrent.CancellationException if the task was cancelled, or the
     *     caller was while it waited
     * @throws TaskFailedException if the body threw a checked exception (the cause)
     * @throws IllegalStateException if called on the loop's own thread, where it would block
     *     every other task: use {@link #thenCompose} or a blocking-style task instead; or from
     *     this task's own body (a task cannot join itself)
     */
    T join();

    /**
     * Waits at most {@code timeout} for the task to finish and returns its result; the task is
     * <em>not</em> cancelled when the time is up (use {@link Async#waitFor} for that). asyncio has
     * no direct equivalent: {@code asyncio.wait({task}, timeout=...)} likewise waits without
     * cancelling, but returns the done and pending sets instead of raising.
     *
     * <p><b>Cancellation:</b> as {@link #join()}.
     *
     * @param timeout how long to wait, zero or more
     * @return the task's result
     * @throws AsyncTimeoutException if the task is not done in time
     * @throws java.util.concurrent.CancellationException as {@link #join()}
     * @throws TaskFailedException as {@link #join()}
     * @throws IllegalStateException as {@link #join()}
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code timeout} is null
     */
    T join(Duration timeout);

    /**
     * Returns the result of a task that has succeeded, without waiting (JDK 19
     * {@code Future.resultNow()}; asyncio's {@code result()} on a done task). It never waits.
     *
     * @return the result
     * @throws IllegalStateException if the task is not done, failed (the exception is the cause,
     *     and the failure counts as retrieved) or was cancelled
     */
    T resultNow();

    /**
     * Returns the exception of a task that has failed, without waiting (JDK 19
     * {@code Future.exceptionNow()}; asyncio's {@code exception()}), as the body threw it:
     * never wrapped, checked or not. Marks the failure as retrieved. It never waits.
     *
     * @return the exception
     * @throws IllegalStateException if the task is not done, succeeded or was cancelled
     */
    Throwable exceptionNow();

    /**
     * Returns how a done task ended, without waiting: the value, the exception (as thrown) or the
     * cancellation. Marks a failure as retrieved. asyncio has no single equivalent: it is
     * {@code cancelled()}, {@code exception()} and {@code result()} in one call.
     *
     * @return the outcome
     * @throws IllegalStateException if the task is not done
     */
    Outcome<T> outcomeNow();

    /**
     * Adds a callback to run when the task is done (asyncio's {@code add_done_callback}).
     *
     * <p>Callbacks never run inside this method nor on the completing thread's stack: each is
     * scheduled on the task's loop with {@link Loop#callSoon}, in the order they were added, once
     * the task is done (at once if it already is, unless the completion has not yet scheduled all the
     * callbacks added before it, as when a stage's function registered earlier runs on the completing
     * thread and adds one: then right after them); they run in that order on a single-threaded loop
     * (under {@link LoopOptions.Threading#DEFAULT_DISPATCHER} callbacks may run in parallel). An exception from a callback goes to the
     * loop's exception handler. Adding a callback counts as retrieving a failure. It never waits.
     *
     * @param callback receives this task, done
     * @throws NullPointerException if {@code callback} is null
     * @throws IllegalStateException if the task's loop is closed (as asyncio's {@code call_soon}
     *     refuses), even when the task is done
     */
    void addDoneCallback(Consumer<? super Task<T>> callback);

    /**
     * Removes every registration of {@code callback} (the same object, by {@code ==}) that has not
     * been scheduled yet (asyncio's {@code remove_done_callback}): a long-lived task watched by
     * many short-lived waiters does not keep their callbacks. Once the task is done its callbacks
     * are scheduled, and there is nothing left to remove.
     *
     * <p>Thread-safe: a registration removed here never runs; one that this call finds scheduled
     * already (the task completed meanwhile) runs and is not counted. It never waits.
     *
     * @param callback the callback given to {@link #addDoneCallback}
     * @return how many registrations were removed (0 if none)
     * @throws NullPointerException if {@code callback} is null
     */
    int removeDoneCallback(Consumer<? super Task<T>> callback);

    /**
     * Returns a new {@link CompletableFuture} that completes when this task is done, under
     * {@code CompletableFuture}'s own contract: the JDK bridge.
     *
     * <p>Cancelling the view requests cancellation of the task (the view itself is cancelled at
     * once, as its contract says; the task finishes later). It completes with the task's result,
     * with the exception as the body threw it (so {@code get()} wraps it in
     * {@code ExecutionException}, and {@code join()} in {@code CompletionException}), or with the
     * task's {@code CancellationException}. Its {@code ...Async} methods without an executor run
     * on the task's loop. Each call makes a new view; a view counts as retrieving a failure.
     *
     * <p>Unlike a plain {@code CompletableFuture}'s, a stage derived from the view (and its
     * {@code copy()}) passes its cancellation up to the view, and so to the task, as cancelling an
     * asyncio coroutine cancels what it awaits: a non-blocking body may return
     * {@code task.toCompletableFuture().thenApply(f)} and still be cancelled through it.
     *
     * <p>asyncio has no equivalent (the nearest is the {@code concurrent.futures.Future} of
     * {@code run_coroutine_threadsafe}). It never waits and throws nothing, on a closed loop too.
     *
     * @return a view of this task as a {@code CompletableFuture}
     */
    @Override
    CompletableFuture<T> toCompletableFuture();

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> thenApply(Function<? super T, ? extends U> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> thenApplyAsync(Function<? super T, ? extends U> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> thenApplyAsync(Function<? super T, ? extends U> fn, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> thenAccept(Consumer<? super T> action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> thenAcceptAsync(Consumer<? super T> action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> thenAcceptAsync(Consumer<? super T> action, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> thenRun(Runnable action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> thenRunAsync(Runnable action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> thenRunAsync(Runnable action, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object, V extends @Nullable Object> Task<V> thenCombine(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object, V extends @Nullable Object> Task<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object, V extends @Nullable Object> Task<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<@Nullable Void> thenAcceptBoth(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<@Nullable Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<@Nullable Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> runAfterBoth(CompletionStage<?> other, Runnable action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> runAfterBothAsync(CompletionStage<?> other, Runnable action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> runAfterBothAsync(CompletionStage<?> other, Runnable action, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> runAfterEither(CompletionStage<?> other, Runnable action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<@Nullable Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> handle(BiFunction<? super @Nullable T, @Nullable Throwable, ? extends U> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> handleAsync(BiFunction<? super @Nullable T, @Nullable Throwable, ? extends U> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    <U extends @Nullable Object> Task<U> handleAsync(BiFunction<? super @Nullable T, @Nullable Throwable, ? extends U> fn, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine, in a
     * {@code finally}. Unlike {@code CompletableFuture}'s, an action that throws on a cancellation
     * makes the returned task fail with what it threw, not with the cancellation.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<T> whenComplete(BiConsumer<? super @Nullable T, ? super @Nullable Throwable> action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine, in a
     * {@code finally}. Unlike {@code CompletableFuture}'s, an action that throws on a cancellation
     * makes the returned task fail with what it threw, not with the cancellation.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<T> whenCompleteAsync(BiConsumer<? super @Nullable T, ? super @Nullable Throwable> action);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine, in a
     * {@code finally}. Unlike {@code CompletableFuture}'s, an action that throws on a cancellation
     * makes the returned task fail with what it threw, not with the cancellation.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<T> whenCompleteAsync(BiConsumer<? super @Nullable T, ? super @Nullable Throwable> action, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<T> exceptionally(Function<Throwable, ? extends T> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<T> exceptionallyAsync(Function<Throwable, ? extends T> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<T> exceptionallyAsync(Function<Throwable, ? extends T> fn, Executor executor);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn);

    /**
     * {@inheritDoc} <p>Returns a task on this task's loop: see <a href="#composition">Composition</a>
     * for its cancellation, exceptions and threading. asyncio has no equivalent method: the
     * function is the code that follows an {@code await} of this task in a coroutine.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this task's loop is closed
     */
    @Override
    Task<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn, Executor executor);
}
