/*
 * asyncio.wait_for and asyncio.timeout around a non-blocking body: follows the inner task; when
 * the deadline ([scope], which a timeoutScopeAsync body may move) passes first, it cancels the
 * inner task and, once that has finished cancelled, fails with AsyncTimeoutException (whose cause
 * is the inner cancellation). If the inner task finished with a result or another exception while
 * being cancelled, that outcome wins, as in asyncio 3.12. Cancelling the wait_for cancels the
 * inner task and stays a cancellation.
 *
 * ShieldTask, below, is asyncio.shield. Both are FollowingTasks, differing in the hooks.
 */
package dev.aio4j.internal

import dev.aio4j.AsyncTimeoutException
import java.time.Duration
import java.util.concurrent.CancellationException
import kotlinx.coroutines.DisposableHandle

internal class WaitForTask<T>(
    loop: EventLoop,
    private val timeout: Duration,
    /**
     * Whether a zero timeout cancels an inner task not done at once: wait_for(fut, 0)'s rule. Not
     * timeoutAsync's: asyncio.timeout(0) acts at the loop's next step, so its body is called and
     * may finish, or move the deadline, before then.
     */
    private val zeroCancelsAtOnce: Boolean = true,
    /**
     * What the timeout's message says did not complete: the inner task by its name if null
     * (wait_for's), "the body" for timeoutScopeAsync, whose inner task the user never saw (the
     * blocking Async.timeout's words too; before, its message named that hidden task).
     */
    private val subject: String? = null,
) : FollowingTask<T>(loop, null, RUNNING) {
    @Volatile private var inner: TaskImpl<out T>? = null
    @JvmField val scope = TimeoutScopeImpl(loop) { inner?.cancel() }

    override val completesInTryFinish: Boolean get() = true

    /**
     * Starts the deadline: before the inner task is made, so that a body that reads the scope sees
     * it. With [armed] false its timer waits for [TimeoutScopeImpl.arm] (timeoutScopeAsync's body).
     */
    fun startDeadline(armed: Boolean = true): WaitForTask<T> {
        scope.start(timeout.saturatedNanos(), armed)
        return this
    }

    /**
     * Follows [task]; a deadline that passed before is acted on now, and so is a zero timeout on a
     * task not done (asyncio's wait_for(fut, 0): a task that has not started never runs its body).
     */
    fun followInner(task: TaskImpl<out T>): WaitForTask<T> {
        inner = task
        if (zeroCancelsAtOnce && timeout.isZero && !task.isDone) scope.expireNow()
        if (scope.expired()) task.cancel()
        follow(task)
        return this
    }

    override fun onFollowedDone(): Throwable? {
        scope.close()
        return null
    }

    /**
     * The timeout this task made of the inner cancellation, if it did. Plain: made and read by the
     * thread that completes this task (outcomeOf, then tryFinish).
     */
    private var timeoutMade: AsyncTimeoutException? = null

    override fun outcomeOf(result: Result<T>): Result<T> {
        val e = result.exceptionOrNull()
        if (scope.expired() && e is CancellationException && !isCancelling()) {
            val length = scope.lengthOfDeadline(timeout)
            val timeoutError = AsyncTimeoutException("${subject ?: inner?.name()} did not complete within $length", length)
            timeoutError.initCause(e)
            timeoutMade = timeoutError
            return Result.failure(timeoutError)
        }
        return result
    }

    /**
     * A cancel() of this task that comes between the inner cancellation's end and this task's
     * completion wins over the timeout made of it: cancel() returned true, and a cancelled
     * wait_for stays a cancellation (its own deadline converts only when no other request is
     * pending, as asyncio's timeout converts only when uncancel() leaves none).
     */
    override fun failureWinsOverCancel(failure: Throwable): Boolean = failure !== timeoutMade
}

/**
 * asyncio.shield: completes as the inner task does; its own cancellation completes it at once
 * and does not reach the inner task, which runs on.
 */
internal class ShieldTask<T>(loop: EventLoop, private val inner: TaskImpl<T>) : FollowingTask<T>(loop, null, RUNNING) {
    /**
     * Its registration with the inner task, withdrawn when the shield is cancelled (asyncio's shield
     * removes its callback from the inner then): a long-lived task shielded and cancelled again and
     * again kept every shield until it completed (found from outside on 2026-12-05).
     */
    @Volatile private var registration: DisposableHandle? = null

    override fun onStart() {
        registration = followWithdrawably(inner)
        if (isDone) registration?.dispose() // cancelled while it registered
    }

    override fun onCancelRequested(cause: Throwable) {
        super.onCancelRequested(cause) // done at once: a shield's cancellation does not go down
        registration?.dispose()
    }

    // When the inner task is done, the shield completes with its outcome, which then counts as
    // retrieved (whoever awaits the shield gets it, or the shield's own failure is reported):
    // followWithdrawably. A shield cancelled first has withdrawn and does not retrieve it: a failure
    // of the inner task that nobody retrieves is reported, as asyncio's shield removes its done
    // callback from the inner then. Before, the shield retrieved it when it was made, and such a
    // failure was lost.

    override val completesInTryFinish: Boolean get() = true

    override val cancelsDown: Boolean get() = false

    override val retrievesWhenDone: Boolean get() = true // it follows by followWithdrawably only

    /**
     * The inner task's failure, arriving between this shield's cancellation request and the
     * completion that request makes, does not win over it: a shield has no body of its own, and
     * a cancel() that returned true leaves it cancelled, as asyncio's outer future is (its
     * inner-done callback then only marks the inner exception retrieved). Before, the shield ended
     * FAILED after such a cancel() (found on 2026-12-06: 99 of 20,000 rounds, ShieldCancelRaceTest).
     * A result still wins when it is a handed-over one (FollowingTask.resultWinsOverCancel).
     */
    override fun failureWinsOverCancel(failure: Throwable): Boolean = false
}
