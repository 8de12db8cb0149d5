/*
 * asyncio.wait_for: follows the inner task; when the deadline passes first, it cancels the inner
 * task and, once that has finished cancelled, fails with AsyncTimeoutException (whose cause is
 * the inner cancellation). If the inner task finished with a result or another exception while
 * being cancelled, that outcome wins, as in asyncio 3.12. Cancelling the wait_for cancels the
 * inner task and stays a cancellation.
 */
package dev.aio4j.internal

import dev.aio4j.AsyncTimeoutException
import java.time.Duration
import java.util.concurrent.CancellationException

internal class WaitForTask<T>(
    loop: EventLoop,
    private val inner: TaskImpl<T>,
    private val timeout: Duration,
) : TaskImpl<T>(loop, null, RUNNING), (Throwable?) -> Unit {
    @Volatile private var timedOut = false
    @Volatile private var timer: ActionTimer? = null

    override fun onStart() {
        inner.markRetrieved()
        if (timeout.isZero && !inner.isDone) {
            // asyncio's wait_for(fut, 0): a task not done is cancelled now, so one that has not
            // started never runs its body, and the timeout is raised once it has finished
            timedOut = true
            inner.cancel()
        } else if (!inner.isDone) {
            timer = eventLoop.timerAfter(timeout.saturatedNanos()) {
                timedOut = true
                inner.cancel()
            }
        }
        inner.job.invokeOnCompletion(this)
    }

    override fun invoke(cause: Throwable?) {
        timer?.dispose()
        val result = inner.resultNow0()
        val e = result.exceptionOrNull()
        if (timedOut && e is CancellationException && !job.isCancelled) {
            val timeoutError = AsyncTimeoutException("${inner.name()} did not complete within $timeout", timeout)
            timeoutError.initCause(e)
            tryFinish(Result.failure(timeoutError))
        } else {
            tryFinish(result)
        }
    }

    override fun onCancelRequested(cause: Throwable) {
        inner.cancel()
    }
}

/**
 * asyncio.shield: completes as the inner task does; its own cancellation completes it at once
 * and does not reach the inner task, which runs on.
 */
internal class ShieldTask<T>(loop: EventLoop, private val inner: TaskImpl<T>) : TaskImpl<T>(loop, null, RUNNING), (Throwable?) -> Unit {
    override fun onStart() {
        inner.markRetrieved()
        inner.job.invokeOnCompletion(this)
    }

    override fun invoke(cause: Throwable?) {
        tryFinish(inner.resultNow0())
    }

    override fun onCancelRequested(cause: Throwable) {
        tryFinish(Result.failure(cause))
    }
}
