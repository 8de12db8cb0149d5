/*
 * The CompletionStage methods of a task, overridden so that they return tasks on the same loop
 * (DerivedTask says how such a task runs and is cancelled). TaskImpl extends this class; it is a
 * separate file because it is 42 one-line methods that only say which kind of step each one is.
 */
package dev.aio4j.internal

import dev.aio4j.Task
import java.util.Objects
import java.util.concurrent.CompletionStage
import java.util.concurrent.Executor
import java.util.function.BiConsumer
import java.util.function.BiFunction
import java.util.function.Consumer
import java.util.function.Function

internal abstract class TaskStages<T> : Task<T> {
    private val self: TaskImpl<*> get() = this as TaskImpl<*>
    private val stageLoop: EventLoop get() = self.eventLoop

    private fun <R> derive(kind: Int, fn: Any?, what: String, executor: Executor?): Task<R> {
        Objects.requireNonNull(fn, what)
        Objects.requireNonNull(executor, "executor")
        stageLoop.checkOpen()
        return DerivedTask<R>(stageLoop, kind, fn, executor.takeUnless { it === INLINE }).from(self)
    }

    private fun <R> derive(kind: Int, fn: Any?, what: String, executor: Executor?, other: CompletionStage<*>?): Task<R> {
        Objects.requireNonNull(other, "other")
        Objects.requireNonNull(fn, what)
        Objects.requireNonNull(executor, "executor")
        stageLoop.checkOpen()
        return DerivedTask<R>(stageLoop, kind, fn, executor.takeUnless { it === INLINE }).from(self, stageLoop.adoptStage(other!!))
    }

    override fun <U : Any?> thenApply(fn: Function<in T, out U>): Task<U> =
        derive(DerivedTask.APPLY, fn, "fn", INLINE)

    override fun <U : Any?> thenApplyAsync(fn: Function<in T, out U>): Task<U> =
        derive(DerivedTask.APPLY, fn, "fn", stageLoop)

    override fun <U : Any?> thenApplyAsync(fn: Function<in T, out U>, executor: Executor): Task<U> =
        derive(DerivedTask.APPLY, fn, "fn", executor)

    override fun thenAccept(action: Consumer<in T>): Task<Void?> =
        derive(DerivedTask.ACCEPT, action, "action", INLINE)

    override fun thenAcceptAsync(action: Consumer<in T>): Task<Void?> =
        derive(DerivedTask.ACCEPT, action, "action", stageLoop)

    override fun thenAcceptAsync(action: Consumer<in T>, executor: Executor): Task<Void?> =
        derive(DerivedTask.ACCEPT, action, "action", executor)

    override fun thenRun(action: Runnable): Task<Void?> =
        derive(DerivedTask.RUN, action, "action", INLINE)

    override fun thenRunAsync(action: Runnable): Task<Void?> =
        derive(DerivedTask.RUN, action, "action", stageLoop)

    override fun thenRunAsync(action: Runnable, executor: Executor): Task<Void?> =
        derive(DerivedTask.RUN, action, "action", executor)

    override fun <U : Any?, V : Any?> thenCombine(other: CompletionStage<out U>, fn: BiFunction<in T, in U, out V>): Task<V> =
        derive(DerivedTask.COMBINE, fn, "fn", INLINE, other)

    override fun <U : Any?, V : Any?> thenCombineAsync(other: CompletionStage<out U>, fn: BiFunction<in T, in U, out V>): Task<V> =
        derive(DerivedTask.COMBINE, fn, "fn", stageLoop, other)

    override fun <U : Any?, V : Any?> thenCombineAsync(other: CompletionStage<out U>, fn: BiFunction<in T, in U, out V>, executor: Executor): Task<V> =
        derive(DerivedTask.COMBINE, fn, "fn", executor, other)

    override fun <U : Any?> thenAcceptBoth(other: CompletionStage<out U>, action: BiConsumer<in T, in U>): Task<Void?> =
        derive(DerivedTask.ACCEPT_BOTH, action, "action", INLINE, other)

    override fun <U : Any?> thenAcceptBothAsync(other: CompletionStage<out U>, action: BiConsumer<in T, in U>): Task<Void?> =
        derive(DerivedTask.ACCEPT_BOTH, action, "action", stageLoop, other)

    override fun <U : Any?> thenAcceptBothAsync(other: CompletionStage<out U>, action: BiConsumer<in T, in U>, executor: Executor): Task<Void?> =
        derive(DerivedTask.ACCEPT_BOTH, action, "action", executor, other)

    override fun runAfterBoth(other: CompletionStage<*>, action: Runnable): Task<Void?> =
        derive(DerivedTask.RUN_BOTH, action, "action", INLINE, other)

    override fun runAfterBothAsync(other: CompletionStage<*>, action: Runnable): Task<Void?> =
        derive(DerivedTask.RUN_BOTH, action, "action", stageLoop, other)

    override fun runAfterBothAsync(other: CompletionStage<*>, action: Runnable, executor: Executor): Task<Void?> =
        derive(DerivedTask.RUN_BOTH, action, "action", executor, other)

    override fun <U : Any?> applyToEither(other: CompletionStage<out T>, fn: Function<in T, U>): Task<U> =
        derive(DerivedTask.APPLY_EITHER, fn, "fn", INLINE, other)

    override fun <U : Any?> applyToEitherAsync(other: CompletionStage<out T>, fn: Function<in T, U>): Task<U> =
        derive(DerivedTask.APPLY_EITHER, fn, "fn", stageLoop, other)

    override fun <U : Any?> applyToEitherAsync(other: CompletionStage<out T>, fn: Function<in T, U>, executor: Executor): Task<U> =
        derive(DerivedTask.APPLY_EITHER, fn, "fn", executor, other)

    override fun acceptEither(other: CompletionStage<out T>, action: Consumer<in T>): Task<Void?> =
        derive(DerivedTask.ACCEPT_EITHER, action, "action", INLINE, other)

    override fun acceptEitherAsync(other: CompletionStage<out T>, action: Consumer<in T>): Task<Void?> =
        derive(DerivedTask.ACCEPT_EITHER, action, "action", stageLoop, other)

    override fun acceptEitherAsync(other: CompletionStage<out T>, action: Consumer<in T>, executor: Executor): Task<Void?> =
        derive(DerivedTask.ACCEPT_EITHER, action, "action", executor, other)

    override fun runAfterEither(other: CompletionStage<*>, action: Runnable): Task<Void?> =
        derive(DerivedTask.RUN_EITHER, action, "action", INLINE, other)

    override fun runAfterEitherAsync(other: CompletionStage<*>, action: Runnable): Task<Void?> =
        derive(DerivedTask.RUN_EITHER, action, "action", stageLoop, other)

    override fun runAfterEitherAsync(other: CompletionStage<*>, action: Runnable, executor: Executor): Task<Void?> =
        derive(DerivedTask.RUN_EITHER, action, "action", executor, other)

    override fun <U : Any?> thenCompose(fn: Function<in T, out CompletionStage<U>>): Task<U> =
        derive(DerivedTask.COMPOSE, fn, "fn", INLINE)

    override fun <U : Any?> thenComposeAsync(fn: Function<in T, out CompletionStage<U>>): Task<U> =
        derive(DerivedTask.COMPOSE, fn, "fn", stageLoop)

    override fun <U : Any?> thenComposeAsync(fn: Function<in T, out CompletionStage<U>>, executor: Executor): Task<U> =
        derive(DerivedTask.COMPOSE, fn, "fn", executor)

    override fun <U : Any?> handle(fn: BiFunction<in T, Throwable?, out U>): Task<U> =
        derive(DerivedTask.HANDLE, fn, "fn", INLINE)

    override fun <U : Any?> handleAsync(fn: BiFunction<in T, Throwable?, out U>): Task<U> =
        derive(DerivedTask.HANDLE, fn, "fn", stageLoop)

    override fun <U : Any?> handleAsync(fn: BiFunction<in T, Throwable?, out U>, executor: Executor): Task<U> =
        derive(DerivedTask.HANDLE, fn, "fn", executor)

    override fun whenComplete(action: BiConsumer<in T, in Throwable?>): Task<T> =
        derive(DerivedTask.WHEN_COMPLETE, action, "action", INLINE)

    override fun whenCompleteAsync(action: BiConsumer<in T, in Throwable?>): Task<T> =
        derive(DerivedTask.WHEN_COMPLETE, action, "action", stageLoop)

    override fun whenCompleteAsync(action: BiConsumer<in T, in Throwable?>, executor: Executor): Task<T> =
        derive(DerivedTask.WHEN_COMPLETE, action, "action", executor)

    override fun exceptionally(fn: Function<Throwable, out T>): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY, fn, "fn", INLINE)

    override fun exceptionallyAsync(fn: Function<Throwable, out T>): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY, fn, "fn", stageLoop)

    override fun exceptionallyAsync(fn: Function<Throwable, out T>, executor: Executor): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY, fn, "fn", executor)

    override fun exceptionallyCompose(fn: Function<Throwable, out CompletionStage<T>>): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY_COMPOSE, fn, "fn", INLINE)

    override fun exceptionallyComposeAsync(fn: Function<Throwable, out CompletionStage<T>>): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY_COMPOSE, fn, "fn", stageLoop)

    override fun exceptionallyComposeAsync(fn: Function<Throwable, out CompletionStage<T>>, executor: Executor): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY_COMPOSE, fn, "fn", executor)

    private companion object {
        /** Marks the plain forms: the function runs where the input completes. */
        val INLINE = Executor { it.run() }
    }
}
