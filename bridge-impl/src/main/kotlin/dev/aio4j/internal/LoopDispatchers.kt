/*
 * The CoroutineDispatcher of a loop, in its two threadings. Both implement kotlinx's Delay on the
 * loop's own timer heap, so delay(), withTimeout() and sleepAsync() use the loop's clock and no
 * kotlinx DefaultExecutor thread is started.
 *
 * SINGLE_THREAD: a dispatch is a callSoon; a timer resumes its continuation on the loop's thread
 * without a second hop (resumeUndispatched).
 * DEFAULT_DISPATCHER: a dispatch goes to Dispatchers.Default (marked as this loop's work); a
 * timer fires on the thread running the loop and resumes the continuation through the
 * dispatcher.
 */
@file:OptIn(InternalCoroutinesApi::class, ExperimentalCoroutinesApi::class)

package dev.aio4j.internal

import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Delay
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asExecutor
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.cancel
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.InternalCoroutinesApi
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.resume

internal abstract class LoopDispatcherBase(@JvmField val loop: EventLoop) : CoroutineDispatcher(), Delay {

    /**
     * Once the loop is closed, what it would run would never run: as kotlinx's dispatcher of a
     * closed executor does, the coroutine's job is cancelled and the block runs on Dispatchers.IO,
     * so that a coroutine of a scope of its own that was still on the loop ends and runs its
     * finally blocks (before 2026-12-05 this threw, and the coroutine was lost: its resumer got a
     * CompletionHandlerException, a thread in runBlocking over it hung).
     */
    override fun dispatch(context: CoroutineContext, block: Runnable) {
        if (loop.isClosed()) {
            loop.runOffTheClosedLoop(context, block)
            return
        }
        loop.enqueue(block)
        // A close() that ended between the check above and the enqueue has emptied the inbox
        // already (what it found there it handed on: EventLoop.disposeOnClose): take the block
        // back, so that it is not lost in the closed loop's queue.
        if (loop.tookBackAfterClose(block)) loop.runOffTheClosedLoop(context, block)
    }

    override fun scheduleResumeAfterDelay(timeMillis: Long, continuation: CancellableContinuation<Unit>) {
        if (loop.isClosed()) { // nothing would wake it: cancelled, as dispatch() does
            cancelDelay(continuation, loop.closedCancellation())
            return
        }
        val timer = ResumeTimer(deadlineAfter(System.nanoTime(), millisToNanos(timeMillis)), this, continuation)
        continuation.invokeOnCancellation { loop.timerCancelled(timer) }
        loop.addTimer(timer)
        // a close() that ended meanwhile no longer looks at the inbox (a reviewer's finding, 2026-12-06)
        if (loop.tookBackAfterClose(timer)) timer.abandon(loop.closedCancellation())
    }

    /**
     * A withTimeout on the loop's clock. Once the loop is closed its timer would never fire: the
     * timeout fires on the JDK's delay scheduler instead, as kotlinx's dispatcher of a closed
     * executor fires it on its DefaultExecutor. Before (found from outside on 2026-12-06) this threw
     * "loop is closed", which withTimeout does not expect: its timeout coroutine, already a child of
     * the caller's job, never completed, so a coroutine whose finally used withTimeout after the
     * close hung for ever (and a timeout pending at the close was dropped: see [KotlinTimeoutTimer]).
     */
    override fun invokeOnTimeout(timeMillis: Long, block: Runnable, context: CoroutineContext): DisposableHandle {
        val delayNanos = millisToNanos(timeMillis)
        if (loop.isClosed()) return timeoutAfterClose(delayNanos, block)
        val timer = KotlinTimeoutTimer(deadlineAfter(System.nanoTime(), delayNanos), loop, block)
        loop.addTimer(timer)
        if (loop.tookBackAfterClose(timer)) timer.moveOnClose() // as for a delay, above
        return timer
    }

    /** Resumes a continuation that the timer has woken. Called on the loop's thread. */
    abstract fun resumeFromTimer(continuation: CancellableContinuation<Unit>)

    override fun toString(): String = "$loop.dispatcher"

    private fun millisToNanos(ms: Long): Long = if (ms >= Long.MAX_VALUE / 1_000_000) Long.MAX_VALUE else ms.coerceAtLeast(0) * 1_000_000
}

internal class LoopThreadDispatcher(loop: EventLoop) : LoopDispatcherBase(loop) {
    override fun resumeFromTimer(continuation: CancellableContinuation<Unit>) {
        with(continuation) { resumeUndispatched(Unit) }
    }
}

internal class DefaultModeDispatcher(loop: EventLoop) : LoopDispatcherBase(loop) {
    override fun resumeFromTimer(continuation: CancellableContinuation<Unit>) {
        continuation.resume(Unit)
    }
}

/** The timer of a delay(): resumes the continuation when due, unless it was cancelled. */
internal class ResumeTimer(
    override val deadline: Long,
    private val dispatcher: LoopDispatcherBase,
    @JvmField val continuation: CancellableContinuation<Unit>,
) : HeapTimer() {
    override fun run() {
        if (!isTimerCancelled) dispatcher.resumeFromTimer(continuation)
    }

    /** The loop closed with this timer pending (a coroutine of a scope of its own): it never fires, so the delay is cancelled; true if it was pending. */
    fun abandon(closed: java.util.concurrent.CancellationException): Boolean {
        if (isTimerCancelled) return false
        cancelDelay(continuation, closed)
        return true
    }
}

/**
 * The timer of a kotlinx withTimeout on the loop's clock. One still pending when the loop closes
 * is moved to the JDK's delay scheduler with the time it had left (EventLoop.disposeOnClose), so
 * that the timeout still ends its coroutine (which then resumes on Dispatchers.IO, as a delay's
 * does): dropped with the loop's timers, as it was before 2026-12-06, a coroutine of a scope of its
 * own waiting within withTimeout never ended.
 */
internal class KotlinTimeoutTimer(deadline: Long, loop: EventLoop, private val action: Runnable) :
    LoopTimer(deadline, loop), DisposableHandle {
    /** The timeout on the JDK's scheduler once the loop has closed. */
    @Volatile private var moved: DisposableHandle? = null

    override fun dispose() {
        cancelTimer()
        moved?.dispose()
    }

    override fun run() { if (!isTimerCancelled) action.run() }

    /** Called by close() once the loop is closed: the timeout goes on off the loop. */
    fun moveOnClose() {
        if (isTimerCancelled) return
        val handle = timeoutAfterClose(saturatedDifference(deadline, System.nanoTime()).coerceAtLeast(0), action)
        moved = handle
        if (isTimerCancelled) handle.dispose() // disposed meanwhile, before it could see [moved]
    }
}

/**
 * Runs [block] after [delayNanos], timed by the JDK's delay scheduler (CompletableFuture's) and run
 * on Dispatchers.IO (not on the scheduler's one JVM-wide thread, which every orTimeout shares),
 * unless the handle is disposed first.
 */
private fun timeoutAfterClose(delayNanos: Long, block: Runnable): DisposableHandle {
    val due = java.util.concurrent.CompletableFuture<Void?>().completeOnTimeout(null, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS)
    due.thenRunAsync(block, Dispatchers.IO.asExecutor())
    return object : DisposableHandle {
        override fun dispose() {
            due.cancel(false)
        }
    }
}

/** Cancels a delay that the closed loop will never end, and its coroutine's job (the coroutine then resumes on Dispatchers.IO). */
private fun cancelDelay(continuation: CancellableContinuation<Unit>, closed: java.util.concurrent.CancellationException) {
    continuation.context.cancel(closed)
    continuation.cancel(closed)
}
