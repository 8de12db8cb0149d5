package dev.aio4j;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A scope whose tasks all finish before it does: asyncio's {@code TaskGroup}, kotlinx's
 * {@code coroutineScope}. Opened by {@link Async#taskGroup(ThrowingFunction)} (a blocking-style
 * body) or {@link Async#taskGroupAsync(ThrowingFunction)} (a non-blocking body).
 *
 * <p>Fail-fast: when a task of the group fails (not by cancellation), the group cancels the
 * other tasks and its body, waits for all of them, and then fails with that first failure, the
 * later ones attached as {@linkplain Throwable#getSuppressed() suppressed} (try-with-resources'
 * rule; asyncio raises an {@code ExceptionGroup}). A cancellation from outside cancels every task
 * of the group and stays a cancellation, unless a task of the group failed (before or while the
 * group was being cancelled): then the group fails with that failure, as asyncio's does (errors
 * win over the cancellation). The group converts only its own cancellation.
 *
 * <p>The other tasks are cancelled when the failure happens, as kotlinx's {@code coroutineScope}
 * does, not a loop step later as asyncio's done callback does: a task of the group that had not
 * started then never runs, and one that would have failed in the same step ends cancelled instead
 * of adding its failure (asyncio would have started both, and raised both in its
 * {@code ExceptionGroup}).
 *
 * <p>Safe to use from any thread while the group is open.
 */
public interface TaskGroup {

    /**
     * {@return the loop the group's tasks run on} asyncio's {@code TaskGroup} has no such method
     * (its tasks' {@code get_loop()}). Never waits; throws nothing.
     */
    Loop loop();

    /**
     * Starts a blocking-style task in the group, as {@link Loop#createTask(Callable)} does
     * (asyncio's {@code tg.create_task(coro)}), with that method's cancellation and exceptions; the
     * group also cancels the task when another task of the group fails.
     *
     * @param body the body, run on its own (virtual) thread
     * @param <T> the type of the result
     * @return the task
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the group is done or shutting down after a failure
     */
    <T extends @Nullable Object> Task<T> createTask(Callable<? extends T> body);

    /**
     * Starts a named blocking-style task in the group (asyncio's {@code tg.create_task(coro,
     * name=...)}); see {@link #createTask(Callable)}.
     *
     * @param name the task's name
     * @param body the body, run on its own (virtual) thread
     * @param <T> the type of the result
     * @return the task
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the group is done or shutting down after a failure
     */
    <T extends @Nullable Object> Task<T> createTask(String name, Callable<? extends T> body);

    /**
     * Starts a blocking-style task whose body returns nothing in the group (asyncio's
     * {@code tg.create_task(coro)}); see {@link #createTask(Callable)}.
     *
     * @param body the task's body
     * @return the task, whose result is {@code null}
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the group is done or shutting down after a failure
     */
    Task<@Nullable Void> createTask(ThrowingRunnable body);

    /**
     * Starts a named blocking-style task whose body returns nothing in the group (asyncio's
     * {@code tg.create_task(coro, name=...)}); see {@link #createTask(Callable)}.
     *
     * @param name the task's name
     * @param body the task's body
     * @return the task, whose result is {@code null}
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the group is done or shutting down after a failure
     */
    Task<@Nullable Void> createTask(String name, ThrowingRunnable body);

    /**
     * Starts a non-blocking task in the group, as {@link Loop#createTaskAsync(Callable)} does
     * (asyncio's {@code tg.create_task(coro)}), with that method's cancellation and exceptions; the
     * group also cancels the task when another task of the group fails.
     *
     * @param body called on the loop; returns the stage the task completes with
     * @param <T> the type of the result
     * @return the task
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the group is done or shutting down after a failure
     */
    <T extends @Nullable Object> Task<T> createTaskAsync(Callable<? extends CompletionStage<? extends T>> body);

    /**
     * Starts a named non-blocking task in the group (asyncio's {@code tg.create_task(coro,
     * name=...)}); see {@link #createTaskAsync(Callable)}.
     *
     * @param name the task's name
     * @param body called on the loop; returns the stage the task completes with
     * @param <T> the type of the result
     * @return the task
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the group is done or shutting down after a failure
     */
    <T extends @Nullable Object> Task<T> createTaskAsync(String name, Callable<? extends CompletionStage<? extends T>> body);
}
