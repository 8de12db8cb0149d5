/*
 * A task that completes as something else does: a CompletionStage (adopted, or returned by a
 * non-blocking body) or another task. This is the one way a task follows another: adopt, a
 * non-blocking body's stage, a task group's body stage, shield, wait_for and timeoutAsync. [followed]
 * holds what it follows, so that a cancellation can reach it:
 *   - another task is cancelled too, and this one completes when it has (asyncio's chain of
 *     awaits: cancelling the awaiter cancels the awaited, and the awaiter gets what the awaited
 *     ended with, a failure included);
 *   - a stage is cancelled with toCompletableFuture().cancel(true) (true: the JDK's HttpClient
 *     aborts its request only then; a plain CompletableFuture ignores the flag); a stage whose
 *     source cannot be reached that way (toCompletableFuture() unsupported or a copy) is
 *     abandoned, and the task completes cancelled at once.
 * Exceptions arrive without CompletionException/ExecutionException wrappers.
 *
 * The kinds differ only in three hooks: [cancelsDown] (does a cancellation go down, or complete
 * this task at once: shield), [outcomeOf] (how the followed outcome maps: wait_for's timeout),
 * and [onFollowedDone] (what runs when the followed is done, before this task completes).
 */
package dev.aio4j.internal

import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionException
import java.util.concurrent.CompletionStage
import java.util.concurrent.ExecutionException
import java.util.function.BiConsumer
import kotlinx.coroutines.DisposableHandle

internal abstract class FollowingTask<T>(loop: EventLoop, name: String?, phase: Int) :
    TaskImpl<T>(loop, name, phase), (Throwable?) -> Unit, BiConsumer<T, Throwable?> {
    /** The task or stage this task follows, once [follow] was called. */
    @Volatile private var followed: CompletionStage<*>? = null

    /** Whether a cancellation of this task goes down to what it follows; if not, it completes this task at once. */
    protected open val cancelsDown: Boolean get() = true

    /** What this task completes with when what it follows completed with [result]. */
    protected open fun outcomeOf(result: Result<T>): Result<T> = result

    /**
     * Runs when what this task follows is done, just before this task completes with it; a failure
     * it returns (a clean-up of the kind's that failed: a guarded body's give-back) is this task's
     * outcome instead, with the followed failure, if any, added to it as suppressed. Returned rather
     * than kept in a field of the kind's until [outcomeOf]: 4 bytes per task that were nearly always null.
     */
    protected open fun onFollowedDone(): Throwable? = null

    fun follow(stage: CompletionStage<out T>) {
        if (stage is TaskImpl<*>) {
            followTask(stage)
            return
        }
        if (stage.javaClass === CompletableFuture::class.java && (stage as CompletableFuture<out T>).isDone && !stage.isCompletedExceptionally) {
            // What whenComplete would do at once, without the dependent future it makes, and without
            // storing [followed] (a volatile store, a full fence): a cancel() racing with this finds
            // nothing to cancel, and this task ends cancelled or with the stage's result, whichever
            // of the two fixes it first, as when it had found the stage. Not for a failed one: only
            // whenComplete gives its exception as it was stored (JDK 23+'s join() throws a new
            // CancellationException("join") for a cancelled future).
            accept(stage.join(), null)
            return
        }
        // Listened to first, published after: a cancel() on another thread that finds the stage and
        // abandons it (cancelStage) then knows its completion reaches this task, so whoever completes
        // it runs onFollowedDone (a guarded body's give-back) before complete() returns. Published
        // first, a cancel could abandon it before the listener was there, and a completion in between
        // reached nobody until the listener came (found by CI, 2026-12-07). A cancel that comes
        // before the store finds nothing, and the check below, after the store, sees its request.
        stage.whenComplete(this)
        followed = stage
        if (isCancelling() && !isDone && cancelsDown && !followsUnrequested) cancelFollowedStage(stage, cancellationCause())
    }

    /** [follow] found this task cancelled already: cancels the [stage] it follows now. */
    protected open fun cancelFollowedStage(stage: CompletionStage<*>, cause: Throwable) = cancelStage(stage, cause)

    private fun followTask(other: TaskImpl<*>) {
        other.markRetrieved()
        followed = other
        other.whenDone(this)
        if (isCancelling() && cancelsDown && !followsUnrequested) other.cancelPassing(passedOnMessage(cancellationCause()))
    }

    /**
     * Follows [other] as [follow] does, through a registration that the returned handle withdraws
     * (a node on [other]'s handler stack, where [follow] may take its first handler's slot): for a
     * kind that leaves [other] running when it is cancelled (shield). Unlike [follow], it does not
     * retrieve [other]'s failure: the kind does when it takes [other]'s outcome (a shield
     * cancelled first leaves it to [other]'s own awaiters, or to the report of a failure nobody
     * retrieved).
     */
    protected fun followWithdrawably(other: TaskImpl<*>): DisposableHandle {
        followed = other
        return other.onDone(this)
    }

    /**
     * Whether the followed task's failure counts as retrieved only if this task completes with it:
     * a kind that follows by [followWithdrawably] says so (shield). A property of the kind rather than
     * a field that [followWithdrawably] sets: a boolean field took every following task (a guarded
     * body's, a derived stage's) past an 8-byte boundary, 8 bytes more per task.
     */
    protected open val retrievesWhenDone: Boolean get() = false

    /** The followed task's completion handler (this object, to save one per task). */
    override fun invoke(cause: Throwable?) {
        val own = onFollowedDone()
        if (status and FINISHING != 0) return // done already (shield, abandoned, or completed with a result)
        val other = followed as? TaskImpl<*> ?: return
        @Suppress("UNCHECKED_CAST")
        if (tryFinish(withOwnFailure(outcomeOf(other.resultNow0() as Result<T>), own)) && retrievesWhenDone) other.markRetrieved()
    }

    /** The followed stage's completion (this object, to save one per task). */
    override fun accept(value: T, error: Throwable?) {
        val own = onFollowedDone()
        tryFinish(withOwnFailure(outcomeOf(if (error == null) Result.success(value) else Result.failure(unwrap(error))), own))
    }

    /** [result], or the failure [own] of [onFollowedDone] with [result]'s failure suppressed in it. */
    private fun withOwnFailure(result: Result<T>, own: Throwable?): Result<T> {
        if (own == null) return result
        result.exceptionOrNull()?.let { if (it !== own) own.addSuppressed(it) }
        return Result.failure(own)
    }

    /**
     * A handed-over result (TaskImpl.handedOver: a lock's, a semaphore's or a queue's ...Async task
     * that was served, at once or after waiting, or a task that follows one) is this task's outcome
     * even when this task's cancellation was requested first: the request went down to the waiter,
     * which, served but not yet completed, gives its grant back and ends cancelled (WaiterTask), so a
     * waiter that succeeds anyway had completed before the request reached it, or took effect for
     * good (a put let in); what it was served (the lock, a permit, an item) would then be lost with a
     * cancelled follower (found from outside on 2026-12-05, 35-133 of 400 rounds, for a non-blocking
     * body that returns lock.acquireAsync()). The task that was cancelled ends with it.
     */
    override fun resultWinsOverCancel(): Boolean = handedOver

    /**
     * The task this one follows and passes its cancellation down to, if any (KotlinAwait.grantBehind):
     * not a shield's inner task, whose result belongs to whoever shielded it.
     */
    fun followedTask(): TaskImpl<*>? = if (cancelsDown) followed as? TaskImpl<*> else null

    /**
     * A follower of a handed-over result hands it over in turn: wait_for or another body over it
     * keeps it too. Walked down the chain of followers in a loop, not by recursion: a chain of
     * thousands of rounds (each a thenCompose over the next) is asked this as it is cancelled.
     */
    override val handedOver: Boolean
        get() {
            var t: TaskImpl<*> = this
            while (t is FollowingTask<*>) {
                if (t.carriesGrant()) return true
                t = t.followed as? TaskImpl<*> ?: return false
            }
            return t.handedOver
        }

    /** Whether this follower's own result carries a handed-over grant, whatever it follows (DerivedTask). */
    protected open fun carriesGrant(): Boolean = false

    override fun onCancelRequested(cause: Throwable) {
        if (!cancelsDown) {
            tryFinish(Result.failure(cause))
            return
        }
        when (val followed = followed) {
            is TaskImpl<*> -> cancelLink(followed, passedOnMessage(cause))
            is CompletionStage<*> -> cancelStage(followed, cause)
        }
    }

    private fun cancelStage(stage: CompletionStage<*>, cause: Throwable) {
        val cf = try {
            stage.toCompletableFuture()
        } catch (e: UnsupportedOperationException) {
            null
        }
        if (cf != null && cf === stage) {
            cf.cancel(true) // its completion reaches this task through the listener
        } else {
            cf?.cancel(true)
            tryFinish(Result.failure(cause))
        }
    }
}

/** Removes the JDK's CompletionException/ExecutionException wrappers. */
internal fun unwrap(error: Throwable): Throwable {
    var e = error
    while ((e is CompletionException || e is ExecutionException) && e.cause != null) e = e.cause!!
    return e
}

/** A task made of a stage that is already running (Loop.adopt). */
internal class StageTask<T>(loop: EventLoop, private val stage: CompletionStage<out T>) : FollowingTask<T>(loop, null, RUNNING) {
    override val completesInTryFinish: Boolean get() = true
    override fun onStart() {
        follow(stage)
    }
}
