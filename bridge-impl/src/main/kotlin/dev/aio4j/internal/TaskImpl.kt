/*
 * A task: the Task facade that users hold, and its coroutine (TaskJob, a kotlinx
 * AbstractCoroutine) that gives it a place in the loop's job tree. They are two objects because
 * one class cannot be both: kotlinx's Job.isCancelled (true for failures too) and its hidden
 * Job.cancel(): Unit clash with Task.isCancelled() and Task.cancel(): boolean.
 *
 * The job's states give the task's: active → RUNNING (or PENDING before the body starts),
 * cancelling → still RUNNING (asyncio's rule: cancellation is a request, done when the body is),
 * completed → SUCCESS / FAILED / CANCELLED by its completion exception.
 *
 * [status] packs the body's phase (low 4 bits, below) and three flags:
 *   RETRIEVED  someone has seen or will see the outcome (join, resultNow, callbacks, combinators)
 *   RECORDED   the task failed while not retrieved, and [slot] holds its Unretrieved record
 *   FINISHING  tryFinish has handed the outcome to the job: later completions are ignored
 *
 *   phase:  NEW ──body starts──▶ RUNNING ──body ends──────────────────▶ BODY_DONE
 *            │                      └─cancel: INTERRUPTING ─▶ INTERRUPTED ─body ends─▶ BODY_DONE
 *            └─cancel before start──▶ CANCELLED_EARLY (the body never runs)
 *
 * [slot] holds the body until it starts, then whatever the subclass follows (a stage, a task),
 * then the result on success, or the Unretrieved record on an unretrieved failure.
 */
@file:OptIn(InternalCoroutinesApi::class)

package dev.aio4j.internal

import dev.aio4j.Loop
import dev.aio4j.Outcome
import dev.aio4j.Task
import dev.aio4j.TaskFailedException
import dev.aio4j.TaskState
import java.lang.ref.WeakReference
import java.time.Duration
import java.util.Objects
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.function.Consumer
import kotlinx.coroutines.AbstractCoroutine
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

internal abstract class TaskImpl<T>(
    @JvmField val eventLoop: EventLoop,
    parentContext: CoroutineContext,
    name: String?,
    initialPhase: Int,
    runsCoroutine: Boolean,
) : TaskStages<T>() {
    /**
     * The task's place in the job tree. Only a task whose body is a coroutine ([runsCoroutine]:
     * it calls job.start) needs a context to run in, with the loop's dispatcher; the others get the
     * empty one, which saves a context object per task (the parent is given to [TaskJob.attach]
     * directly). Every task kind says which it is: a coroutine started without the context would
     * run on whatever thread resumes it.
     */
    @JvmField val job: TaskJob<T> = TaskJob(if (runsCoroutine) parentContext else EmptyCoroutineContext, this)
    @Volatile private var taskName: String? = name
    @JvmField @Volatile var status: Int = initialPhase
    @JvmField @Volatile var slot: Any? = null

    // ------------------------------------------------------------------ for subclasses

    /**
     * Called once when cancellation is requested before the task finishes: on [cancel], a
     * parent's cancellation, or a task group's failure. Runs on the cancelling thread.
     */
    protected open fun onCancelRequested(cause: Throwable) {}

    /** Completes the task with [result] unless it is already finishing; true if this call did. */
    fun tryFinish(result: Result<T>): Boolean {
        if (setFlag(FINISHING) and FINISHING != 0) return false
        if (result.isSuccess) slot = result.getOrNull() // before the job completes: see [valueNow]
        job.resumeWith(result)
        return true
    }

    fun phase(): Int = status and PHASE_MASK

    fun casPhase(expect: Int, update: Int): Boolean {
        while (true) {
            val s = status
            if (s and PHASE_MASK != expect) return false
            if (STATUS.compareAndSet(this, s, (s and PHASE_MASK.inv()) or update)) return true
        }
    }

    /** Sets [flag] and returns the status before. */
    private fun setFlag(flag: Int): Int {
        while (true) {
            val s = status
            if (s and flag != 0 || STATUS.compareAndSet(this, s, s or flag)) return s
        }
    }

    // -------------------------------------------------------------- outcome, for internals

    /** The completion exception of a completed task, or null for a result. */
    fun exceptionOrNull(): Throwable? = job.getCompletionExceptionOrNull()

    /**
     * The result of a task that completed successfully. It is stored in [slot] before the job
     * completes (by [tryFinish], or by the coroutine body of a coroutine task): kotlinx's fast
     * completion path makes a job completed before it calls onCompleted, so a reader that saw the
     * job completed could not rely on onCompleted having stored it.
     */
    @Suppress("UNCHECKED_CAST")
    fun valueNow(): T = slot as T

    fun resultNow0(): Result<T> {
        val e = exceptionOrNull()
        return if (e == null) Result.success(valueNow()) else Result.failure(e)
    }

    /** What join() returns or throws for a completed task, by the exception rule. */
    fun outcomeForAwait(): T {
        markRetrieved()
        val e = exceptionOrNull() ?: return valueNow()
        throw rethrowable(e)
    }

    fun rethrowable(e: Throwable): RuntimeException = when (e) {
        is RuntimeException -> e
        is Error -> throw e
        else -> TaskFailedException("${name()} failed: $e", e)
    }

    /** Counts as having seen the outcome: a failure will not be reported as never retrieved. */
    fun markRetrieved() {
        val old = setFlag(RETRIEVED)
        if (old and (RETRIEVED or RECORDED) == RECORDED) (slot as? Unretrieved)?.markRetrieved()
    }

    fun onUnhandledFailure(exception: Throwable) {
        val record = Unretrieved(this, exception, eventLoop)
        slot = record
        while (true) {
            val s = status
            if (s and RETRIEVED != 0) {
                slot = null
                return
            }
            if (STATUS.compareAndSet(this, s, s or RECORDED)) break
        }
        eventLoop.track(record)
    }

    fun onCancelling(cause: Throwable) {
        if (status and FINISHING == 0) onCancelRequested(cause)
    }

    // ------------------------------------------------------------------------- Task API

    override fun name(): String {
        taskName?.let { return it }
        synchronized(this) {
            return taskName ?: eventLoop.nextTaskName().also { taskName = it }
        }
    }

    /** The name given at creation, if any (unnamed tasks are numbered on first request). */
    fun givenName(): String? = taskName

    override fun loop(): Loop = eventLoop

    override fun state(): TaskState {
        if (job.isCompleted) {
            val e = exceptionOrNull()
            return when {
                e == null -> TaskState.SUCCESS
                e is CancellationException -> TaskState.CANCELLED
                else -> TaskState.FAILED
            }
        }
        return if (phase() == NEW) TaskState.PENDING else TaskState.RUNNING
    }

    override fun isDone(): Boolean = job.isCompleted

    override fun isCancelled(): Boolean = job.isCompleted && exceptionOrNull() is CancellationException

    override fun cancel(): Boolean = cancelWith(null)

    override fun cancel(message: String): Boolean {
        Objects.requireNonNull(message, "message")
        return cancelWith(message)
    }

    /**
     * Requests cancellation; false when it came too late (the task is done, or completing with
     * its outcome fixed), so that of a racing cancel() and completion exactly one reports success.
     */
    private fun cancelWith(message: String?): Boolean {
        if (job.isCompleted) return false
        val text = message ?: "${name()} was cancelled"
        return job.cancelCoroutine(if (eventLoop.options().debug()) CancellationException(text) else TaskCancelledException(text))
    }

    override fun join(): T {
        checkNotSelf()
        return Blocking.join(this, -1)
    }

    override fun join(timeout: Duration): T {
        Objects.requireNonNull(timeout, "timeout")
        require(!timeout.isNegative) { "timeout must not be negative: $timeout" }
        checkNotSelf()
        return Blocking.join(this, timeout.saturatedNanos())
    }

    private fun checkNotSelf() {
        if (Current.get() === this) throw IllegalStateException("${name()} cannot join itself")
    }

    override fun resultNow(): T {
        if (!job.isCompleted) throw IllegalStateException("${name()} has not completed")
        val e = exceptionOrNull() ?: return valueNow()
        if (e is CancellationException) throw IllegalStateException("${name()} was cancelled")
        markRetrieved() // the exception reaches the caller as this one's cause: asyncio's result() counts too
        throw IllegalStateException("${name()} completed with an exception", e)
    }

    override fun exceptionNow(): Throwable {
        if (!job.isCompleted) throw IllegalStateException("${name()} has not completed")
        val e = exceptionOrNull() ?: throw IllegalStateException("${name()} completed with a result")
        if (e is CancellationException) throw IllegalStateException("${name()} was cancelled")
        markRetrieved()
        return e
    }

    override fun outcomeNow(): Outcome<T> {
        if (!job.isCompleted) throw IllegalStateException("${name()} has not completed")
        markRetrieved()
        return when (val e = exceptionOrNull()) {
            null -> Outcome.Success(valueNow())
            is CancellationException -> Outcome.Cancelled(e)
            else -> Outcome.Failure(e)
        }
    }

    override fun addDoneCallback(callback: Consumer<in Task<T>>) {
        Objects.requireNonNull(callback, "callback")
        eventLoop.checkOpen()
        markRetrieved()
        job.invokeOnCompletion { eventLoop.enqueue(HandleImpl(eventLoop) { callback.accept(this) }) }
    }

    override fun toCompletableFuture(): CompletableFuture<T> {
        markRetrieved()
        val view = TaskView(this)
        if (job.isCompleted) view.invoke(null) else job.invokeOnCompletion(view) // no handler node for a done task
        return view
    }

    override fun toString(): String {
        val state = state()
        val detail = when (state) {
            TaskState.SUCCESS -> " result=${slot}"
            TaskState.FAILED, TaskState.CANCELLED -> " exception=${exceptionOrNull()}"
            else -> ""
        }
        return "Task(${name()} $state$detail)"
    }

    companion object {
        const val PHASE_MASK = 0xF
        const val NEW = 0
        const val RUNNING = 1
        const val INTERRUPTING = 2
        const val INTERRUPTED = 3
        const val BODY_DONE = 4
        const val CANCELLED_EARLY = 5

        const val RETRIEVED = 0x10
        const val RECORDED = 0x20
        const val FINISHING = 0x40

        private val STATUS: AtomicIntegerFieldUpdater<TaskImpl<*>> =
            AtomicIntegerFieldUpdater.newUpdater(TaskImpl::class.java, "status")
    }
}

/** The coroutine of a task: its place in the job tree, and the hooks back to it. */
internal class TaskJob<T>(parentContext: CoroutineContext, @JvmField val task: TaskImpl<T>) :
    AbstractCoroutine<T>(parentContext, initParentJob = false, active = true) {

    /** Becomes a child of [parent]; done by each final task class once it is fully built. */
    fun attach(parent: Job?) = initParentJob(parent)

    override fun onCancelling(cause: Throwable?) {
        if (cause != null) task.onCancelling(cause)
    }

    override fun onCancelled(cause: Throwable, handled: Boolean) {
        if (task.slot !is Unretrieved) task.slot = null
    }

    /** Called when no parent takes the failure (the loop's root is a supervisor): it may go unretrieved. */
    override fun handleJobException(exception: Throwable): Boolean {
        task.onUnhandledFailure(exception)
        return true
    }

    override fun cancellationExceptionMessage(): String = "${task.name()} was cancelled"
}

/**
 * A task's failure that nobody had retrieved when it happened. The loop reports it to its
 * exception handler when the task is garbage-collected (as asyncio does) or when the loop closes,
 * unless it is retrieved first.
 */
internal class Unretrieved(task: TaskImpl<*>, @JvmField val exception: Throwable, private val loop: EventLoop) :
    WeakReference<TaskImpl<*>>(task, loop.unretrievedQueue) {
    @Volatile @JvmField var retrieved = false

    fun markRetrieved() {
        retrieved = true
        loop.untrack(this)
    }
}

/**
 * The cancellation of a task by Task.cancel. Without a stack trace unless the loop is in debug
 * mode: cancelling a million sleepers should not cost a million stack walks.
 */
internal class TaskCancelledException(message: String) : CancellationException(message) {
    override fun fillInStackTrace(): Throwable = this
}
