/*
 * A stage derived from a task (thenApply, handle, thenCompose, whenComplete...) is itself a task on
 * the same loop, and its cancellation follows the task rule rather than CompletableFuture's:
 *
 *   - cancelling it is a request that goes up to what it waits on (its input task, or both inputs
 *     of a thenCombine/applyToEither; an input that is not a task of the loop is adopted), and it
 *     ends when its input has ended and its function has run;
 *   - the function runs on the input's outcome whatever it is, so whenComplete/handle/exceptionally
 *     see the CancellationException as it comes back down (asyncio's finally/except blocks);
 *   - once the input is done the function runs even if the request came first, and a thenCompose
 *     function's stage receives the request instead (it is the next wait): a thenCompose that
 *     releases a lock it was granted still runs;
 *   - a request that went up to a pending input was delivered there (REQUEST_WENT_UP): the stage
 *     an exceptionallyCompose function returns on the cancellation coming back down runs
 *     uncancelled (a clean-up's wait; NOT_PASSED_ON), as a blocking body's catch that waits. Before
 *     2026-12-07 the pending request cancelled that stage at once (found from outside);
 *   - a task that received a request ends CANCELLED even if its function returned normally, as a
 *     body that catches the cancellation does (a function that throws makes it FAILED).
 *
 * Exceptions reach the functions as thrown, without CompletionException wrappers. A failure that a
 * function throws is the derived task's own, reported if nobody retrieves it; an input's failure
 * passed on is not reported again. The plain forms
 * run the function where the input completes (or in the caller, when it is done already); the
 * ...Async forms on the executor given, or on the loop.
 *
 * States, in the phase bits: RUNNING while the input is pending, BODY_DONE once it has arrived
 * (the function runs, then the task finishes or follows the stage the function returned). The
 * references to the inputs and the function are dropped when the function runs, so that a derived
 * task kept after it is done (a result held on to) does not keep its inputs reachable.
 */
package dev.aio4j.internal

import java.util.concurrent.CancellationException
import java.util.concurrent.CompletionStage
import java.util.concurrent.Executor
import java.util.concurrent.RejectedExecutionException
import java.util.function.BiConsumer
import java.util.function.BiFunction
import java.util.function.Consumer
import java.util.function.Function

internal open class DerivedTask<T>(
    loop: EventLoop,
    protected val kind: Int,
    private var fn: Any?,
) : FollowingTask<T>(loop, null, RUNNING) {
    /** The inputs, until the function runs: a done derived task keeps nothing of them but their outcome. */
    protected var first: TaskImpl<*>? = null

    /**
     * The second input of a two-input kind (thenCombine, applyToEither...: [FullDerivedTask]), until
     * the function runs; a one-input stage has none, and no field for it.
     */
    protected open val second: TaskImpl<*>? get() = null

    /** Drops [second] (the function runs, or will not). */
    protected open fun dropSecond() {}

    /** Starts waiting for [source]'s outcome; called by the factory (TaskStages) after [start]. */
    fun from(source: TaskImpl<*>): DerivedTask<T> {
        first = source
        source.markRetrieved()
        source.whenDone(this) // see [invoke]
        if (isCancelling()) source.cancel() // cancelled by a closing loop while it was being made
        return this
    }

    /**
     * Completion handler, of the single input while the function has not run ([from], phase
     * RUNNING: this object instead of a lambda per stage), then of the task a thenCompose function
     * returned (FollowingTask's).
     */
    override fun invoke(cause: Throwable?) {
        val source = first
        if (phase() == RUNNING && source != null && second == null) onInput(source.resultNow0()) else super.invoke(cause)
    }

    protected fun onInput(outcome: Result<Any?>) {
        if (!casPhase(RUNNING, BODY_DONE)) return
        runFunction(outcome)
    }

    /** The input has arrived with [outcome]: a plain form runs the function here (an ...Async form's [FullDerivedTask] on its executor). */
    protected open fun runFunction(outcome: Result<Any?>) = runPlain(outcome)

    /**
     * A plain form's function: here, where the input completed, if this thread belongs to a loop
     * (the loop's own, a worker in a step, a blocking body's); else, on a thread of no loop (a
     * blocking task's after its body, a to_thread pool's, a plain thread completing an adopted
     * future), in a step of the loop while it runs, as asyncio's code after an await runs on the
     * loop. Before 2026-12-07 it ran on that thread, where Loop.current() and sleepAsync threw
     * "no running event loop" (found from outside: `await task` as thenCompose broke, depending on
     * timing). A loop that is not running, or refuses (closed), leaves it here, as before.
     */
    protected fun runPlain(outcome: Result<Any?>) {
        // the loop's own thread first: one comparison, where a chain on the loop runs nearly always
        if (eventLoop.inLoopThread() || Current.get() != null || !eventLoop.isRunning()) {
            step(outcome)
            return
        }
        try {
            eventLoop.execute { step(outcome) }
        } catch (e: RejectedExecutionException) {
            step(outcome)
        }
    }

    /** The function will not run (its executor refused it): drops it and the inputs, as [step] does. */
    protected fun dropFunction() {
        fn = null
        first = null
        dropSecond()
    }

    /** Runs the function on the input's [outcome], then finishes this task or follows the stage it returned. */
    @Suppress("UNCHECKED_CAST")
    protected fun step(outcome: Result<Any?>) {
        val f = fn
        fn = null
        val a = first
        val b = second
        first = null
        dropSecond()
        val e = outcome.exceptionOrNull()
        if (e == null && (a?.handedOver == true || b?.handedOver == true)) markCarriesGrant()
        try {
            when {
                kind == COMPOSE && e == null ->
                    return follow(stageOf((f as Function<Any?, CompletionStage<out T>?>).apply(outcome.getOrNull())))
                kind == EXCEPTIONALLY_COMPOSE && e != null -> {
                    val stage = stageOf((f as Function<Throwable, CompletionStage<out T>?>).apply(e))
                    // the request this task passed up to its input came back down as the cancellation [e]: it was
                    // delivered there, and the stage of the clean-up that handles it runs uncancelled (asyncio's
                    // `except CancelledError: await cleanup(); raise`). Not when the input ended otherwise (its deadline
                    // passed as the request came, a failure of its own): the request is still this task's, and the
                    // stage is its next wait (a retry on a timeout must not go on for ever: ConditionBufferTest)
                    if (requestWentUp && e is CancellationException) markFollowsUnrequested()
                    return follow(stage)
                }
            }
        } catch (thrown: Throwable) {
            tryFinish(Result.failure(thrown)) // a failure of its own, reported if nobody retrieves it
            return
        }
        when (val r = apply(kind, f, outcome, a, b)) {
            is PassedOn -> {
                val thrown = r.thrown
                if (thrown != null && isCancelling()) {
                    // a whenComplete action that threw after a request: FAILED with what it threw, as a
                    // handle or exceptionally function (CANCELLED with this task's own exception lost it)
                    tryFinish(Result.failure(thrown))
                    return
                }
                // The input's report was given up for this task: the failure is reported here if nobody
                // retrieves it, once, at the end of the chain (asyncio's awaiting task reports what it
                // fails with; before 2026-12-05 it was reported nowhere). Except for a whenComplete, a
                // stage made only to watch (a log line, kotlinx's await()): the failure is the input's,
                // and that watcher saw it.
                if (kind == WHEN_COMPLETE) markRetrieved()
                tryFinish(Result.failure(r.failure))
            }
            is Failed -> tryFinish(Result.failure(r.failure)) // a failure of its own, reported if nobody retrieves it
            else -> tryFinish(Result.success(r as T))
        }
    }

    /**
     * Whether the function ran on a handed-over input (TaskImpl.handedOver: a lock, a permit or a
     * queue item that a primitive's waiter was served): its result then carries what was handed
     * over, and wins over a cancellation requested while it ran, as a follower's does
     * (FollowingTask.resultWinsOverCancel). Before 2026-12-06 `q.getAsync().thenApply(parse)`
     * under waitFor on a DEFAULT_DISPATCHER loop ended CANCELLED when the deadline came while parse
     * ran on another worker, and the item was lost (DerivedStageOfAWaiterCancelledAtTheHandOverTest;
     * found from outside). Set (a bit of the status) before the function runs, read after it.
     */
    override fun carriesGrant(): Boolean = carriesGrantMarked

    private fun stageOf(stage: CompletionStage<out T>?): CompletionStage<out T> =
        stage ?: throw NullPointerException("the function of ${name()} returned null instead of a CompletionStage")

    override fun onCancelRequested(cause: Throwable) {
        if (phase() == RUNNING) {
            // read both first: cancelling one may run the function at once, which drops them
            val a = first
            val b = second
            val message = passedOnMessage(cause)
            markRequestWentUp() // before the inputs hear of it: cancelling one may run the function at once
            // an input whose body has not started first, as a gather's cancel does: the interrupt
            // of a running one could free the pool thread that the other waits for (1 in 30 rounds
            // of applyToEither under load, found from outside on 2026-12-06)
            val bFirst = b != null && b.bodyNotStarted()
            if (bFirst) cancelLink(b, message)
            a?.let { cancelLink(it, message) } // null before from(), or once the function runs (the inputs are done then)
            if (!bFirst) b?.let { cancelLink(it, message) }
        } else {
            super.onCancelRequested(cause) // the stage a function returned, once followed
        }
    }

    override val completesInTryFinish: Boolean get() = true

    override fun toString(): String = super.toString()

    /**
     * A failure that [apply] passes on from the input (not the function's own); [thrown]: what a
     * whenComplete action threw on it, added to it as suppressed.
     */
    private class PassedOn(@JvmField val failure: Throwable, @JvmField val thrown: Throwable? = null)

    /** A failure of the function's own (it threw). */
    private class Failed(@JvmField val failure: Throwable)

    companion object {
        /**
         * The stage of [kind] with function [fn] derived from [source], which is done, made in the
         * caller (a plain form runs its function where the input completes): a task born done with
         * what the function made of [source]'s outcome, instead of a task that waits. Not for the
         * compose kinds (their function's stage is the next wait) nor the two-input kinds.
         */
        @Suppress("UNCHECKED_CAST")
        fun <T> ofDone(loop: EventLoop, kind: Int, fn: Any?, source: TaskImpl<*>): TaskImpl<T> {
            if (source.exceptionOrNull() != null) source.markRetrieved() // a result needs no mark: it matters for a failure's report only
            return when (val r = apply(kind, fn, source.resultNow0(), null, null)) {
                // The input's report is given up for this stage (markRetrieved above): as in the
                // waiting path (finish), the failure is reported here if nobody retrieves it, except
                // for a whenComplete, made only to watch.
                is PassedOn -> if (kind == WHEN_COMPLETE) DoneTask.passedOn(loop, r.failure) else DoneTask.of(loop, Result.failure(r.failure))
                is Failed -> DoneTask.of(loop, Result.failure(r.failure))
                // a function that ran on what a primitive handed over at once: its result carries the grant,
                // as [carriesGrant] says of the waiting path. Before 2026-12-07 it was a plain done task, and
                // a body that returned `q.getAsync().thenApply(f)` while its task was being cancelled ended
                // CANCELLED with the item taken (found from outside: 1-8 of 6,000 consumers)
                else -> if (source.handedOver && source.exceptionOrNull() == null) DoneTask.served(loop, Result.success(r as T)) else DoneTask.of(loop, Result.success(r as T))
            }
        }

        /**
         * Runs [fn] of [kind] on [outcome], the input's ([a] and [b]: the inputs of the two-input
         * kinds); a compose kind only when its function is not called (it passes the outcome on).
         * Returns the result, or a [PassedOn] or [Failed] failure. Exceptions reach the functions
         * as thrown.
         */
        @Suppress("UNCHECKED_CAST")
        private fun apply(kind: Int, fn: Any?, outcome: Result<Any?>, a: TaskImpl<*>?, b: TaskImpl<*>?): Any? {
            val e = outcome.exceptionOrNull()
            val v = outcome.getOrNull()
            try {
                return when (kind) {
                    APPLY, APPLY_EITHER -> if (e == null) (fn as Function<Any?, Any?>).apply(v) else PassedOn(e)
                    ACCEPT, ACCEPT_EITHER -> if (e == null) (fn as Consumer<Any?>).accept(v).let { null } else PassedOn(e)
                    RUN, RUN_BOTH, RUN_EITHER -> if (e == null) (fn as Runnable).run().let { null } else PassedOn(e)
                    HANDLE -> (fn as BiFunction<Any?, Throwable?, Any?>).apply(v, e)
                    WHEN_COMPLETE -> whenComplete(fn as BiConsumer<Any?, Throwable?>, v, e)
                    EXCEPTIONALLY -> if (e == null) v else (fn as Function<Throwable, Any?>).apply(e)
                    COMBINE -> if (e == null) (fn as BiFunction<Any?, Any?, Any?>).apply(a!!.valueNow(), b!!.valueNow()) else PassedOn(e)
                    ACCEPT_BOTH -> if (e == null) (fn as BiConsumer<Any?, Any?>).accept(a!!.valueNow(), b!!.valueNow()).let { null } else PassedOn(e)
                    else -> if (e == null) v else PassedOn(e) // COMPOSE failed, EXCEPTIONALLY_COMPOSE succeeded: passed on
                }
            } catch (thrown: Throwable) {
                return Failed(thrown)
            }
        }

        private fun whenComplete(action: BiConsumer<Any?, Throwable?>, v: Any?, e: Throwable?): Any? {
            try {
                action.accept(v, e)
            } catch (thrown: Throwable) {
                if (e == null) return Failed(thrown)
                if (thrown === e) return PassedOn(e)
                // The action is asyncio's finally: what it throws on a cancellation coming down from
                // the input replaces the cancellation (the task fails with it, reported if nobody
                // retrieves it), as it does when the request came to this task (step). Before
                // 2026-12-07 it was only suppressed in the input's cancellation, and a closing loop,
                // which cancels the input too, reported it nowhere (found from outside).
                if (e is CancellationException && thrown !is CancellationException) return Failed(thrown)
                e.addSuppressed(thrown) // on another failure, as CompletableFuture.whenComplete does
                return PassedOn(e, thrown)
            }
            return if (e == null) v else PassedOn(e)
        }

        const val APPLY = 0
        const val ACCEPT = 1
        const val RUN = 2
        const val COMPOSE = 3
        const val HANDLE = 4
        const val WHEN_COMPLETE = 5
        const val EXCEPTIONALLY = 6
        const val EXCEPTIONALLY_COMPOSE = 7
        const val COMBINE = 8
        const val ACCEPT_BOTH = 9
        const val RUN_BOTH = 10
        const val APPLY_EITHER = 11
        const val ACCEPT_EITHER = 12
        const val RUN_EITHER = 13
    }
}

/**
 * A derived stage with the parts that the common one (a plain form's, of one input) does without:
 * an ...Async form's [executor], on which its function runs instead of where the input completes
 * (null: there, for a plain two-input form), with the input held for it; and a two-input kind's
 * second input. A class of its own so that a plain one-input stage (thenApply, whenComplete...)
 * carries none of the three: 56 bytes instead of 72.
 */
internal class FullDerivedTask<T>(loop: EventLoop, kind: Int, fn: Any?, private val executor: Executor?) :
    DerivedTask<T>(loop, kind, fn), Runnable {
    /** The input's outcome, from its arrival until the executor runs the function. */
    private var input: Result<Any?>? = null

    override var second: TaskImpl<*>? = null

    override fun dropSecond() {
        second = null
    }

    /**
     * Starts waiting for both of [a] and [b] (the first failure is enough), or either ([kind] says
     * which). Once this task has received a cancellation request, it waits for both in any case:
     * the request went up to both, and the task ends when what it waits on has ended.
     */
    fun from(a: TaskImpl<*>, b: TaskImpl<*>): FullDerivedTask<T> {
        first = a
        second = b
        a.markRetrieved()
        b.markRetrieved()
        val either = kind >= APPLY_EITHER
        val handler: (Throwable?) -> Unit = {
            // a link of a chain as this task is (thenCombine of thenCombine...): see Trampoline
            Trampoline.of(eventLoop).run {
                if (isCancelling() && !(a.isDone && b.isDone)) return@run // the other one's clean-up still runs
                val firstOutcome = if (either) (if (a.isDone) a else b).resultNow0() else null
                when {
                    either -> onInput(firstOutcome!!)
                    a.isDone && a.exceptionOrNull() != null -> onInput(a.resultNow0())
                    b.isDone && b.exceptionOrNull() != null -> onInput(b.resultNow0())
                    a.isDone && b.isDone -> onInput(Result.success(null))
                }
            }
        }
        a.whenDone(handler)
        b.whenDone(handler)
        if (isCancelling()) onCancelRequested(cancellationCause())
        return this
    }

    override fun runFunction(outcome: Result<Any?>) {
        if (executor == null) {
            runPlain(outcome)
            return
        }
        input = outcome
        try {
            executor.execute(this)
        } catch (e: Throwable) {
            dropFunction()
            tryFinish(Result.failure(e))
        }
    }

    /** Runs the function on the executor. */
    override fun run() {
        val outcome = input!!
        input = null
        step(outcome)
    }
}
