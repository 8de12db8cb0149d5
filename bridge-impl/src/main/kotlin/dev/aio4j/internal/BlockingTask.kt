/*
 * A blocking-style task: its Callable body runs on a thread of [executor] (a new virtual thread,
 * a pooled platform thread, to_thread's pool or the user's executor). Cancellation interrupts
 * that thread, and the task completes when the body has returned, as kotlinx's runInterruptible
 * does, but without a coroutine or a dispatch: the task object is the Runnable.
 *
 * When the body starts: a task created in a step of its loop is handed to its thread at the
 * loop's next step (asyncio's create_task schedules the first step with call_soon), so that a
 * cancel() in the step that created it means the body never runs; one created on any other thread
 * (a blocking body's, the caller of Async.run) is handed over at once, which costs no loop step.
 *
 * The interrupt is guarded by the phase (TaskImpl): cancel moves RUNNING → INTERRUPTING, interrupts,
 * then INTERRUPTED; the body's end moves RUNNING → BODY_DONE and fixes the outcome (FINISHING) in
 * the same update, so that a cancel() after the body has returned is too late, as in asyncio, and
 * costs no second update; or, if a cancel got there first, it waits out INTERRUPTING and clears the
 * interrupt, so that a pooled thread never carries it into the next body.
 */
package dev.aio4j.internal

import dev.aio4j.ExceptionContext
import dev.aio4j.internal.sync.ParkWaiter
import java.util.concurrent.Callable
import java.util.concurrent.Executor

internal open class BlockingTask<T>(
    loop: EventLoop,
    name: String?,
    body: Callable<out T>,
    private val executor: Executor,
) : TaskImpl<T>(loop, name, NEW), Runnable, Thread.UncaughtExceptionHandler {
    /**
     * The body, until its thread takes it. Plain, as [thread]: the hand-over to the executor
     * publishes it (and the thread clears it only for the collector).
     */
    private var body: Callable<out T>? = body

    /**
     * The thread running the body, for cancel() to interrupt. Plain: written before the CAS that
     * makes the phase RUNNING and read only by the canceller that moved RUNNING to INTERRUPTING
     * (which the body's thread waits out before it clears this), so the phase orders both.
     */
    private var thread: Thread? = null

    /** The handler this task replaced on its thread while the body runs (see Current). */
    @JvmField var replacedHandler: Thread.UncaughtExceptionHandler? = null

    /** The primitive's waiter the body is parked on, for cancel() to withdraw first (sync/ParkWaiter.kt). */
    @JvmField @Volatile var waitingIn: Any? = null

    /** The event loop of this task's thread for the suspend functions it joins (JoinLoop.kt); made at the first that needs it. */
    @JvmField var joinLoop: JoinLoop? = null

    override val completesInTryFinish: Boolean get() = true

    override fun onStart() {
        if (eventLoop.inLoopStep()) eventLoop.enqueue(HandOver(this)) else handOver()
    }

    /** Gives the body to its thread, unless the task was cancelled before. */
    fun handOver() {
        if (phase() != NEW) return
        if (executor is EventLoop) return failToStart(loopThreadRefusal()) // it would run the body in a step of a loop
        try {
            executor.execute(this)
        } catch (e: Throwable) {
            failToStart(e)
        }
    }

    /**
     * What the executor threw when given the body fails the task: a rejection, and anything else
     * (an executor of the user's that is shut down its own way, a platform thread the JVM cannot
     * create). Before 2026-12-06 only a RejectedExecutionException did: the rest went to the loop's
     * exception handler and left the task pending for ever when the hand-over ran in a loop step,
     * or was thrown by createTask/runInExecutor with the task left in the loop (ExecutorThrowsTest).
     * A task no longer NEW (an executor that ran the body, then threw; or a cancel() meanwhile)
     * keeps its outcome, and the exception goes to the loop's exception handler (under
     * DEFAULT_DISPATCHER it went to the worker thread's uncaught-exception handler).
     */
    fun failToStart(e: Throwable) {
        if (casPhase(NEW, BODY_DONE)) {
            tryFinish(Result.failure(e))
        } else {
            eventLoop.callExceptionHandler(ExceptionContext("The executor of ${name()} threw when given its body", e, this))
        }
    }

    /**
     * The executor ran the body on an event loop's thread (the loop itself, passed as
     * runInExecutor's executor; a pool whose CallerRunsPolicy runs it in the loop's step that
     * handed it over; a direct executor; an executor of the user's that hands it to a loop, this
     * one or another, whose thread or Dispatchers.Default worker runs it in a step): a blocking
     * body there would stall every callback of that loop, and one that joins what the loop must
     * complete would hang it. The task fails with an IllegalStateException instead, and the body
     * does not run. Before 2026-12-06 it ran marked as a blocking task's, so its blocking calls were
     * not refused (BlockingBodyOnTheLoopThreadTest; found from outside); until 2026-12-07 a loop
     * reached through a user's executor was not recognised. Told by the thread-local of Current for
     * a user's executor only: the loop's own executor makes a new virtual thread per body, which
     * that look-up would give a ThreadLocalMap.
     */
    private fun refuseLoopThread() {
        if (!casPhase(NEW, BODY_DONE)) return // cancelled before: its outcome is the cancellation
        tryFinish(Result.failure(loopThreadRefusal()))
    }

    private fun loopThreadRefusal() = IllegalStateException(
        "the executor of ${name()} would run its blocking body on an event loop's thread (a loop itself, a caller-runs " +
            "policy, a direct executor, an executor that hands it to a loop), where it would block every callback of the loop: give runInExecutor an " +
            "executor that runs bodies on threads of its own, or use Async.toThread",
    )

    /**
     * The loop's step that hands the body over (a separate object: the task itself is the thread's
     * Runnable). It leaves its thread in [thread] (unread until the phase is RUNNING, which [run]
     * sets after it has looked): a body that finds its own thread there was run by the executor
     * within this step, on the loop's thread. Told so, not by Current.get(), whose thread-local
     * would give every new virtual thread a ThreadLocalMap.
     */
    private class HandOver(private val task: BlockingTask<*>) : Runnable {
        override fun run() {
            task.thread = Thread.currentThread()
            task.handOver()
        }
    }

    override fun run() {
        val me = Thread.currentThread()
        if (thread === me || eventLoop.inLoopThread() || executor !== eventLoop.blockingExecutor && Current.get() is EventLoop) {
            return refuseLoopThread() // see HandOver; the last test: a user's executor that handed the body to a loop (this one or another)
        }
        thread = me
        if (!casPhase(NEW, RUNNING)) {
            thread = null
            return
        }
        val group = me.threadGroup
        val handler = me.uncaughtExceptionHandler
        replacedHandler = if (handler === group) null else handler
        me.uncaughtExceptionHandler = this // marks the thread as this task's: see Current
        // A thread that keeps no handler (the common pool's from JDK 24 on) is marked in Current's
        // thread-local instead; what was there is put back at the end
        val markedInLocal = me.uncaughtExceptionHandler !== this
        val previousMark = if (markedInLocal) Current.markTask(this) else null
        val threadName = givenName()?.let { n -> me.name.also { me.name = n } }
        val body = this.body!!
        this.body = null
        var result: Result<T> = try {
            Result.success(body.call())
        } catch (e: Throwable) {
            Result.failure(e)
        }
        joinLoop?.closeWalks(this) // blocking views of Flows the body left open: their finally blocks run now, on this thread
        // The usual end: the body is done and the outcome fixed in one update (a cancel() from now on is too late)
        val fixed = casPhaseAndFinish(RUNNING, BODY_DONE)
        if (fixed < 0 && !casPhase(RUNNING, BODY_DONE)) {
            while (phase() == INTERRUPTING) Thread.onSpinWait()
            Thread.interrupted()
            casPhase(INTERRUPTED, BODY_DONE)
            result = asCancellation(result)
        }
        if (threadName != null) me.name = threadName
        if (markedInLocal) Current.unmarkTask(previousMark)
        me.uncaughtExceptionHandler = replacedHandler
        replacedHandler = null
        thread = null
        joinLoop = null // a done task held on to keeps no queue and no thread
        // the completion handlers run here: close() waits for them (EventLoop.awaitBlockingTasksGone)
        if (fixed >= 0) finishFixed(result, fixed) else tryFinish(result)
    }

    /**
     * After a cancellation, what the interrupt made the body throw is the cancellation itself:
     * InterruptedException and its I/O kin, a CancellationException, or a library's exception
     * whose cause chain holds one (JDBC drivers wrap the interrupt in an SQLException).
     */
    private fun asCancellation(result: Result<T>): Result<T> {
        val e = result.exceptionOrNull() ?: return result
        return if (isCancelling() && causedByInterrupt(e)) Result.failure(cancellationCause()) else result
    }

    /** Never reached (the body's exceptions complete the task); passes on to the handler replaced. */
    override fun uncaughtException(t: Thread, e: Throwable) {
        (replacedHandler ?: t.threadGroup ?: Thread.getDefaultUncaughtExceptionHandler())?.uncaughtException(t, e)
    }

    override fun onCancelRequested(cause: Throwable) {
        if (casPhase(NEW, CANCELLED_EARLY)) {
            tryFinish(Result.failure(cause))
        } else if (casPhase(RUNNING, INTERRUPTING)) {
            ParkWaiter.withdrawWaitOf(this) // nothing a primitive grants after cancel() returns goes to this task
            thread?.let(::requestInterrupt) // counted: a cancelled task stays cancelled through its scopes (CancelScope)
            casPhase(INTERRUPTING, INTERRUPTED)
        }
    }
}

/**
 * Whether this is a blocking-style task whose body has not started: a fan-out of cancellations
 * (close(), a gather's cancel) reaches these first, before any interrupt frees a thread that would
 * start one of them (a to_thread task queued behind a full pool, a runInExecutor one behind a busy
 * executor): a task cancelled before its body starts never runs it.
 */
internal fun TaskImpl<*>.bodyNotStarted(): Boolean = this is BlockingTask<*> && phase() == TaskImpl.NEW
