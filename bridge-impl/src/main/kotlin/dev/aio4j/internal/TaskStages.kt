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

    /** [what] names the function's parameter and the public method, as "fn (Task.thenApply)". */
    private fun <R> derive(kind: Int, fn: Any?, what: String, executor: Executor?): Task<R> {
        Objects.requireNonNull(fn, what)
        if (executor == null) throw NullPointerException("executor " + what.substringAfter(' ')) // built only when thrown
        stageLoop.checkOpen()
        if (executor === INLINE && self.isDone && kind != DerivedTask.COMPOSE && kind != DerivedTask.EXCEPTIONALLY_COMPOSE && !stageLoop.refusesTasks) {
            return DerivedTask.ofDone(stageLoop, kind, fn, self) // nothing to wait for: the function runs here, as it would below
        }
        return derived<R>(kind, fn, executor).also { it.start(stageLoop.taskContext) }.from(self)
    }

    private fun <R> derive(kind: Int, fn: Any?, what: String, executor: Executor?, other: CompletionStage<*>?): Task<R> {
        if (other == null) throw NullPointerException("other " + what.substringAfter(' '))
        Objects.requireNonNull(fn, what)
        if (executor == null) throw NullPointerException("executor " + what.substringAfter(' ')) // built only when thrown
        stageLoop.checkOpen()
        return FullDerivedTask<R>(stageLoop, kind, fn, executor.takeUnless { it === INLINE }).also { it.start(stageLoop.taskContext) }
            .from(self, stageLoop.adoptStage(other))
    }

    /** The one-input stage, not started: a plain form's ([INLINE]) runs its function where the input completes. */
    private fun <R> derived(kind: Int, fn: Any?, executor: Executor): DerivedTask<R> =
        if (executor === INLINE) DerivedTask(stageLoop, kind, fn) else FullDerivedTask(stageLoop, kind, fn, executor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> thenApply(fn: Function<in T, out U>?): Task<U> =
        derive(DerivedTask.APPLY, fn, "fn (Task.thenApply)", INLINE)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> thenApplyAsync(fn: Function<in T, out U>?): Task<U> =
        derive(DerivedTask.APPLY, fn, "fn (Task.thenApplyAsync)", stageLoop)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> thenApplyAsync(fn: Function<in T, out U>?, executor: Executor?): Task<U> =
        derive(DerivedTask.APPLY, fn, "fn (Task.thenApplyAsync)", executor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun thenAccept(action: Consumer<in T>?): Task<Void?> =
        derive(DerivedTask.ACCEPT, action, "action (Task.thenAccept)", INLINE)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun thenAcceptAsync(action: Consumer<in T>?): Task<Void?> =
        derive(DerivedTask.ACCEPT, action, "action (Task.thenAcceptAsync)", stageLoop)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun thenAcceptAsync(action: Consumer<in T>?, executor: Executor?): Task<Void?> =
        derive(DerivedTask.ACCEPT, action, "action (Task.thenAcceptAsync)", executor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun thenRun(action: Runnable?): Task<Void?> =
        derive(DerivedTask.RUN, action, "action (Task.thenRun)", INLINE)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun thenRunAsync(action: Runnable?): Task<Void?> =
        derive(DerivedTask.RUN, action, "action (Task.thenRunAsync)", stageLoop)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun thenRunAsync(action: Runnable?, executor: Executor?): Task<Void?> =
        derive(DerivedTask.RUN, action, "action (Task.thenRunAsync)", executor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?, V : Any?> thenCombine(other: CompletionStage<out U>?, fn: BiFunction<in T, in U, out V>?): Task<V> =
        derive(DerivedTask.COMBINE, fn, "fn (Task.thenCombine)", INLINE, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?, V : Any?> thenCombineAsync(other: CompletionStage<out U>?, fn: BiFunction<in T, in U, out V>?): Task<V> =
        derive(DerivedTask.COMBINE, fn, "fn (Task.thenCombineAsync)", stageLoop, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?, V : Any?> thenCombineAsync(other: CompletionStage<out U>?, fn: BiFunction<in T, in U, out V>?, executor: Executor?): Task<V> =
        derive(DerivedTask.COMBINE, fn, "fn (Task.thenCombineAsync)", executor, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> thenAcceptBoth(other: CompletionStage<out U>?, action: BiConsumer<in T, in U>?): Task<Void?> =
        derive(DerivedTask.ACCEPT_BOTH, action, "action (Task.thenAcceptBoth)", INLINE, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> thenAcceptBothAsync(other: CompletionStage<out U>?, action: BiConsumer<in T, in U>?): Task<Void?> =
        derive(DerivedTask.ACCEPT_BOTH, action, "action (Task.thenAcceptBothAsync)", stageLoop, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> thenAcceptBothAsync(other: CompletionStage<out U>?, action: BiConsumer<in T, in U>?, executor: Executor?): Task<Void?> =
        derive(DerivedTask.ACCEPT_BOTH, action, "action (Task.thenAcceptBothAsync)", executor, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun runAfterBoth(other: CompletionStage<*>?, action: Runnable?): Task<Void?> =
        derive(DerivedTask.RUN_BOTH, action, "action (Task.runAfterBoth)", INLINE, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun runAfterBothAsync(other: CompletionStage<*>?, action: Runnable?): Task<Void?> =
        derive(DerivedTask.RUN_BOTH, action, "action (Task.runAfterBothAsync)", stageLoop, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun runAfterBothAsync(other: CompletionStage<*>?, action: Runnable?, executor: Executor?): Task<Void?> =
        derive(DerivedTask.RUN_BOTH, action, "action (Task.runAfterBothAsync)", executor, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> applyToEither(other: CompletionStage<out T>?, fn: Function<in T, U>?): Task<U> =
        derive(DerivedTask.APPLY_EITHER, fn, "fn (Task.applyToEither)", INLINE, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> applyToEitherAsync(other: CompletionStage<out T>?, fn: Function<in T, U>?): Task<U> =
        derive(DerivedTask.APPLY_EITHER, fn, "fn (Task.applyToEitherAsync)", stageLoop, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> applyToEitherAsync(other: CompletionStage<out T>?, fn: Function<in T, U>?, executor: Executor?): Task<U> =
        derive(DerivedTask.APPLY_EITHER, fn, "fn (Task.applyToEitherAsync)", executor, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun acceptEither(other: CompletionStage<out T>?, action: Consumer<in T>?): Task<Void?> =
        derive(DerivedTask.ACCEPT_EITHER, action, "action (Task.acceptEither)", INLINE, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun acceptEitherAsync(other: CompletionStage<out T>?, action: Consumer<in T>?): Task<Void?> =
        derive(DerivedTask.ACCEPT_EITHER, action, "action (Task.acceptEitherAsync)", stageLoop, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun acceptEitherAsync(other: CompletionStage<out T>?, action: Consumer<in T>?, executor: Executor?): Task<Void?> =
        derive(DerivedTask.ACCEPT_EITHER, action, "action (Task.acceptEitherAsync)", executor, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun runAfterEither(other: CompletionStage<*>?, action: Runnable?): Task<Void?> =
        derive(DerivedTask.RUN_EITHER, action, "action (Task.runAfterEither)", INLINE, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun runAfterEitherAsync(other: CompletionStage<*>?, action: Runnable?): Task<Void?> =
        derive(DerivedTask.RUN_EITHER, action, "action (Task.runAfterEitherAsync)", stageLoop, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun runAfterEitherAsync(other: CompletionStage<*>?, action: Runnable?, executor: Executor?): Task<Void?> =
        derive(DerivedTask.RUN_EITHER, action, "action (Task.runAfterEitherAsync)", executor, other)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> thenCompose(fn: Function<in T, out CompletionStage<U>>?): Task<U> =
        derive(DerivedTask.COMPOSE, fn, "fn (Task.thenCompose)", INLINE)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> thenComposeAsync(fn: Function<in T, out CompletionStage<U>>?): Task<U> =
        derive(DerivedTask.COMPOSE, fn, "fn (Task.thenComposeAsync)", stageLoop)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> thenComposeAsync(fn: Function<in T, out CompletionStage<U>>?, executor: Executor?): Task<U> =
        derive(DerivedTask.COMPOSE, fn, "fn (Task.thenComposeAsync)", executor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> handle(fn: BiFunction<in T?, Throwable?, out U>?): Task<U> =
        derive(DerivedTask.HANDLE, fn, "fn (Task.handle)", INLINE)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> handleAsync(fn: BiFunction<in T?, Throwable?, out U>?): Task<U> =
        derive(DerivedTask.HANDLE, fn, "fn (Task.handleAsync)", stageLoop)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun <U : Any?> handleAsync(fn: BiFunction<in T?, Throwable?, out U>?, executor: Executor?): Task<U> =
        derive(DerivedTask.HANDLE, fn, "fn (Task.handleAsync)", executor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun whenComplete(action: BiConsumer<in T?, in Throwable?>?): Task<T> =
        derive(DerivedTask.WHEN_COMPLETE, action, "action (Task.whenComplete)", INLINE)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun whenCompleteAsync(action: BiConsumer<in T?, in Throwable?>?): Task<T> =
        derive(DerivedTask.WHEN_COMPLETE, action, "action (Task.whenCompleteAsync)", stageLoop)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun whenCompleteAsync(action: BiConsumer<in T?, in Throwable?>?, executor: Executor?): Task<T> =
        derive(DerivedTask.WHEN_COMPLETE, action, "action (Task.whenCompleteAsync)", executor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun exceptionally(fn: Function<Throwable, out T>?): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY, fn, "fn (Task.exceptionally)", INLINE)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun exceptionallyAsync(fn: Function<Throwable, out T>?): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY, fn, "fn (Task.exceptionallyAsync)", stageLoop)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun exceptionallyAsync(fn: Function<Throwable, out T>?, executor: Executor?): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY, fn, "fn (Task.exceptionallyAsync)", executor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun exceptionallyCompose(fn: Function<Throwable, out CompletionStage<T>>?): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY_COMPOSE, fn, "fn (Task.exceptionallyCompose)", INLINE)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun exceptionallyComposeAsync(fn: Function<Throwable, out CompletionStage<T>>?): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY_COMPOSE, fn, "fn (Task.exceptionallyComposeAsync)", stageLoop)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked in derive: see Arguments.kt
    override fun exceptionallyComposeAsync(fn: Function<Throwable, out CompletionStage<T>>?, executor: Executor?): Task<T> =
        derive(DerivedTask.EXCEPTIONALLY_COMPOSE, fn, "fn (Task.exceptionallyComposeAsync)", executor)

    private companion object {
        /** Marks the plain forms: the function runs where the input completes. */
        val INLINE = Executor { it.run() }
    }
}
