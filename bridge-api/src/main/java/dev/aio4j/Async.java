package dev.aio4j;

import dev.aio4j.spi.AsyncProvider;
import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncIterable;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The entry point of aio4j: asyncio's module-level functions.
 *
 * <pre>{@code
 * String r = Async.run(loop -> {
 *     Task<String> a = loop.createTask(() -> fetch("a"));          // blocking style
 *     Task<String> b = loop.createTaskAsync(() -> fetchAsync("b")); // non-blocking style
 *     return String.join(",", Async.gather(a, b).join());
 * });
 * }</pre>
 *
 * <h2 id="general">General rules</h2>
 * <ul>
 * <li>The functions that return a {@link Task} never hold a thread while they wait; they work the
 *     same in both body styles. Their task belongs to the loop of their first argument, or to the
 *     {@linkplain Loop#current() current loop}; with neither they throw
 *     {@link IllegalStateException}. Tasks of different loops cannot be mixed
 *     ({@link IllegalArgumentException}).
 * <li>The functions that block ({@link #sleep}, {@link #timeout}, {@link #taskGroup}) park the
 *     calling thread, and refuse to run on a loop's own thread ({@link IllegalStateException}).
 *     An interrupt of the calling thread while it waits is a cancellation: they throw
 *     {@link java.util.concurrent.CancellationException}.
 * <li>Exceptions follow the rule of <a href="Task.html#exceptions">Task</a>; cancellation the
 *     rules of <a href="Task.html#cancellation">Task</a>.
 * <li>{@code null} arguments throw {@link NullPointerException} naming the parameter; negative
 *     durations throw {@link IllegalArgumentException}.
 * <li>Everything here is safe to call from any thread.
 * </ul>
 *
 * <p>With only {@code dev.aio4j:bridge-api} on the class path and not
 * {@code dev.aio4j:bridge-impl}, the first call throws {@link IllegalStateException} saying so.
 */
public final class Async {
    private Async() {}

    static AsyncProvider provider() {
        return AsyncProvider.get();
    }

    // ---------------------------------------------------------------------------------- run

    /**
     * Runs {@code main} as the first task of a new single-threaded loop, on the calling thread,
     * and returns its result (asyncio's {@code asyncio.run}). {@code main} is a blocking-style body
     * (it runs on a thread of its own, a virtual thread on JDK 21 and later, a pooled platform
     * thread before, and may {@code join}); the calling thread runs the loop. {@code main} is the
     * task named {@code "main"}, and its thread carries that name while it runs, as every named
     * task's does: in a thread dump taken from a run begun on the JVM's main thread, two threads
     * are then named {@code main}, the loop's (the caller) and the body's.
     * When {@code main} returns or throws, tasks still pending are cancelled and waited for, the
     * loop's thread pool is shut down, and the loop is closed: no task of the run outlives it.
     * Runs nest: a blocking-style task (or a {@code toThread} body) may call it, and its thread then
     * runs the new loop; the current loop and task are the outer ones again when it returns, and
     * cancelling the outer task cancels the inner {@code main}.
     *
     * <p><b>Cancellation:</b> interrupting the calling thread cancels {@code main} (as asyncio's
     * {@code KeyboardInterrupt}); the run ends as above and throws
     * {@link java.util.concurrent.CancellationException} with the interrupt flag set again.
     *
     * <p><b>Exceptions:</b> what {@code main} throws, by the rule of
     * <a href="Task.html#exceptions">Task</a>. Failures of other tasks that nobody retrieved go to
     * the loop's exception handler before the loop closes.
     *
     * @param main the body of the main task; receives the loop
     * @param <T> the type of the result
     * @return what {@code main} returned
     * @throws NullPointerException if {@code main} is null
     * @throws IllegalStateException if called on a loop's thread
     */
    public static <T extends @Nullable Object> T run(ThrowingFunction<? super Loop, ? extends T> main) {
        return run(LoopOptions.defaults(), main);
    }

    /**
     * Runs {@code main} on a new loop made with {@code options} (asyncio's {@code asyncio.run(main(),
     * debug=..., loop_factory=...)}); see {@link #run(ThrowingFunction)} for its cancellation and
     * exceptions.
     *
     * @param options how the loop is made
     * @param main the body of the main task; receives the loop
     * @param <T> the type of the result
     * @return what {@code main} returned
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if called on a loop's thread
     */
    public static <T extends @Nullable Object> T run(LoopOptions options, ThrowingFunction<? super Loop, ? extends T> main) {
        Objects.requireNonNull(options, "options (Async.run)");
        Objects.requireNonNull(main, "main (Async.run)");
        return provider().run(options, main);
    }

    /**
     * Runs a {@code main} that returns nothing (asyncio's {@code asyncio.run(main())} of an
     * {@code async def main()}): {@link #run(ThrowingFunction)} without a result. {@code main}
     * reaches its loop with {@link Loop#current()}. Cancellation and exceptions are those of
     * {@link #run(ThrowingFunction)}.
     *
     * @param main the body of the main task
     * @throws NullPointerException if {@code main} is null
     * @throws IllegalStateException if called on a loop's thread
     */
    public static void run(ThrowingRunnable main) {
        run(LoopOptions.defaults(), main);
    }

    /**
     * Runs a {@code main} that returns nothing on a new loop made with {@code options} (asyncio's
     * {@code asyncio.run(main(), debug=...)}); see {@link #run(ThrowingRunnable)}.
     *
     * @param options how the loop is made
     * @param main the body of the main task
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if called on a loop's thread
     */
    public static void run(LoopOptions options, ThrowingRunnable main) {
        Objects.requireNonNull(main, "main (Async.run)");
        run(options, loop -> {
            main.run();
            return null;
        });
    }

    /**
     * Runs a non-blocking {@code main} on a new single-threaded loop, on the calling thread, and
     * returns its result: {@link #run(ThrowingFunction)} for a body that returns a stage (asyncio's
     * {@code asyncio.run(main())} of a coroutine that awaits that stage). The body is called on the
     * loop's thread.
     *
     * <p><b>Cancellation:</b> as {@link #run(ThrowingFunction)}: interrupting the calling thread
     * cancels the main task (and so the stage it returned); the run ends as there and throws
     * {@link java.util.concurrent.CancellationException} with the interrupt flag set again.
     *
     * <p><b>Exceptions:</b> what {@code main} throws, or its stage fails with, by the rule of
     * <a href="Task.html#exceptions">Task</a>.
     *
     * @param main returns the stage whose result the run returns
     * @param <T> the type of the result
     * @return the stage's result
     * @throws NullPointerException if {@code main} is null
     * @throws IllegalStateException if called on a loop's thread
     */
    public static <T extends @Nullable Object> T runAsync(ThrowingFunction<? super Loop, ? extends CompletionStage<? extends T>> main) {
        return runAsync(LoopOptions.defaults(), main);
    }

    /**
     * Runs a non-blocking {@code main} on a new loop made with {@code options} (asyncio's
     * {@code asyncio.run(main(), debug=...)}); see {@link #runAsync(ThrowingFunction)} for its
     * cancellation and exceptions.
     *
     * @param options how the loop is made
     * @param main returns the stage whose result the run returns
     * @param <T> the type of the result
     * @return the stage's result
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if called on a loop's thread
     */
    public static <T extends @Nullable Object> T runAsync(LoopOptions options, ThrowingFunction<? super Loop, ? extends CompletionStage<? extends T>> main) {
        Objects.requireNonNull(options, "options (Async.runAsync)");
        Objects.requireNonNull(main, "main (Async.runAsync)");
        return provider().runAsync(options, main);
    }

    /**
     * Creates a loop that no thread runs yet (asyncio's {@code new_event_loop}). Run it with
     * {@link Loop#runUntilComplete} or {@link Loop#runForever}; {@link Loop#close()} it when done.
     *
     * <p><b>Cancellation:</b> none; it returns at once.
     *
     * @return a new single-threaded loop
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    public static Loop newLoop() {
        return newLoop(LoopOptions.defaults());
    }

    /**
     * Creates a loop made with {@code options} (asyncio's {@code new_event_loop()}, with
     * {@code set_debug()} and the like); see {@link #newLoop()}. It returns at once.
     *
     * @param options how the loop is made
     * @return a new loop
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    public static Loop newLoop(LoopOptions options) {
        Objects.requireNonNull(options, "options (Async.newLoop)");
        return provider().newLoop(options);
    }

    /**
     * Returns the task whose body is running on the calling thread (asyncio's
     * {@code current_task()}): the blocking-style task of this thread; on a loop's thread, the
     * non-blocking task whose body is being called, or the task of the Kotlin coroutine a step of
     * which is running, at every one of its steps (a {@code CoroutineScope.task} of aio4j's Kotlin
     * API, and the coroutines launched inside it). A suspend function called through
     * {@code Suspend.call} runs as the calling task until it first suspends, and as the call's own
     * task after. A plain callback ({@code callSoon}, a stage's continuation run after the body
     * returned) runs in no task.
     *
     * <p><b>Cancellation:</b> none; it returns at once. <b>Exceptions:</b> none.
     * <b>Threading:</b> any thread; the answer is about the calling thread.
     *
     * @return the current task, or {@code null} if there is none
     */
    public static @Nullable Task<?> currentTask() {
        return provider().currentTask();
    }

    // -------------------------------------------------------------------------------- sleep

    /**
     * Parks the calling thread for {@code delay} (asyncio's {@code await asyncio.sleep(delay)}, for
     * blocking-style bodies).
     *
     * <p>{@code sleep(Duration.ZERO)} is one step of the calling task's loop ({@code await
     * asyncio.sleep(0)}): when it returns, the callbacks scheduled on the loop before it, and the
     * timers due before it, have run. That order is the single-threaded loop's: under
     * {@link LoopOptions.Threading#DEFAULT_DISPATCHER} callbacks run in parallel, and one scheduled
     * just before may still be pending or running when it returns. On a thread that belongs to no
     * loop it only checks for an interrupt, as {@code Thread.sleep(0)} does.
     *
     * <p><b>Cancellation:</b> an interrupt (the cancellation of the calling task, or the expiry of
     * an enclosing {@link #timeout}) ends the sleep with
     * {@link java.util.concurrent.CancellationException}; one that is pending when it is called,
     * or that arrives during the step of {@code sleep(Duration.ZERO)}, throws there too. On a
     * thread that belongs to no task, the interrupt flag is set again.
     *
     * @param delay how long, zero or more
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException if called on a loop's thread: use {@link #sleepAsync} there
     * @throws java.util.concurrent.CancellationException if interrupted while asleep
     */
    public static void sleep(Duration delay) {
        requireNonNegative(delay, "delay", "Async.sleep");
        provider().sleep(delay);
    }

    /**
     * Returns a task that completes after {@code delay} on the current loop's timers (asyncio's
     * {@code asyncio.sleep(delay)} as an awaitable). {@code sleepAsync(Duration.ZERO)} completes on
     * the loop's next iteration, after the callbacks and timers due before it: it yields to the
     * other callbacks, as {@code sleep(0)} does (on a single-threaded loop; under
     * {@link LoopOptions.Threading#DEFAULT_DISPATCHER} callbacks run in parallel and that order is
     * not kept).
     *
     * <p><b>Cancellation:</b> cancelling the task removes its timer and cancels it at once.
     *
     * @param delay how long, zero or more
     * @return a task that completes with {@code null} after {@code delay}
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    public static Task<@Nullable Void> sleepAsync(Duration delay) {
        requireNonNegative(delay, "delay", "Async.sleepAsync");
        return provider().sleepAsync(delay);
    }

    // ------------------------------------------------------------------------------- gather

    /**
     * Returns a task that completes with the results of {@code tasks}, in argument order
     * (asyncio's {@code gather}). Stages that are not tasks are adopted by the loop.
     *
     * <p><b>Cancellation:</b> cancelling the returned task cancels every one of {@code tasks} and
     * completes when they are all done. A cancellation of one of {@code tasks} ends the gather with
     * that {@link java.util.concurrent.CancellationException}, and the others are not cancelled.
     * The gather's state is then {@link TaskState#CANCELLED CANCELLED}, as for every task that
     * ends with a {@code CancellationException}, where asyncio's {@code gather().cancelled()} is
     * false (awaiting it raises {@code CancelledError} in both).
     *
     * <p><b>Exceptions:</b> the first failure fails the gather at once, with that exception as the
     * task threw it; the other tasks keep running and their later failures count as retrieved.
     *
     * @param tasks the tasks; none gives a task already done with an empty list
     * @param <T> the type of the results
     * @return a task of the results
     * @throws NullPointerException if {@code tasks} or one of them is null
     * @throws IllegalArgumentException if the tasks belong to different loops
     * @throws IllegalStateException if the tasks' loop is closed, or if none of {@code tasks} is a
     *     task (none at all, or only other stages) and the calling thread has no loop
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array only goes to Arrays.asList, read-only
    public static <T extends @Nullable Object> Task<List<T>> gather(CompletionStage<? extends T>... tasks) {
        Objects.requireNonNull(tasks, "tasks (Async.gather)");
        return gather(Arrays.asList(tasks));
    }

    /**
     * Gathers a collection of tasks; see {@link #gather(CompletionStage[])}.
     *
     * @param tasks the tasks, in the order of the results
     * @param <T> the type of the results
     * @return a task of the results
     * @throws NullPointerException if {@code tasks} or one of them is null
     * @throws IllegalArgumentException if the tasks belong to different loops
     * @throws IllegalStateException if the tasks' loop is closed, or if none of {@code tasks} is a
     *     task (none at all, or only other stages) and the calling thread has no loop
     */
    public static <T extends @Nullable Object> Task<List<T>> gather(Collection<? extends CompletionStage<? extends T>> tasks) {
        return provider().gather(snapshot(tasks, "Async.gather"));
    }

    /**
     * Returns a task that completes with how each of {@code tasks} ended, in argument order,
     * when all are done (asyncio's {@code gather(..., return_exceptions=True)}). It never fails.
     *
     * <p><b>Cancellation:</b> cancelling the returned task cancels every one of {@code tasks} and
     * completes (cancelled) when they are all done.
     *
     * @param tasks the tasks
     * @param <T> the type of the results
     * @return a task of the outcomes
     * @throws NullPointerException if {@code tasks} or one of them is null
     * @throws IllegalArgumentException if the tasks belong to different loops
     * @throws IllegalStateException if the tasks' loop is closed, or if none of {@code tasks} is a
     *     task (none at all, or only other stages) and the calling thread has no loop
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array only goes to Arrays.asList, read-only
    public static <T extends @Nullable Object> Task<List<Outcome<T>>> gatherOutcomes(CompletionStage<? extends T>... tasks) {
        Objects.requireNonNull(tasks, "tasks (Async.gatherOutcomes)");
        return gatherOutcomes(Arrays.asList(tasks));
    }

    /**
     * Gathers the outcomes of a collection of tasks; see {@link #gatherOutcomes(CompletionStage[])}.
     *
     * @param tasks the tasks, in the order of the outcomes
     * @param <T> the type of the results
     * @return a task of the outcomes
     * @throws NullPointerException if {@code tasks} or one of them is null
     * @throws IllegalArgumentException if the tasks belong to different loops
     * @throws IllegalStateException if the tasks' loop is closed, or if none of {@code tasks} is a
     *     task (none at all, or only other stages) and the calling thread has no loop
     */
    public static <T extends @Nullable Object> Task<List<Outcome<T>>> gatherOutcomes(Collection<? extends CompletionStage<? extends T>> tasks) {
        return provider().gatherOutcomes(snapshot(tasks, "Async.gatherOutcomes"));
    }

    // --------------------------------------------------------------------------------- wait

    /**
     * Waits until all of {@code tasks} are done; see {@link #wait(Collection, ReturnWhen, Duration)}.
     *
     * @param tasks the tasks, at least one
     * @param <T> the type of the results
     * @return a task of the done/pending split
     * @throws NullPointerException if {@code tasks} or one of them is null
     * @throws IllegalArgumentException if {@code tasks} is empty or spans loops
     * @throws IllegalStateException if the tasks' loop is closed
     */
    public static <T extends @Nullable Object> Task<Done<T>> wait(Collection<? extends Task<? extends T>> tasks) {
        return wait(tasks, ReturnWhen.ALL_COMPLETED);
    }

    /**
     * Waits until {@code returnWhen} is met; see {@link #wait(Collection, ReturnWhen, Duration)}.
     *
     * @param tasks the tasks, at least one
     * @param returnWhen when to return
     * @param <T> the type of the results
     * @return a task of the done/pending split
     * @throws NullPointerException if an argument or task is null
     * @throws IllegalArgumentException if {@code tasks} is empty or spans loops
     * @throws IllegalStateException if the tasks' loop is closed
     */
    public static <T extends @Nullable Object> Task<Done<T>> wait(Collection<? extends Task<? extends T>> tasks, ReturnWhen returnWhen) {
        Objects.requireNonNull(returnWhen, "returnWhen (Async.wait)");
        return provider().wait(copyOf(tasks, "Async.wait"), returnWhen, null);
    }

    /**
     * Returns a task that completes with the split of {@code tasks} into done and pending once
     * {@code returnWhen} is met or {@code timeout} has passed, whichever comes first (asyncio's
     * {@code wait}). It never cancels any of {@code tasks}, never fails because of them, and does
     * not retrieve their failures.
     *
     * <p><b>Cancellation:</b> cancelling the returned task cancels only the wait. Cancelling the
     * pending ones afterwards (asyncio's select idiom over queues' {@code getAsync()} tasks) loses
     * nothing when done in the step that received the split on a single-threaded loop: a getter
     * that was handed its item but has not completed gives it back when cancelled. Elsewhere (a
     * blocking-style body, a {@code DEFAULT_DISPATCHER} loop) a pending task may complete between
     * the split and the {@code cancel()}: take the result of one whose {@code cancel()} returns
     * {@code false}.
     *
     * @param tasks the tasks, at least one
     * @param returnWhen when to return
     * @param timeout the longest wait, zero or more; when it passes the task completes with what is
     *     done then
     * @param <T> the type of the results
     * @return a task of the done/pending split
     * @throws NullPointerException if an argument or task is null
     * @throws IllegalArgumentException if {@code tasks} is empty or spans loops, or
     *     {@code timeout} is negative
     * @throws IllegalStateException if the tasks' loop is closed
     */
    public static <T extends @Nullable Object> Task<Done<T>> wait(Collection<? extends Task<? extends T>> tasks, ReturnWhen returnWhen, Duration timeout) {
        Objects.requireNonNull(returnWhen, "returnWhen (Async.wait)");
        requireNonNegative(timeout, "timeout", "Async.wait");
        return provider().wait(copyOf(tasks, "Async.wait"), returnWhen, timeout);
    }

    // ------------------------------------------------------------------------- asCompleted

    /**
     * Returns {@code tasks} in the order they complete (asyncio's {@code as_completed}), for a
     * blocking-style body: each {@code next()} of the iterator parks until one more task is done
     * and returns it, done. Iterating never cancels the tasks.
     *
     * <p><b>Cancellation:</b> an interrupt while {@code hasNext()} or {@code next()} waits throws
     * {@link java.util.concurrent.CancellationException}; the tasks are left alone.
     *
     * <p><b>Leaving early:</b> an iteration registers with every task when it begins, and a
     * registration goes only when its task completes (asyncio's {@code as_completed} keeps its
     * callbacks the same way): a loop left early ({@code break}, a throw) keeps the iteration, and
     * the tasks it was given, reachable from each task still pending. Over a long-lived task (a
     * shutdown signal) in a loop that runs many times, that adds up; there, use
     * {@link #asCompletedAsync(Collection)} and close its iterator, or {@link #wait(Collection, ReturnWhen)} with
     * {@link ReturnWhen#FIRST_COMPLETED}, which withdraw their registrations.
     *
     * @param tasks the tasks; none gives an empty iteration
     * @param <T> the type of the results
     * @return the tasks, in completion order; each iteration walks them anew
     * @throws NullPointerException if {@code tasks} or one of them is null
     * @throws IllegalArgumentException if the tasks belong to different loops
     * @throws IllegalStateException if their loop is closed; from the iterator's {@code next()}, when
     *     it would have to wait on a loop's thread (a task already done is returned there)
     */
    public static <T extends @Nullable Object> Iterable<Task<T>> asCompleted(Collection<? extends Task<? extends T>> tasks) {
        return provider().asCompleted(copyOf(tasks, "Async.asCompleted"), null);
    }

    /**
     * As {@link #asCompleted(Collection)}, with a deadline for the whole iteration: once
     * {@code timeout} has passed since this call, the waiting {@code next()} throws
     * {@link AsyncTimeoutException} (asyncio's {@code as_completed(timeout=)}), and so does every
     * later one that finds no task it had already seen done: the walk has let go of the tasks
     * still pending, as asyncio removes its callbacks then.
     *
     * <p><b>Cancellation:</b> as {@link #asCompleted(Collection)}; the deadline cancels none of
     * the tasks either.
     *
     * @param tasks the tasks
     * @param timeout the deadline for all of them, zero or more
     * @param <T> the type of the results
     * @return the tasks, in completion order
     * @throws NullPointerException if an argument or task is null
     * @throws IllegalArgumentException if {@code timeout} is negative, or the tasks belong to
     *     different loops
     * @throws IllegalStateException if their loop is closed; from the iterator's {@code next()}, when
     *     it would have to wait on a loop's thread (a task already done is returned there)
     */
    public static <T extends @Nullable Object> Iterable<Task<T>> asCompleted(Collection<? extends Task<? extends T>> tasks, Duration timeout) {
        requireNonNegative(timeout, "timeout", "Async.asCompleted");
        return provider().asCompleted(copyOf(tasks, "Async.asCompleted"), timeout);
    }

    /**
     * Returns {@code tasks} in the order they complete, as an {@link AsyncIterable} for
     * non-blocking bodies (asyncio's {@code async for t in as_completed(...)}); no thread waits.
     *
     * <p><b>Cancellation:</b> the walk never cancels the tasks; closing its iterator (which
     * {@link AsyncIterable#forEach} and the other consumers do when they stop early, fail or are
     * cancelled) lets go of the tasks still pending.
     *
     * @param tasks the tasks; none gives an empty iteration
     * @param <T> the type of the results
     * @return the tasks, in completion order
     * @throws NullPointerException if {@code tasks} or one of them is null
     * @throws IllegalArgumentException if the tasks belong to different loops
     * @throws IllegalStateException if their loop is closed, or, with no tasks, if the calling
     *     thread belongs to no loop
     */
    public static <T extends @Nullable Object> AsyncIterable<Task<T>> asCompletedAsync(Collection<? extends Task<? extends T>> tasks) {
        return provider().asCompletedAsync(copyOf(tasks, "Async.asCompletedAsync"), null);
    }

    /**
     * As {@link #asCompletedAsync(Collection)}, with a deadline: once {@code timeout} has passed
     * since this call, a pending {@code hasNext()} fails with {@link AsyncTimeoutException}, and so
     * does every later one that finds no task it had already seen done: the walk has let go of the
     * tasks still pending (as its {@code closeAsync()} does), as asyncio removes its callbacks then.
     *
     * <p><b>Cancellation:</b> as {@link #asCompletedAsync(Collection)}; the deadline cancels none
     * of the tasks either.
     *
     * @param tasks the tasks
     * @param timeout the deadline for all of them, zero or more
     * @param <T> the type of the results
     * @return the tasks, in completion order
     * @throws NullPointerException if an argument or task is null
     * @throws IllegalArgumentException if {@code timeout} is negative, or the tasks belong to
     *     different loops
     * @throws IllegalStateException if their loop is closed, or, with no tasks, if the calling
     *     thread belongs to no loop
     */
    public static <T extends @Nullable Object> AsyncIterable<Task<T>> asCompletedAsync(Collection<? extends Task<? extends T>> tasks, Duration timeout) {
        requireNonNegative(timeout, "timeout", "Async.asCompletedAsync");
        return provider().asCompletedAsync(copyOf(tasks, "Async.asCompletedAsync"), timeout);
    }

    // ------------------------------------------------------------------ timeouts and shield

    /**
     * Returns a task that completes as {@code task} does, unless {@code timeout} passes first: then
     * {@code task} is cancelled, and once it has finished, the returned task fails with
     * {@link AsyncTimeoutException} (asyncio's {@code wait_for}). If {@code task} finished with a
     * result before the cancellation reached it, that result wins; if it ends with an exception
     * other than a cancellation (its clean-up failed), that exception wins (asyncio 3.12). A task
     * the cancellation reached ends cancelled even if its body returns a value then (see
     * {@link Task}), so the timeout wins over such a late value.
     *
     * <p><b>Cancellation:</b> cancelling the returned task cancels {@code task}, and stays a
     * cancellation.
     *
     * @param task the task (a stage is adopted)
     * @param timeout how long, zero or more
     * @param <T> the type of the result
     * @return a task of the result
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException if the task's loop is closed, or if {@code task} is a stage that
     *     is not a task and the calling thread belongs to no loop
     */
    public static <T extends @Nullable Object> Task<T> waitFor(CompletionStage<T> task, Duration timeout) {
        Objects.requireNonNull(task, "task (Async.waitFor)");
        requireNonNegative(timeout, "timeout", "Async.waitFor");
        return provider().waitFor(task, timeout);
    }

    /**
     * Runs {@code body} on the calling thread with a deadline (asyncio's
     * {@code async with asyncio.timeout(delay)}): when {@code timeout} passes, the thread is
     * interrupted, and the cancellation that results (aio4j's blocking calls throw
     * {@link java.util.concurrent.CancellationException}, others {@link InterruptedException}) is
     * turned into {@link AsyncTimeoutException}.
     *
     * <p><b>Cancellation:</b> only the deadline's own interrupt becomes the timeout exception; a
     * cancellation of the calling task made while the body runs stays a cancellation, and so does
     * one made before the call and not yet delivered (the task was cancelled while it computed: the
     * body's first wait ends on it, whether or not the deadline passes meanwhile). Every other
     * request stays pending (asyncio counts them with {@code cancelling()}/{@code uncancel()}): when
     * an enclosing timeout's deadline has passed too while the body ran, this one converts nothing
     * and lets the {@link java.util.concurrent.CancellationException} through, and the enclosing
     * one raises its timeout (asyncio's rule: a timeout converts only when no other request is
     * pending), so that an expired enclosing scope is never left without its timeout; in cleanup
     * code after a caught cancellation, the timeout is this one's own and leaves no interrupt
     * behind.
     *
     * @param timeout how long, zero or more
     * @param body the body, run on the calling thread
     * @param <T> the type of the result
     * @return what {@code body} returned
     * @throws AsyncTimeoutException if the deadline passed and interrupted the body
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException if called on a loop's thread, or outside any loop (its timer is the
     *     current loop's: call it from a blocking-style task)
     * @throws TaskFailedException if {@code body} threw a checked exception
     */
    public static <T extends @Nullable Object> T timeout(Duration timeout, Callable<? extends T> body) {
        requireNonNegative(timeout, "timeout", "Async.timeout");
        Objects.requireNonNull(body, "body (Async.timeout)");
        return provider().timeout(timeout, body);
    }

    /**
     * Runs a non-blocking {@code body} with a deadline, as a task (asyncio's {@code timeout()}
     * around an {@code await}): when {@code timeout} passes, the stage {@code body} returned is
     * cancelled, and when it has completed, the task fails with {@link AsyncTimeoutException}.
     * {@code body} is called on the loop.
     *
     * <p><b>Cancellation:</b> cancelling the returned task cancels the stage and stays a
     * cancellation.
     *
     * @param timeout how long, zero or more
     * @param body returns the stage to wait for
     * @param <T> the type of the result
     * @return a task of the result
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    public static <T extends @Nullable Object> Task<T> timeoutAsync(Duration timeout, Callable<? extends CompletionStage<? extends T>> body) {
        requireNonNegative(timeout, "timeout", "Async.timeoutAsync");
        Objects.requireNonNull(body, "body (Async.timeoutAsync)");
        return provider().timeoutAsync(timeout, body);
    }

    /**
     * As {@link #timeout(Duration, Callable)}, with the deadline handed to {@code body} as a
     * {@link TimeoutScope} that it may read and move (asyncio's
     * {@code async with asyncio.timeout(delay) as cm}, with {@code cm.when()},
     * {@code cm.reschedule()} and {@code cm.expired()}). A separate name rather than an overload of
     * {@code timeout}, so that a method reference body such as {@code task::join} stays unambiguous.
     *
     * <p><b>Cancellation:</b> when the deadline passes, the calling thread is interrupted; the
     * scope turns only that request into {@link AsyncTimeoutException}: a cancellation of the
     * calling task made while the body runs, or pending undelivered at the call, stays a
     * cancellation, and when an enclosing scope expired too (while the body ran, or before the
     * call without a wait since), the cancellation goes through to it, which raises its timeout
     * (see {@link #timeout(Duration, Callable)}).
     *
     * @param timeout how long from now until the first deadline, zero or more
     * @param body the body, run on the calling thread with the scope
     * @param <T> the type of the result
     * @return what {@code body} returned
     * @throws AsyncTimeoutException if the deadline passed and interrupted the body
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException if called on a loop's thread, or outside any loop (its timer is the
     *     current loop's: call it from a blocking-style task)
     * @throws TaskFailedException if {@code body} threw a checked exception
     */
    public static <T extends @Nullable Object> T timeoutScope(Duration timeout, ThrowingFunction<? super TimeoutScope, ? extends T> body) {
        requireNonNegative(timeout, "timeout", "Async.timeoutScope");
        Objects.requireNonNull(body, "body (Async.timeoutScope)");
        return provider().timeoutScope(timeout, body);
    }

    /**
     * As {@link #timeoutAsync(Duration, Callable)}, with the deadline handed to {@code body} as a
     * {@link TimeoutScope} that it, or the stages it composes, may read and move (asyncio's
     * {@code Timeout} object). {@code body} is called on the loop.
     *
     * <p><b>Cancellation:</b> when the deadline passes, the stage {@code body} returned is cancelled
     * and, once it has completed cancelled, the task fails with {@link AsyncTimeoutException};
     * cancelling the returned task cancels the stage and stays a cancellation. A stage that
     * {@code exceptionally} or {@code handle} derived to swallow the cancellation still ends
     * cancelled (a derived task that received a request does, see {@link Task}), so the scope
     * fails with the timeout; a blocking body that catches the interrupt and returns makes
     * {@link #timeoutScope} return its value instead, as asyncio's scope does.
     *
     * @param timeout how long from now until the first deadline, zero or more
     * @param body returns the stage to wait for, given the scope; what it throws fails the task
     * @param <T> the type of the result
     * @return a task of the result
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    public static <T extends @Nullable Object> Task<T> timeoutScopeAsync(
            Duration timeout, ThrowingFunction<? super TimeoutScope, ? extends CompletionStage<? extends T>> body) {
        requireNonNegative(timeout, "timeout", "Async.timeoutScopeAsync");
        Objects.requireNonNull(body, "body (Async.timeoutScopeAsync)");
        return provider().timeoutScopeAsync(timeout, body);
    }

    /**
     * Returns a task that completes as {@code task} does, but whose cancellation does not reach
     * {@code task} (asyncio's {@code shield}): awaiting the shield from a task that gets cancelled
     * cancels only the shield, and {@code task} runs on.
     *
     * <p><b>Exceptions:</b> the shield completes with {@code task}'s result or the same exception
     * instance. Once the shield is cancelled, a later failure of {@code task} that nobody else looks
     * at is reported to the loop's exception handler ("never retrieved"), where asyncio's
     * {@code shield} marks it retrieved and drops it: the caller that walked away has no other way
     * to learn of it.
     *
     * <p><b>Threading:</b> may be called from any thread; the shield belongs to {@code task}'s loop.
     *
     * @param task the task to protect (a stage is adopted)
     * @param <T> the type of the result
     * @return the shield
     * @throws NullPointerException if {@code task} is null
     * @throws IllegalStateException if the task's loop is closed, or if {@code task} is a stage that
     *     is not a task and the calling thread belongs to no loop
     */
    public static <T extends @Nullable Object> Task<T> shield(CompletionStage<T> task) {
        Objects.requireNonNull(task, "task (Async.shield)");
        return provider().shield(task);
    }

    // ---------------------------------------------------------------------------- threads

    /**
     * Runs blocking code on the current loop's thread pool, as a task (asyncio's
     * {@code to_thread}). The pool is made of platform threads, so that code that pins or hogs a
     * carrier thread (CPU-bound work, {@code synchronized} I/O on JDK 21–23) does not starve
     * virtual threads; it is shut down, after waiting for what runs on it, when the loop closes.
     *
     * <p><b>Cancellation:</b> cancelling the task interrupts the thread; the task is
     * {@code CANCELLED} when {@code body} has returned (asyncio's {@code to_thread} task is cancelled
     * at once while the thread runs on).
     *
     * @param body the blocking code
     * @param <T> the type of the result
     * @return a task of the result
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    public static <T extends @Nullable Object> Task<T> toThread(Callable<? extends T> body) {
        Objects.requireNonNull(body, "body (Async.toThread)");
        return provider().toThread(body);
    }

    // ----------------------------------------------------------------------------- groups

    /**
     * Runs {@code body} on the calling thread with a new {@link TaskGroup} of the current loop,
     * then waits for every task of the group (asyncio's {@code async with TaskGroup() as tg}).
     *
     * <p><b>Cancellation:</b> when a task of the group fails, the others are cancelled and, if
     * {@code body} is still running, the calling thread is interrupted; once all have finished,
     * that failure is thrown (not a cancellation). A cancellation of the calling task from
     * outside cancels the group's tasks and stays a cancellation, unless a task of the group
     * failed meanwhile: its failure wins, as in asyncio.
     *
     * <p><b>Exceptions:</b> the first failure, by the rule of <a href="Task.html#exceptions">Task</a>,
     * with later failures (and {@code body}'s own, if it failed after the first) suppressed.
     *
     * @param body creates the group's tasks; its result is returned once the group is done
     * @param <T> the type of the result
     * @return what {@code body} returned
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if called on a loop's thread, or outside any loop
     */
    @SuppressWarnings("overloads") // see taskGroup(ThrowingConsumer)
    public static <T extends @Nullable Object> T taskGroup(ThrowingFunction<? super TaskGroup, ? extends T> body) {
        Objects.requireNonNull(body, "body (Async.taskGroup)");
        return provider().taskGroup(body);
    }

    /**
     * Runs a {@code body} that only starts tasks with a new {@link TaskGroup}, then waits for every
     * task of the group (asyncio's {@code async with TaskGroup() as tg}); {@link #taskGroup(ThrowingFunction)}
     * without a result, with its cancellation and exceptions.
     *
     * <p>Which form a lambda picks: a block with {@code return value;}, or an expression that is
     * not a method call (a literal, a variable, {@code a + b}), picks the value form; a block
     * without {@code return} picks this one. An expression lambda that is a method call
     * ({@code tg -> start(tg)}) fits both, and javac reports the call as ambiguous: write it as a
     * block. So does a block that cannot end normally (one that ends in {@code throw}, or loops for
     * ever): give it a cast, {@code (ThrowingConsumer<TaskGroup>) tg -> { ...; throw e; }}.
     *
     * @param body creates the group's tasks
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if called on a loop's thread, or outside any loop
     */
    @SuppressWarnings("overloads") // a method-call lambda fits both forms: documented above
    public static void taskGroup(ThrowingConsumer<? super TaskGroup> body) {
        Objects.requireNonNull(body, "body (Async.taskGroup)");
        provider().taskGroup(group -> {
            body.accept(group);
            return null;
        });
    }

    /**
     * Opens a {@link TaskGroup} for a non-blocking body and returns a task that completes when the
     * stage {@code body} returns and every task of the group are done; see
     * {@link #taskGroup(ThrowingFunction)}. {@code body} is called on the loop: at once when this is
     * called in a step of the loop (asyncio's {@code async with TaskGroup()} runs its body in the
     * awaiting task), else (from a blocking-style body) in a later step, and not at all if the
     * returned task was cancelled before then.
     *
     * <p><b>Cancellation:</b> when a task of the group fails, the others and the stage are
     * cancelled, and the returned task fails with that first failure once all have finished.
     * Cancelling the returned task cancels them all and stays a cancellation, unless a task of
     * the group failed meanwhile: its failure wins, as in asyncio.
     *
     * @param body creates the group's tasks and returns the stage of the group's result
     * @param <T> the type of the result
     * @return a task of the result
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    public static <T extends @Nullable Object> Task<T> taskGroupAsync(ThrowingFunction<? super TaskGroup, ? extends CompletionStage<? extends T>> body) {
        Objects.requireNonNull(body, "body (Async.taskGroupAsync)");
        return provider().taskGroupAsync(body);
    }

    // ------------------------------------------------------------------------ async with

    /**
     * Opens a resource, runs {@code body} with it on the calling thread and closes it, waiting for
     * the closing (asyncio's {@code async with open() as r: return body(r)}) — try-with-resources
     * for an {@link AsyncCloseable}.
     *
     * <p><b>Cancellation:</b> the resource is closed once, whether {@code body} returns, throws or
     * is interrupted (the calling task cancelled); the closing is not cut short by that
     * cancellation (an interrupt during it is set again afterwards). If {@code open} fails, nothing
     * is closed.
     *
     * <p><b>Exceptions:</b> try-with-resources' rule: {@code body}'s exception wins and the
     * close's is added to it as suppressed; with none from {@code body}, the close's is thrown.
     * When {@code body}'s exception is a cancellation, the close's failure is reported to the
     * loop's exception handler as well (nobody need look into a cancellation).
     * A checked exception is wrapped once in {@link TaskFailedException}.
     *
     * @param open opens the resource (blocking style)
     * @param body uses it
     * @param <R> the type of the resource
     * @param <T> the type of the result
     * @return what {@code body} returned
     * @throws NullPointerException if {@code open} or {@code body} is null, or {@code open} returns null
     * @throws IllegalStateException if called on a loop's thread
     */
    public static <R extends AsyncCloseable, T extends @Nullable Object> T using(
            Callable<? extends R> open, ThrowingFunction<? super R, ? extends T> body) {
        Objects.requireNonNull(open, "open");
        Objects.requireNonNull(body, "body");
        return provider().using(open, body);
    }

    /**
     * Opens a resource, runs a non-blocking {@code body} with it and closes it when the body's
     * stage completes, without holding a thread (asyncio's {@code async with}).
     *
     * <p><b>Cancellation:</b> cancelling the returned task cancels what is pending ({@code open}'s
     * stage, or {@code body}'s), then closes the resource if it was opened; the closing is not cut
     * short, and the task is cancelled once it has finished. A resource that {@code open}'s stage
     * delivers is closed exactly once. An {@code open} stage that ends cancelled delivers nothing:
     * a resource made by a derived stage's function ({@code sleepAsync(d).thenApply(v -> open())})
     * is lost with the function's result when the cancellation reaches that stage while the
     * function runs, which a cancel from another thread (a blocking-style body, {@code Async.run}'s
     * own included, or any loop under {@code DEFAULT_DISPATCHER}) can do; asyncio drops the result
     * of a coroutine cancelled as it returns, too (a {@code CompletableFuture} cancelled while its
     * function runs drops it the same way). An {@code open} that makes the resource itself and
     * returns it completed has no such window.
     *
     * <p><b>Exceptions:</b> try-with-resources' rule, as {@link #using(Callable, ThrowingFunction)}:
     * the task fails with {@code body}'s failure, the close's added as suppressed (and, when the
     * task was cancelled, reported to the loop's exception handler as well). What {@code open}
     * or {@code body} throws, a checked exception included, is the task's failure as it is (its
     * {@link Task#join()} wraps a checked one once in {@link TaskFailedException}), as if their stage
     * had failed with it.
     *
     * <p><b>Threading:</b> {@code open} and {@code body} are called on the current loop.
     *
     * @param open returns the stage of the resource
     * @param body returns the stage of the result
     * @param <R> the type of the resource
     * @param <T> the type of the result
     * @return a task of {@code body}'s result, completed after the close
     * @throws NullPointerException if {@code open} or {@code body} is null
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    public static <R extends AsyncCloseable, T extends @Nullable Object> Task<T> usingAsync(
            Callable<? extends CompletionStage<? extends R>> open,
            ThrowingFunction<? super R, ? extends CompletionStage<? extends T>> body) {
        Objects.requireNonNull(open, "open");
        Objects.requireNonNull(body, "body");
        return provider().usingAsync(open, body);
    }

    // ---------------------------------------------------------------------------- helpers

    /**
     * Copies {@code tasks} as tasks of {@code T}: safe, as a task only ever gives out its result
     * (a {@code Task<String>} is read as a {@code Task<Object>} would be).
     */
    @SuppressWarnings("unchecked")
    private static <T extends @Nullable Object> List<Task<T>> copyOf(Collection<? extends Task<? extends T>> tasks, String method) {
        return (List<Task<T>>) (List<?>) snapshot(tasks, method);
    }

    /**
     * An unmodifiable copy of {@code items}, null-checked: the collection and each element, with
     * messages that name {@code method}, as every argument check here does. The elements checked
     * are the ones copied (one {@code toArray()}, then one pass over the copy), so a collection
     * that another thread changes meanwhile cannot slip a null past the check; a gather of a
     * million tasks copies their references once, where a check followed by {@code List.copyOf}
     * read the collection twice and copied it twice.
     */
    @SuppressWarnings("unchecked")
    private static <E> List<E> snapshot(Collection<? extends E> items, String method) {
        Objects.requireNonNull(items, "tasks (" + method + ")");
        Object[] copy = items.toArray();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] == null) {
                throw new NullPointerException("tasks[" + i + "] (" + method + ")");
            }
        }
        return Collections.unmodifiableList((List<E>) Arrays.asList(copy));
    }

    private static void requireNonNegative(Duration duration, String name, String method) {
        Objects.requireNonNull(duration, name + " (" + method + ")");
        if (duration.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + duration);
        }
    }
}
