/*
 * A task: the Task facade that users hold, and its coroutine (TaskJob, a kotlinx
 * AbstractCoroutine) that gives it a place in the loop's job tree. They are two objects because
 * one class cannot be both: kotlinx's Job.isCancelled (true for failures too) and its hidden
 * Job.cancel(): Unit clash with Task.isCancelled() and Task.cancel(): boolean.
 *
 * Construction: a factory builds the task (no other thread can see it yet), then calls [start]
 * once: it makes the task a child of its parent's job (the only place any task kind attaches to
 * the job tree; a top-level task whose job only tryFinish completes is kept in the loop's
 * LoopTasks instead of under the root job) and then begins it with the kind's [onStart] (hand a body to its thread, schedule
 * its first step, register with what it follows). A loop that has stopped accepting tasks
 * (Loop.close() is past its last sweep) refuses it there: the task ends cancelled without
 * beginning and start() throws "loop is closed". DoneTask, born done, is never started.
 *
 * Internal states (Task.state() is read from them):
 *
 *   job (kotlinx JobSupport)   phase            flags       Task.state()   fields in use
 *   -----------------------   --------------   ---------   ------------   -------------------------
 *   active                    NEW              -           PENDING        the subclass's body
 *   active                    RUNNING          -           RUNNING        what the subclass follows
 *   cancelling (requested)    RUNNING,         -           RUNNING        (a blocking body is
 *                             INTERRUPTING,                               interrupted; the rest
 *                             INTERRUPTED                                 cancel what they follow)
 *   active or cancelling      any              FINISHING   RUNNING        [value] on a success
 *   completed, no exception   any              FINISHING   SUCCESS        [value]
 *   completed, exception      any              RECORDED    FAILED         [unretrieved] until retrieved
 *   completed, cancellation   CANCELLED_EARLY  -           CANCELLED      -
 *                             or any
 *
 * [status] packs the body's phase (low 4 bits), three flags and, from bit 8 up, [cancelRequests]:
 *   RETRIEVED  someone has seen or will see the outcome (join, resultNow, callbacks, combinators,
 *              a cancel() that came too late: asyncio's Future.cancel() clears its report flag too)
 *   RECORDED   the task failed while not retrieved, and [unretrieved] holds its record
 *   FINISHING  tryFinish has handed the outcome to the job: later completions are ignored
 *
 *   phase:  NEW ──body starts──▶ RUNNING ──body ends──────────────────▶ BODY_DONE
 *            │                      └─cancel: INTERRUPTING ─▶ INTERRUPTED ─body ends─▶ BODY_DONE
 *            └─cancel before start──▶ CANCELLED_EARLY (the body never runs)
 *
 * The order of kotlinx's hooks that this class relies on (JobSupport, kotlinx.coroutines 1.11):
 *   - cancelCoroutine(cause) calls onCancelling(cause) on the cancelling thread, once, before it
 *     returns and before the job's children and handlers hear of it: [onCancelRequested] runs
 *     there, so that a cancel() has reached the body (interrupt, early completion) when it returns.
 *   - A job with no children completing normally (resumeWith on an active job) goes through
 *     tryFinalizeSimpleState: the state becomes final (isCompleted is true for every thread)
 *     before onCompleted/onCancelled is called, and the completion handlers run after both. So
 *     the result is stored in [value] before the job completes, never in onCompleted.
 *   - A failing or cancelled job goes through finalizeFinishingState: handleJobException (a
 *     failure no parent takes) runs before the state becomes final, so [onUnhandledFailure] has
 *     recorded an unretrieved failure before any reader can see the job completed.
 *   - attachChild on a parent that is already cancelling or completed cancels the child at once.
 *   - resumeWith on a job without children completes it before it returns, whether the job was
 *     active or cancelling: so a kind whose job only [tryFinish] completes ([completesInTryFinish])
 *     tells its first internal follower ([whenDone]) right after, without a handler node.
 *
 * @InternalCoroutinesApi used (kotlinx may change it in any release; the tests exercise every hook):
 * AbstractCoroutine, the superclass of TaskJob, and through it its constructor with
 * initParentJob = false, initParentJob, onCancelling, handleJobException and
 * cancellationExceptionMessage. Public JobSupport members relied on for their exact behaviour:
 * cancelCoroutine (returns false once the job is completing), getCompletionExceptionOrNull,
 * getCancellationException. Elsewhere in bridge-impl: Delay (LoopDispatchers.kt);
 * KotlinAwait.kt opts in as well.
 */
@file:OptIn(InternalCoroutinesApi::class)

package dev.aio4j.internal

import dev.aio4j.Loop
import dev.aio4j.Outcome
import dev.aio4j.Task
import dev.aio4j.TaskCancelledException
import dev.aio4j.TaskFailedException
import dev.aio4j.TaskState
import java.lang.ref.WeakReference
import java.time.Duration
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater
import java.util.function.Consumer
import kotlinx.coroutines.AbstractCoroutine
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

internal abstract class TaskImpl<T>(
    @JvmField val eventLoop: EventLoop,
    name: String?,
    initialPhase: Int,
    coroutineContext: CoroutineContext = EmptyCoroutineContext,
) : TaskStages<T>() {
    /**
     * The task's place in the job tree. Only a task whose body is a coroutine (it calls job.start
     * in [onStart]) needs a [coroutineContext] to run in, with the loop's dispatcher; the others
     * get the empty one, which saves a context object per task (the parent is given to [start]).
     * A coroutine started without the context would run on whatever thread resumes it.
     */
    @JvmField val job: TaskJob<T> = TaskJob(coroutineContext, this)
    @Volatile private var taskName: String? = name
    @JvmField @Volatile var status: Int = initialPhase

    /**
     * The result once the task succeeded: stored before the job completes (see [valueNow]). Not
     * volatile: it is read only after the job's state was seen completed (exceptionOrNull,
     * isCompleted: volatile reads), and the job's completing CAS comes after the store.
     */
    private var value: Any? = null

    /** The record of a failure nobody had retrieved when it happened (flag RECORDED). */
    @Volatile private var unretrieved: Unretrieved? = null

    /** The done callbacks added while the task was not done, for [removeDoneCallback]; guarded by this task's monitor. */
    private var doneCallbacks: ArrayList<DoneCallback<T>>? = null

    /**
     * The first internal follower ([whenDone]: a gather, a following task), told of the completion
     * by [tryFinish] without a kotlinx handler node; [FOLLOWER_TOLD] once tryFinish has passed.
     */
    @Volatile private var follower: Any? = null

    // ------------------------------------------------------------------ construction

    /**
     * Makes the task a child of [parent]'s job (a top-level task of a kind that [completesInTryFinish]
     * joins the loop's [LoopTasks] instead of the root job), then begins it ([onStart]). Called
     * once by the task's factory on the fully built task. Once the loop no longer accepts tasks (a
     * close() past its last sweep), the task ends cancelled without beginning and this throws
     * IllegalStateException("loop is closed"): the closing loop either sees the task among its
     * tasks (it cancels and waits for it) or the task sees the refusal (see EventLoop.close).
     */
    fun start(parent: CoroutineContext) {
        val parentJob = if (parent === eventLoop.taskContext) eventLoop.rootJob else parent[Job] // a context lookup walks its elements
        if (parentJob === eventLoop.rootJob && completesInTryFinish) {
            job.attach(null)
            eventLoop.tasks.add(this) // instead of a child node on the root: see LoopTasks
        } else {
            job.attach(parentJob)
        }
        if (eventLoop.refusesTasks) {
            tryFinish(Result.failure(CancellationException("loop is closed")))
            throw IllegalStateException("loop is closed")
        }
        onStart()
    }

    /** Begins the task: what its kind does once it has its place in the job tree. */
    protected open fun onStart() {}

    // ------------------------------------------------------------------ for subclasses

    /**
     * Called once when cancellation is requested before the task finishes: on [cancel], a
     * parent's cancellation, or a task group's failure. Runs on the cancelling thread.
     */
    protected open fun onCancelRequested(cause: Throwable) {}

    /** Completes the task with [result] unless it is already finishing; true if this call did. */
    fun tryFinish(result: Result<T>): Boolean {
        if (setFlag(FINISHING) and FINISHING != 0) return false
        if (result.isSuccess) value = result.getOrNull() // before the job completes: see [valueNow]
        job.resumeWith(result)
        if (completesInTryFinish) {
            if (slotInLoop >= 0) leaveLoopTasks()
            tellFollower()
        }
        return true
    }

    /** This task's slot in its loop's [LoopTasks] while it is one of them, else -1; guarded by that object's lock. */
    @JvmField @Volatile var slotInLoop: Int = -1

    /** Leaves the loop's tasks once the job is complete (at once, unless it waits for children of its own). */
    private fun leaveLoopTasks() {
        if (job.isCompleted) eventLoop.tasks.remove(this) else job.invokeOnCompletion { eventLoop.tasks.remove(this) }
    }

    /**
     * Whether this kind's job completes only through [tryFinish] (no coroutine body completes it),
     * so that [tryFinish] can tell the [follower] itself. A kind whose job a coroutine completes
     * keeps the default false: its followers are the job's completion handlers.
     */
    protected open val completesInTryFinish: Boolean get() = false

    /**
     * Calls [handler] with the completion exception (null for a result) once this task is
     * complete, on the completing thread, after the job's own completion handlers; at once if it is
     * complete already. An internal follower's registration: the first costs no kotlinx handler
     * node (a gather input, a followed task), the others are the job's completion handlers. Cannot
     * be withdrawn.
     */
    fun whenDone(handler: (Throwable?) -> Unit) {
        if (completesInTryFinish && FOLLOWER.compareAndSet(this, null, handler)) return
        if (job.isCompleted) handler(exceptionOrNull()) else job.invokeOnCompletion(handler) // kotlinx makes a node even for a completed job
    }

    /**
     * Tells the [follower], after [tryFinish] handed the outcome to the job. The job is complete
     * then, unless it waits for children of its own (a task group): then the follower becomes a
     * completion handler. Later [whenDone] calls see [FOLLOWER_TOLD] and register with the job.
     */
    private fun tellFollower() {
        @Suppress("UNCHECKED_CAST")
        val handler = FOLLOWER.getAndSet(this, FOLLOWER_TOLD) as ((Throwable?) -> Unit)? ?: return
        if (!job.isCompleted) {
            job.invokeOnCompletion(handler)
            return
        }
        try {
            handler(exceptionOrNull())
        } catch (e: Throwable) { // as kotlinx does with a completion handler's exception: reported, the completion goes on
            eventLoop.callExceptionHandler(dev.aio4j.ExceptionContext("Exception in the completion handler of ${name()}", e, this))
        }
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
     * The result of a task that completed successfully. It is stored in [value] before the job
     * completes (by [tryFinish], or by the coroutine body of a coroutine task through
     * [storeValue]): kotlinx's fast completion path makes a job completed before it calls
     * onCompleted, so a reader that saw the job completed could not rely on onCompleted having
     * stored it.
     */
    @Suppress("UNCHECKED_CAST")
    fun valueNow(): T = value as T

    /** Stores what a coroutine body returns, as its last act before the coroutine completes. */
    fun storeValue(result: T): T {
        value = result
        return result
    }

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
        if (old and (RETRIEVED or RECORDED) == RECORDED) unretrieved?.markRetrieved()
    }

    fun onUnhandledFailure(exception: Throwable) {
        val record = Unretrieved(this, exception, eventLoop)
        unretrieved = record
        while (true) {
            val s = status
            if (s and RETRIEVED != 0) {
                unretrieved = null
                return
            }
            if (STATUS.compareAndSet(this, s, s or RECORDED)) break
        }
        eventLoop.track(record)
    }

    fun onCancelling(cause: Throwable) {
        if (status and FINISHING == 0) {
            requestCancel()
            onCancelRequested(cause)
        }
    }

    // ------------------------- cancellation requests (asyncio's Task.cancelling() and uncancel())

    /**
     * How many requests to interrupt this task's body are pending: the task's own cancellation
     * counts one, for good (a cancelled task stays cancelled); each scope of a blocking body that
     * fired (a deadline of Async.timeout, a failing task group: CancelScope) counts one until it
     * closes. A scope compares it with its value at entry to tell its own request from the others.
     * Kept in [status]'s high bits (from bit [REQUEST_SHIFT]), which saves a field per task.
     */
    val cancelRequests: Int get() = status ushr REQUEST_SHIFT

    fun requestCancel() {
        STATUS.getAndAdd(this, ONE_REQUEST)
    }

    /** Takes one request back; returns how many are left. */
    fun uncancel(): Int = STATUS.addAndGet(this, -ONE_REQUEST) ushr REQUEST_SHIFT

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

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun cancel(message: String?): Boolean {
        requireArgument(message, "message", "Task.cancel")
        return cancelWith(message)
    }

    /**
     * Requests cancellation; false when it came too late (the task is done, or completing with
     * its outcome fixed), so that of a racing cancel() and completion exactly one reports success.
     * A cancel() of a done task counts as retrieving its outcome (asyncio's Future.cancel() clears
     * the report flag first): its failure is not reported as never retrieved.
     */
    private fun cancelWith(message: String?): Boolean {
        if (job.isCompleted) {
            markRetrieved()
            return false
        }
        val name = name()
        return job.cancelCoroutine(TaskCancelledException(message ?: "$name was cancelled", name, eventLoop.options().debug()))
    }

    override fun join(): T {
        checkNotSelf()
        return Blocking.join(this, -1)
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun join(timeout: Duration?): T {
        requireArgument(timeout, "timeout", "Task.join")
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

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun addDoneCallback(callback: Consumer<in Task<T>>?) {
        requireArgument(callback, "callback", "Task.addDoneCallback")
        eventLoop.checkOpen()
        markRetrieved()
        val registration = DoneCallback(this, callback)
        if (!job.isCompleted) {
            synchronized(this) { (doneCallbacks ?: ArrayList<DoneCallback<T>>(2).also { doneCallbacks = it }).add(registration) }
        }
        registration.handle = job.invokeOnCompletion(registration)
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun removeDoneCallback(callback: Consumer<in Task<T>>?): Int {
        requireArgument(callback, "callback", "Task.removeDoneCallback")
        var removed = 0
        synchronized(this) {
            val list = doneCallbacks ?: return 0
            val each = list.iterator()
            while (each.hasNext()) {
                val registration = each.next()
                if (registration.callback === callback) {
                    each.remove()
                    if (registration.withdraw()) removed++
                }
            }
        }
        return removed
    }

    override fun toCompletableFuture(): CompletableFuture<T> {
        markRetrieved()
        val view = TaskView(this)
        whenDone(view)
        return view
    }

    override fun toString(): String {
        val state = state()
        val detail = when (state) {
            TaskState.SUCCESS -> " result=${value}"
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

        /** [cancelRequests] is status ushr REQUEST_SHIFT. */
        private const val REQUEST_SHIFT = 8
        private const val ONE_REQUEST = 1 shl REQUEST_SHIFT

        private val FOLLOWER_TOLD = Any()

        private val STATUS: AtomicIntegerFieldUpdater<TaskImpl<*>> =
            AtomicIntegerFieldUpdater.newUpdater(TaskImpl::class.java, "status")
        private val FOLLOWER: AtomicReferenceFieldUpdater<TaskImpl<*>, Any?> =
            AtomicReferenceFieldUpdater.newUpdater(TaskImpl::class.java, Any::class.java, "follower")
    }
}

/**
 * One addDoneCallback registration: the job's completion handler that schedules the callback on
 * the loop (asyncio's call_soon), unless [withdraw] (removeDoneCallback) claimed it first.
 */
internal class DoneCallback<T>(private val task: TaskImpl<T>, @JvmField val callback: Consumer<in Task<T>>) : (Throwable?) -> Unit, Runnable {
    @Volatile private var state = REGISTERED
    @Volatile @JvmField var handle: DisposableHandle? = null

    override fun invoke(cause: Throwable?) {
        if (STATE.compareAndSet(this, REGISTERED, SCHEDULED)) task.eventLoop.enqueue(HandleImpl(task.eventLoop, this))
    }

    /** Claims the registration before it is scheduled; true if this call did. */
    fun withdraw(): Boolean {
        if (!STATE.compareAndSet(this, REGISTERED, WITHDRAWN)) return false
        handle?.dispose()
        return true
    }

    override fun run() = callback.accept(task)

    override fun toString(): String = callback.toString()

    private companion object {
        const val REGISTERED = 0
        const val SCHEDULED = 1
        const val WITHDRAWN = 2
        val STATE: AtomicIntegerFieldUpdater<DoneCallback<*>> = AtomicIntegerFieldUpdater.newUpdater(DoneCallback::class.java, "state")
    }
}

/** The coroutine of a task: its place in the job tree, and the hooks back to it. */
internal class TaskJob<T>(parentContext: CoroutineContext, @JvmField val task: TaskImpl<T>) :
    AbstractCoroutine<T>(parentContext, initParentJob = false, active = true) {

    /** Becomes a child of [parent]: called by TaskImpl.start only. */
    fun attach(parent: Job?) = initParentJob(parent)

    override fun onCancelling(cause: Throwable?) {
        if (cause == null) return
        if (cause !is CancellationException) cancelChildTasks(cause)
        task.onCancelling(cause)
    }

    /** Called when no parent takes the failure (the loop's root is a supervisor): it may go unretrieved. */
    override fun handleJobException(exception: Throwable): Boolean {
        task.onUnhandledFailure(exception)
        return true
    }

    override fun cancellationExceptionMessage(): String = "${task.name()} was cancelled"

    /**
     * This job is failing (a task of a TaskGroup failed, or the group's body did): kotlinx has fixed
     * the job's root cause and is about to cancel the children, each with its internal
     * JobCancellationException ("Parent job is Cancelling"). Before it does, every child task still
     * active is cancelled as Task.cancel does: a sibling of the failing task sees, in its body and
     * in its outcome, a TaskCancelledException naming it (asyncio's TaskGroup cancels the others
     * with task.cancel()). Here and not in childCancelled: there the root cause is not fixed yet, so
     * a sibling that fails at once on its cancellation could become the group's first failure.
     */
    private fun cancelChildTasks(cause: Throwable) {
        for (child in children) {
            if (child is TaskJob<*> && child.isActive) {
                child.task.cancel("${child.task.name()} was cancelled: its group is failing with $cause")
            }
        }
    }
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

