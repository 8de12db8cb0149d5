/*
 * A task: the Task facade that users hold. Its state is its own ([status], [value]), read without
 * kotlinx; a kotlinx Job (TaskJob, an AbstractCoroutine) is added only where the job tree is
 * needed:
 *   - a kind whose job completes on its own ([completesInTryFinish] false: a coroutine body, a
 *     Suspend.call function, a TaskGroup that waits for its tasks) has one from the start; the job
 *     decides the outcome and hands it to the task when it completes ([completeFromJob], from
 *     TaskJob.onCompleted/onCancelled);
 *   - a kind that only [tryFinish] completes (every other: blocking and non-blocking bodies,
 *     stages, promises, sleeps, waiters, derived stages...) has one only when it is a task of a
 *     TaskGroup: a mirror the group waits for and cancels through, completed right after the task;
 *   - the rest, the top-level tasks, have none: a task costs this object, it is kept in the loop's
 *     LoopTasks (which close() cancels and allTasks() lists), and its completion handlers are its
 *     own ([whenDone], [onDone]). A kotlinx Job per task (object, completion nodes, child node on
 *     the loop's root) was half the time of a lock or queue hand-off.
 * Every top-level task, with a job or without, is kept in the loop's LoopTasks; a top-level
 * task's job has no parent (under the root, a supervisor, its failure was its own all the same).
 * The two classes are apart because one cannot be both: kotlinx's Job.isCancelled (true for
 * failures too) and its hidden Job.cancel(): Unit clash with Task.isCancelled() and Task.cancel(): boolean.
 *
 * Construction: a factory builds the task (no other thread can see it yet), then calls [start]
 * once: it gives the task its place (the loop's tasks, or a child job of its parent's) and then
 * begins it with the kind's [onStart] (hand a body to its thread, schedule its first step,
 * register with what it follows). A loop that has stopped accepting tasks (Loop.close() is past
 * its last sweep) refuses it there: the task ends cancelled without beginning and start() throws
 * "loop is closed". DoneTask, born done, is never started.
 *
 * Internal states (Task.state() is read from them; [status] packs the phase in its low 4 bits,
 * the flags, whether the task was added to LoopTasks (IN_LOOP), two bits of a derived task's
 * cancellation (bits 11 and 12), the lock of [lockRequests] (bit 13), CARRIES_GRANT (bit 14), and
 * from bit 15 up [cancelRequests]):
 *
 *   flags                        phase            Task.state()   fields in use
 *   --------------------------   --------------   ------------   -------------------------------
 *   -                            NEW              PENDING        the subclass's body
 *   -                            RUNNING          RUNNING        what the subclass follows
 *   CANCELLING                   RUNNING,         RUNNING        [Extras.cancelCause] (a blocking body
 *                                INTERRUPTING,                   is interrupted; the rest cancel
 *                                INTERRUPTED                     what they follow)
 *   FINISHING (+CANCELLING)      any              RUNNING        outcome fixed, being recorded
 *   FINISHING DONE               any              SUCCESS        [value]: the result
 *   FINISHING DONE FAILED        any              FAILED         [value]: the exception
 *   FINISHING DONE FAILED        CANCELLED_EARLY  CANCELLED      [value]: a CancellationException
 *                                or any
 *   RETRIEVED  someone has seen or will see the outcome (join, resultNow, callbacks, combinators,
 *              a cancel() that came too late: asyncio's Future.cancel() clears its report flag too)
 *   RECORDED   the task failed while not retrieved, and [Extras.unretrieved] holds its record
 *   IN_LOOP    the task was added to its loop's LoopTasks; it stays set after the task has left
 *              (then [loopChunk] is null)
 *   CARRIES_GRANT   a derived task's function ran on what a primitive handed over (see [markCarriesGrant])
 *   REQUEST_WENT_UP a derived task's request went up to its pending input ([markRequestWentUp])
 *   NOT_PASSED_ON   the task follows a stage without passing its spent request on ([markFollowsUnrequested])
 *
 * What few tasks need (a name, a cancellation's cause, an unretrieved failure's record) is in a
 * side object, [Extras], made the first time one is set, in the field that a task without a job
 * has for nothing else ([jobOrExtras]; a task with a job keeps it in the job): a task is 40 bytes
 * before its kind's fields.
 *
 *   phase:  NEW ──body starts──▶ RUNNING ──body ends──────────────────▶ BODY_DONE
 *            │                      └─cancel: INTERRUPTING ─▶ INTERRUPTED ─body ends─▶ BODY_DONE
 *            └─cancel before start──▶ CANCELLED_EARLY (the body never runs)
 *
 * Cancellation: CANCELLING and FINISHING are set by CAS on [status], so of a racing cancel() and
 * completion exactly one wins: a cancel() after FINISHING returns false; a completion after
 * CANCELLING ends with the cancellation (or with a failure of its own). The first request runs
 * [onCancelRequested] on the cancelling thread before cancel() returns.
 *
 * The order of kotlinx's hooks that this class relies on, for a task with a job (JobSupport,
 * kotlinx.coroutines 1.11):
 *   - cancelCoroutine(cause) calls onCancelling(cause) on the cancelling thread, once, before it
 *     returns and before the job's children and handlers hear of it (a failing job: once its root
 *     cause is fixed): [onCancelling] runs there.
 *   - A completing job's final state is set before onCompleted/onCancelled are called, and its own
 *     completion handlers run after both: [completeFromJob] runs there, so that a parent waiting
 *     for its children sees them done.
 *   - A failing or cancelled job calls handleJobException (a failure no parent takes) before its
 *     state becomes final: [onUnhandledFailure] has recorded an unretrieved failure before any
 *     reader can see the task done.
 *   - attachChild on a parent that is already cancelling or completed cancels the child at once.
 *
 * @InternalCoroutinesApi used (kotlinx may change it in any release; the tests exercise every hook):
 * AbstractCoroutine, the superclass of TaskJob, and through it its constructor with
 * initParentJob = false, initParentJob, onCancelling, handleJobException and
 * cancellationExceptionMessage; a job without a parent is left with no parent handle (initParentJob
 * is not called: JobSupport 1.11 reads a null handle as NonDisposableHandle in getParent,
 * cancelParent and completeStateFinalization). Public JobSupport members relied on for their exact behaviour:
 * cancelCoroutine (returns false once the job is completing), getCancellationException.
 * Elsewhere in bridge-impl: Delay (LoopDispatchers.kt); KotlinAwait.kt opts in as well.
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
import kotlinx.coroutines.NonDisposableHandle
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

internal abstract class TaskImpl<T>(
    @JvmField val eventLoop: EventLoop,
    name: String?,
    initialPhase: Int,
    coroutineContext: CoroutineContext = EmptyCoroutineContext,
) : TaskStages<T>() {
    /**
     * The task's [job] if it has one, else its [extras] once made, else null. One field for the two
     * (a task with a job keeps its extras in the job's [TaskJob.extras] instead, which costs the job
     * no bytes): 4 bytes less per task, which took TaskImpl from 48 bytes to 40 and with it most kinds
     * 8 bytes down. A task's job, if it has one, is here before the task is published and never
     * changes; a task without one may then only get its extras here, by [extras]'s CAS from null.
     */
    @Volatile private var jobOrExtras: Any? = null
    @JvmField @Volatile var status: Int = 0

    /**
     * The task's kotlinx Job, only for a task that needs a place in the job tree: a kind whose job
     * completes on its own ([completesInTryFinish] false: a coroutine body, a group that waits for
     * its tasks) gets it from the constructor, with [coroutineContext] (a coroutine body needs the
     * loop's dispatcher in it); a kind that only [tryFinish] completes gets one from [start] when
     * its parent is a job other than the loop's root (a task of a TaskGroup), else none. Written
     * before the task is published, never changed after.
     */
    @Suppress("UNCHECKED_CAST")
    val job: TaskJob<T>? get() = jobOrExtras as? TaskJob<T>

    /** The rarely needed fields, made on first need (a named task has them from the start). */
    private val extras: Extras?
        get() = when (val x = jobOrExtras) {
            is TaskJob<*> -> x.extras
            else -> x as Extras?
        }

    init {
        // Release stores, not volatile ones (a full fence each, per task): nothing of the task is
        // visible to another thread before its factory publishes it (see [start]). A volatile field's
        // initializer is a volatile store too, so these fields have none.
        if (!completesInTryFinish || coroutineContext !== EmptyCoroutineContext) {
            JOB_OR_EXTRAS.lazySet(this, TaskJob(coroutineContext, this))
        }
        if (name != null) {
            val own = job
            if (own != null) TaskJob.EXTRAS.lazySet(own, Extras(name)) else JOB_OR_EXTRAS.lazySet(this, Extras(name))
        }
        if (initialPhase != 0) STATUS.lazySet(this, initialPhase)
    }

    /**
     * The outcome once the task is done: the result, or the exception when [status] has FAILED.
     * A task with a job gets it from the job's onCompleted/onCancelled ([completeFromJob]). Not
     * volatile: it is written before DONE is set in [status] and read only after DONE was seen.
     */
    private var value: Any? = null

    /**
     * The completion handlers: null; the first internal follower alone ([whenDone]: a gather, a
     * following task, a derived stage, a view), kept as it is, without a node; a stack of
     * [HandlerNode]s, newest first (the follower gets its node when a second handler comes); or
     * [HANDLERS_CLOSED] once done. One field, so that completion takes them all with one swap.
     * While the completion runs them: [HANDLERS_SCANNING] for the few instructions in which it
     * looks for a done callback among them, then [HANDLERS_CLOSED], or, when it found one,
     * [HANDLERS_RUNNING] (or a stack pushed on it) until it has scheduled them and the done
     * callbacks added meanwhile (see [complete]).
     */
    @Volatile private var handlers: Any? = null

    // ------------------------------------------------------------------ construction

    /**
     * Makes the task a child of [parent]'s job (a top-level task, whose parent is the loop's root,
     * joins the loop's [LoopTasks] instead, and its job if it has one gets no parent), then begins it ([onStart]). Called
     * once by the task's factory on the fully built task. Once the loop no longer accepts tasks (a
     * close() past its last sweep), the task ends cancelled without beginning and this throws
     * IllegalStateException("loop is closed"): the closing loop either sees the task among its
     * tasks (it cancels and waits for it) or the task sees the refusal (see EventLoop.close).
     */
    fun start(parent: CoroutineContext) {
        val parentJob = if (parent === eventLoop.taskContext) eventLoop.rootJob else parent[Job] // a context lookup walks its elements
        val own = job
        if (parentJob === eventLoop.rootJob) {
            // Its job, if any, stays without a parent (its failure is the task's own, as under the root, a
            // supervisor): initParentJob(null) is not called, which would only store NonDisposableHandle,
            // a volatile store, and another at completion; JobSupport reads a null parent handle as that.
            joinLoopTasks() // instead of a child node on the root: see LoopTasks
        } else {
            if (own != null) {
                own.attach(parentJob)
            } else if (parentJob != null) {
                // a task of a group (see [job]), not yet published: release stores, its extras (a name) into the job
                val made = TaskJob<T>(EmptyCoroutineContext, this)
                TaskJob.EXTRAS.lazySet(made, jobOrExtras as Extras?)
                JOB_OR_EXTRAS.lazySet(this, made)
                made.attach(parentJob)
            }
            // A parent that is not a task of this loop (a Kotlin scope's own Job, another loop's task,
            // none): the loop's close reaches this task only through LoopTasks, so it is one of them
            // too. Before 2026-12-05, CoroutineScope(...).task {} was missed by allTasks() and left
            // RUNNING by close(), its finally never run.
            if (!(parentJob is TaskJob<*> && parentJob.task.eventLoop === eventLoop)) joinLoopTasks()
        }
        if (eventLoop.refusesTasks) {
            tryFinish(Result.failure(CancellationException("loop is closed")))
            throw IllegalStateException("loop is closed")
        }
        onStart()
    }

    /** Adds this task to its loop's LoopTasks, where close() finds it. */
    private fun joinLoopTasks() {
        eventLoop.tasks.add(this)
        // Done already (a Suspend.call whose function another thread resumed before it returned):
        // its complete() may have run before IN_LOOP was set, and so not have removed it.
        if (status and DONE != 0) eventLoop.tasks.remove(this)
    }

    /** Begins the task: what its kind does once it has its place in the job tree. */
    protected open fun onStart() {}

    // ------------------------------------------------------------------ for subclasses

    /**
     * Called once when cancellation is requested before the task finishes: on [cancel], a
     * parent's cancellation, or a task group's failure. Runs on the cancelling thread.
     */
    protected open fun onCancelRequested(cause: Throwable) {}

    /**
     * Completes the task with [result] unless it is already finishing; true if this call did. A
     * task whose cancellation was requested ends with that cancellation instead of a result or of
     * another CancellationException; a failure of its own (not a CancellationException) wins
     * (kotlinx's rule for a cancelled job, and asyncio's for a task whose body catches the
     * cancellation and raises). A kind whose job completes on its own hands [result] to the job,
     * and the job's outcome becomes the task's ([completeFromJob]).
     */
    fun tryFinish(result: Result<T>): Boolean {
        val old = setFlag(FINISHING)
        if (old and FINISHING != 0) return false
        finishFixed(result, old)
        return true
    }

    /**
     * [tryFinish]'s work once this thread has set FINISHING, [old] being the status before: for a
     * kind that fixes its outcome in an update of its own ([casPhaseAndFinish]).
     */
    protected fun finishFixed(result: Result<T>, old: Int) {
        val own = job
        if (own != null && !completesInTryFinish) {
            own.resumeWith(result)
            return
        }
        val outcome = if (old and CANCELLING == 0) {
            result
        } else {
            onFinishingCancelled()
            outcomeWhenCancelled(result)
        }
        val failure = outcome.exceptionOrNull()
        // A top-level task's failure is nobody's but its own (a group's task: the group takes it, through the job)
        if (own == null && failure != null && failure !is CancellationException && status and RETRIEVED == 0) onUnhandledFailure(passedOnFailure(failure))
        complete(outcome)
        own?.resumeWith(outcome) // a group waits for its task's job
    }

    private fun outcomeWhenCancelled(result: Result<T>): Result<T> {
        val e = result.exceptionOrNull()
        if (e == null) return if (resultWinsOverCancel()) result else Result.failure(extras!!.cancelCause!!)
        return if (e is CancellationException || !failureWinsOverCancel(e)) Result.failure(extras!!.cancelCause!!) else result
    }

    /**
     * A task whose cancellation was requested before its outcome was fixed is finishing: its
     * outcome is fixed now, and nobody can see it done yet. A served waiter whose canceller is
     * giving its grant back on another thread waits for that here (WaiterTask), so that whoever
     * sees the task cancelled finds the grant back.
     */
    protected open fun onFinishingCancelled() {}

    /**
     * Whether a result completing a task whose cancellation was requested first is the task's
     * outcome: only for a task that follows a [handedOver] result (FollowingTask), whose lock,
     * permit or item would be lost if this task ended cancelled.
     */
    protected open fun resultWinsOverCancel(): Boolean = false

    /**
     * Whether this task's result is something a primitive handed over (a lock, a permit, an item:
     * a served waiter, a take that succeeded at once, or a task that follows one): a task that
     * follows it keeps that result even when its own cancellation came first (FollowingTask).
     */
    open val handedOver: Boolean get() = false

    /**
     * Whether [failure], completing a task whose cancellation was requested first, is the task's
     * outcome instead of the cancellation: a failure of the task's own body is (asyncio and
     * kotlinx: a body that raises while being cancelled fails with it). A kind without a body
     * says no (a promise: asyncio's Future.cancel() is final at once), and so does a failure that
     * the task made of the cancellation itself (wait_for's timeout).
     */
    protected open fun failureWinsOverCancel(failure: Throwable): Boolean = true

    /** The job of a kind that [completesInTryFinish] not has completed with [outcome]: the task is done with it. */
    fun completeFromJob(outcome: Result<T>) {
        if (status and DONE != 0) return // a group's task: done by tryFinish before its job
        setFlag(FINISHING)
        complete(outcome)
    }

    /**
     * Makes a task that is not published yet done with [outcome], without atomic updates (a
     * DoneTask's construction): its handler fields stay empty, which [whenDone] and [onDone] read
     * as "call at once" once DONE is set.
     */
    fun bornDone(outcome: Result<T>) {
        val e = outcome.exceptionOrNull()?.let(::passedOnFailure)
        value = e ?: outcome.getOrNull()
        if (e != null && e !is CancellationException) onUnhandledFailure(e)
        // A release store publishes [value] as well as a volatile one would, without its fence.
        STATUS.lazySet(this, status or (FINISHING or DONE or (if (e == null) 0 else FAILED)))
    }

    /**
     * Records [outcome], then tells the handlers, the follower among them, in the order they
     * registered, on the completing thread. A thread that runs no step of the loop counts itself in
     * the loop's [EventLoop.completionsElsewhere] from before the task is done until its handlers
     * have run (they queue the done callbacks): close() waits for that count as it does for the
     * threads of blocking tasks, since a task that is done is not among those it waits for. A
     * blocking task is not counted: close() waits for it in LoopTasks, which it leaves after its
     * handlers ran (or through its group), so the carrier threads of a burst of blocking tasks do
     * not all update one counter.
     */
    private fun complete(outcome: Result<T>) {
        val elsewhere = this !is BlockingTask<*> && !eventLoop.inLoopStep()
        if (elsewhere) eventLoop.completionsElsewhere.incrementAndGet()
        try {
            val e = outcome.exceptionOrNull()?.let(::passedOnFailure)
            value = e ?: outcome.getOrNull()
            STATUS.getAndAdd(this, if (e == null) DONE else DONE or FAILED) // neither bit was set: an add is an or
            val stack = HANDLERS.getAndSet(this, HANDLERS_SCANNING)
            if (!holdsDoneCallback(stack)) {
                HANDLERS.lazySet(this, HANDLERS_CLOSED)
                runStack(stack, e)
            } else {
                // Done callbacks are scheduled in the order they were added (Task.addDoneCallback): one added
                // (from another thread, or by a handler run here) while earlier ones wait to be scheduled (an
                // internal handler before them may run a stage's function first) goes on the stack, which this
                // thread takes and runs once it has scheduled the newest of them, and then closes; one added
                // after that is scheduled at once, as asyncio's add_done_callback on a done future. Before
                // 2026-12-07 the stack was closed at once, and such a callback was scheduled ahead of those
                // registered before it; and then, for a day, kept open until the last handler had run, so that
                // one added by a handler after them all came after the handler's later callSoon calls (both
                // found from outside; DoneCallbackOrderRaceTest)
                HANDLERS.lazySet(this, HANDLERS_RUNNING)
                if (!runHandlersClosing(stack as HandlerNode, e, doneCallbackAbove = false, depth = 0)) closeHandlers(e)
            }
            if (status and IN_LOOP != 0) eventLoop.tasks.remove(this)
        } finally {
            if (elsewhere) eventLoop.completionsElsewhere.decrementAndGet()
        }
    }

    /** Runs what [complete] took from [handlers]: a stack of nodes, a follower alone, or nothing. */
    private fun runStack(stack: Any?, cause: Throwable?) {
        if (stack is HandlerNode) runHandlers(stack, cause) else if (stack != null) runHandler(handlerOf(stack), cause) // a follower alone
    }

    /**
     * [runHandlers] for a stack that holds a done callback ([complete]), [doneCallbackAbove] telling
     * whether a newer node than [node] is one: closes the handlers ([closeHandlers]) right after the
     * newest done callback has run (been scheduled), before the handlers added after it. Whether it
     * closed them: not if that node was unlinked meanwhile (withdrawn and pruned), which leaves it to
     * the caller.
     */
    private fun runHandlersClosing(node: HandlerNode, cause: Throwable?, doneCallbackAbove: Boolean, depth: Int): Boolean {
        val below = node.next
        val above = doneCallbackAbove || node is DoneCallback<*>
        var closed = when {
            below == null -> false
            depth < MAX_HANDLER_RECURSION -> runHandlersClosing(below, cause, above, depth + 1)
            else -> runDeepHandlersClosing(below, cause, above)
        }
        node.handler?.let { runHandler(it, cause) }
        if (!closed && !doneCallbackAbove && node is DoneCallback<*>) {
            closeHandlers(cause)
            closed = true
        }
        return closed
    }

    /**
     * [runHandlersClosing] for the part of a stack too deep for recursion, from a list; also
     * the deep part of [runHandlers], with [doneCallbackAbove] true (it then closes nothing).
     */
    private fun runDeepHandlersClosing(stack: HandlerNode, cause: Throwable?, doneCallbackAbove: Boolean): Boolean {
        val nodes = ArrayList<HandlerNode>()
        var node: HandlerNode? = stack
        while (node != null) {
            nodes.add(node)
            node = node.next
        }
        val newest = if (doneCallbackAbove) -1 else nodes.indexOfFirst { it is DoneCallback<*> }
        var closed = false
        for (i in nodes.indices.reversed()) {
            nodes[i].handler?.let { runHandler(it, cause) }
            if (i == newest) {
                closeHandlers(cause)
                closed = true
            }
        }
        return closed
    }

    /** Closes [handlers] after [complete] scheduled the done callbacks it took: runs those added meanwhile first. */
    private fun closeHandlers(cause: Throwable?) {
        while (!HANDLERS.compareAndSet(this, HANDLERS_RUNNING, HANDLERS_CLOSED)) runStack(HANDLERS.getAndSet(this, HANDLERS_RUNNING), cause)
    }

    /** Whether [stack] holds a done callback (Task.addDoneCallback's node), withdrawn or not. */
    private fun holdsDoneCallback(stack: Any?): Boolean {
        var node = stack as? HandlerNode
        while (node != null) {
            if (node is DoneCallback<*>) return true
            node = node.next
        }
        return false
    }

    /**
     * Runs the handlers of [stack] in the order they were added (the stack is newest first),
     * without changing a link: a registration that raced with the completion may still be
     * pruning withdrawn nodes out of it ([pruneBelow]). Recursion for the usual few, a list for a
     * deep stack.
     */
    private fun runHandlers(stack: HandlerNode, cause: Throwable?, depth: Int = 0) {
        val below = stack.next
        if (below != null) {
            if (depth < MAX_HANDLER_RECURSION) runHandlers(below, cause, depth + 1) else runDeepHandlersClosing(below, cause, doneCallbackAbove = true)
        }
        stack.handler?.let { runHandler(it, cause) }
    }

    /**
     * The follower as a handler: an unchecked cast, because a checked cast to a function type
     * costs a call to Kotlin's arity check (TypeIntrinsics) per task. Only handlers are stored there.
     */
    @Suppress("UNCHECKED_CAST")
    private fun <F> handlerOf(follower: Any): F = follower as F

    private fun runHandler(handler: (Throwable?) -> Unit, cause: Throwable?) {
        if (handler is GatherTask<*>) handler.takeResultOf(this, cause) // while this task is in the cache: see there
        if (handler is FollowingTask<*> || handler is TaskView<*>) { // a link of a chain that may be thousands long: see Trampoline
            Trampoline.of(eventLoop).run { runHandlerNow(handler, cause) }
            return
        }
        runHandlerNow(handler, cause)
    }

    /**
     * Cancels [other], which this task follows, derives from or gathers, with [message] (this task's
     * [passedOnMessage]): through the trampoline if it may be a link of a chain (a following task, a
     * gather), see Trampoline.
     */
    protected fun cancelLink(other: TaskImpl<*>, message: String?) {
        if (other is FollowingTask<*> || other is GatherTask<*>) Trampoline.of(eventLoop).run { other.cancelPassing(message) } else other.cancelPassing(message)
    }

    private fun runHandlerNow(handler: (Throwable?) -> Unit, cause: Throwable?) {
        try {
            handler(cause)
        } catch (e: Throwable) { // as kotlinx does with a completion handler's exception: reported, the completion goes on
            eventLoop.callExceptionHandler(dev.aio4j.ExceptionContext("Exception in the completion handler of ${name()}", e, this))
        }
    }

    /**
     * Records that the task is in its loop's LoopTasks (under the lock of a stripe, or on the loop's
     * thread for the loop's own chain), after [loopChunk] and [loopSlot] were set. Once: the bit
     * stays when it leaves (then [loopChunk] is cleared), so that leaving costs no atomic update
     * of [status]. A task no other thread can see yet (every kind but [visibleBeforeStart]'s) needs
     * no atomic update: its first reader elsewhere finds it through LoopTasks, after taking the
     * lock this store is released with, or after the loop's thread handed the chain over (see
     * LoopTasks' file comment), or through whatever the task was handed to it by. One that another
     * thread may complete meanwhile gets the bit by an atomic add: the completing thread, which
     * removes the task if it reads the bit, then sees its slot, and one that read the bit clear
     * has set DONE before, which [start] reads after this.
     */
    fun enterLoop() {
        if (visibleBeforeStart) STATUS.getAndAdd(this, IN_LOOP) else STATUS.lazySet(this, status or IN_LOOP) // the bit was clear: an add is an or
    }

    /**
     * Whether other threads may see this task, and so update its [status], before [start] has
     * added it to its loop's tasks: a Suspend.call's, whose function ran (and may have been
     * resumed elsewhere) first. Every other kind is built and started before its factory returns it.
     */
    protected open val visibleBeforeStart: Boolean get() = false

    /**
     * This task's slot in its loop's [LoopTasks]: the chunk and the index in it, written by the add
     * (before [IN_LOOP]); the chunk is cleared as the task leaves (LoopTasks.remove).
     */
    @JvmField var loopChunk: SlotList.Chunk? = null
    @JvmField var loopSlot: Int = 0

    /**
     * Whether this kind's outcome is made only by [tryFinish] (no coroutine body or child tasks
     * complete a job of its own): then the task needs no kotlinx Job unless it is a group's task
     * (see [job]). A kind whose job completes on its own overrides it with false.
     */
    protected open val completesInTryFinish: Boolean get() = false

    /**
     * Calls [handler] with the completion exception (null for a result) once this task is
     * complete, on the completing thread; at once if it is complete already. An internal
     * follower's registration (a gather input, a followed task, a derived stage, a view): made
     * before any other, it costs no node. Cannot be withdrawn. Handlers run in the order they were
     * registered, this one's and [onDone]'s together: a body that watches its own stage (a
     * whenComplete on it) hears of its end before the task that follows the stage does (a guarded
     * task that then releases its lock).
     */
    fun whenDone(handler: (Throwable?) -> Unit) {
        if (status and DONE == 0 && HANDLERS.compareAndSet(this, null, handler)) return
        onDone(handler)
    }

    /**
     * Calls [handler] with the completion exception (null for a result) once this task is
     * complete, on the completing thread; at once if it is complete already. The handle withdraws
     * it (a handler withdrawn while the task completes may still be called). Withdrawn handlers at
     * the top of the stack, and among the few live ones below it, are dropped by the next
     * registration, so waiters that register and withdraw again and again (joins with a timeout
     * in a loop) do not pile them up.
     */
    fun onDone(handler: (Throwable?) -> Unit): DisposableHandle {
        if (closedToHandlers(handlers)) { // no node for a task done already
            handler(exceptionOrNull())
            return NonDisposableHandle
        }
        return push(HandlerNode(handler)) ?: NonDisposableHandle
    }

    /** Whether, with [top] read from [handlers], the task is done, or born done (no handlers ever): a handler is called at once. */
    private fun closedToHandlers(top: Any?): Boolean = top === HANDLERS_CLOSED || status and DONE != 0 && top == null

    /**
     * Pushes [node] onto the handler stack, dropping withdrawn nodes at its top; [node], or null
     * if the task is done (then its handler has been called here).
     */
    private fun push(node: HandlerNode): HandlerNode? {
        var spins = 0
        while (true) {
            val top = handlers
            if (top === HANDLERS_SCANNING) {
                // the completion is looking for done callbacks, a few instructions: a done callback waits for
                // its verdict (it goes on the stack if the completion is scheduling earlier ones, else at once)
                if (node is DoneCallback<*>) {
                    if (++spins < 64) Thread.onSpinWait() else Thread.yield()
                    continue
                }
                node.handler?.invoke(exceptionOrNull())
                return null
            }
            if (closedToHandlers(top)) {
                node.handler?.invoke(exceptionOrNull())
                return null
            }
            var below = when (top) {
                null -> null
                is HandlerNode -> top
                else -> HandlerNode(handlerOf(top)) // the follower alone: its node now, below the new one
            }
            while (below != null && below.handler == null) below = below.next
            node.next = below
            if (HANDLERS.compareAndSet(this, top, node)) {
                if (below != null) pruneBelow(below)
                return node
            }
        }
    }

    /**
     * Unlinks the withdrawn nodes among the [PRUNE_WINDOW] live nodes below [live], so that
     * waiters that register and withdraw in turn (two join(timeout) loops on one long-lived task)
     * do not pile up nodes that are never at the top. Safe without a lock: a link only ever skips
     * withdrawn nodes (a withdrawn node never becomes live again, and nodes are added at the top
     * only), so from any node every live node below it stays reachable, whichever racing write
     * wins; completion reads the links without changing them ([runHandlers]).
     */
    private fun pruneBelow(live: HandlerNode) {
        var kept = live
        repeat(PRUNE_WINDOW) {
            var next = kept.next ?: return
            if (next.handler == null) {
                while (next.handler == null) {
                    next = next.next ?: run {
                        kept.next = null
                        return
                    }
                }
                kept.next = next
            }
            kept = next
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

    /**
     * Moves the phase from [expect] to [update] and sets FINISHING, in one update: the status
     * before (for [finishFixed]), or -1 if the phase is not [expect] or FINISHING is set already.
     */
    protected fun casPhaseAndFinish(expect: Int, update: Int): Int {
        while (true) {
            val s = status
            if (s and PHASE_MASK != expect || s and FINISHING != 0) return -1
            if (STATUS.compareAndSet(this, s, (s and PHASE_MASK.inv()) or update or FINISHING)) return s
        }
    }

    /** Sets [flag] and returns the status before. */
    private fun setFlag(flag: Int): Int {
        while (true) {
            val s = status
            if (s and flag != 0 || STATUS.compareAndSet(this, s, s or flag)) return s
        }
    }

    /**
     * Notes that this task's result will carry a handed-over grant (DerivedTask.carriesGrant): a
     * bit of [status] rather than a field, which would add 8 bytes to every derived task.
     */
    protected fun markCarriesGrant() {
        setFlag(CARRIES_GRANT)
    }

    /** Whether [markCarriesGrant] was called. */
    protected val carriesGrantMarked: Boolean get() = status and CARRIES_GRANT != 0

    /**
     * Notes that a cancellation request went up to this derived task's input while it was pending:
     * it is delivered there, and comes back down as the input's outcome (DerivedTask). A bit of
     * [status], not a field.
     */
    protected fun markRequestWentUp() {
        setFlag(REQUEST_WENT_UP)
    }

    /** Whether [markRequestWentUp] was called. */
    protected val requestWentUp: Boolean get() = status and REQUEST_WENT_UP != 0

    /**
     * Notes that this task, being cancelled, follows a stage without passing its request on: the
     * request was spent at the wait it went up to, and came back down as its cancellation. A task
     * is cancelled once: a further request does nothing, as for a blocking body whose clean-up
     * runs after its interrupt.
     */
    protected fun markFollowsUnrequested() {
        setFlag(NOT_PASSED_ON)
    }

    /** Whether the pending request is not to be passed on to the stage this task follows: see [markFollowsUnrequested]. */
    protected val followsUnrequested: Boolean get() = status and NOT_PASSED_ON != 0

    // -------------------------------------------------------------- outcome, for internals

    /** The completion exception of a completed task, or null for a result (and for a task not done). */
    fun exceptionOrNull(): Throwable? = if (status and FAILED != 0) value as Throwable else null

    /** The result of a task that completed successfully. */
    @Suppress("UNCHECKED_CAST")
    fun valueNow(): T = value as T

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

    /**
     * The failure a task records for [e]: a TaskFailedException around a checked exception (the
     * wrapper of join() or of a blocking combinator, which a body let through) is that checked
     * exception, with what was added to the wrapper on its way out (suppressed) moved onto it.
     * So a checked failure that a body passes on is the task's failure as it was first thrown in
     * both styles, as a non-blocking body that returns the failed task gets, and join() wraps it once
     * again. Before 2026-12-07 (found from outside) a blocking task's failure was the wrapper:
     * exceptionNow(), whenComplete and gatherOutcomes saw it in one style and the cause in the other.
     */
    private fun passedOnFailure(e: Throwable): Throwable {
        if (e !is TaskFailedException) return e
        val cause = e.cause ?: return e // never null (its constructor checks)
        if (cause is RuntimeException || cause is Error) return e // not the wrapper's contract: the body's own
        for (s in e.suppressed) if (s !== cause && cause.suppressed.none { it === s }) cause.addSuppressed(s)
        return cause
    }

    fun rethrowable(e: Throwable): RuntimeException = when (e) {
        is RuntimeException -> e
        is Error -> throw e
        else -> TaskFailedException("${name()} failed: $e", e)
    }

    /** Counts as having seen the outcome: a failure will not be reported as never retrieved. */
    fun markRetrieved() {
        val s = status
        if (s and RETRIEVED != 0 || s and (DONE or FAILED) == DONE) return // marked, or a result: nothing to report either way, no CAS
        val old = setFlag(RETRIEVED)
        if (old and (RETRIEVED or RECORDED) == RECORDED) extras?.unretrieved?.markRetrieved()
    }

    fun onUnhandledFailure(exception: Throwable) {
        val record = Unretrieved(this, exception, eventLoop)
        val extras = extras()
        extras.unretrieved = record
        while (true) {
            val s = status
            if (s and RETRIEVED != 0) {
                extras.unretrieved = null
                return
            }
            if (STATUS.compareAndSet(this, s, s or RECORDED)) break
        }
        eventLoop.track(record)
    }

    /**
     * The job's hook: it is being cancelled with [cause] (a request, a parent's cancellation, or a
     * failure of its coroutine body or of a group's task).
     */
    fun onCancelling(cause: Throwable) {
        requestCancellation(cause)
    }

    /**
     * Marks this task as being cancelled with [cause] unless it is finishing already; on the first
     * request only, runs [onCancelRequested] on this thread (a blocking body's interrupt counts
     * it in [cancelRequests]).
     * Returns false if the task was finishing (its outcome fixed), true if it is being cancelled.
     */
    private fun requestCancellation(cause: Throwable): Boolean {
        val extras = extras()
        Extras.CANCEL_CAUSE.compareAndSet(extras, null, cause)
        while (true) {
            val s = status
            if (s and FINISHING != 0) return false
            if (s and CANCELLING != 0) return true
            if (STATUS.compareAndSet(this, s, s or CANCELLING)) break
        }
        onCancelRequested(extras.cancelCause!!)
        return true
    }

    /**
     * Whether the task is being cancelled: a cancellation was requested (or, for a task with a job,
     * the job is failing). It stays set; [cancelRequests] is the count that scopes take back.
     */
    fun isCancelling(): Boolean = status and CANCELLING != 0

    /**
     * The message of a cancellation [cause] to pass on to what the task awaits, as asyncio's
     * cancel(msg) passes msg to the future it waits on: one given to cancel(String), or by the
     * canceller of the task that cancelled this one; null for the default "X was cancelled".
     */
    fun passedOnMessage(cause: Throwable?): String? =
        (cause as? dev.aio4j.TaskCancelledException)?.let { e -> e.message?.takeIf { it != "${e.taskName()} was cancelled" } }

    /** The message this task's own cancellation passes on ([passedOnMessage]); null if it is not being cancelled. */
    fun messageToPassOn(): String? = if (isCancelling()) passedOnMessage(cancellationCause()) else null

    /** What a task being cancelled was cancelled with, as a CancellationException. */
    fun cancellationCause(): CancellationException {
        val cause = extras?.cancelCause ?: return CancellationException("${name()} was cancelled")
        return cause as? CancellationException ?: CancellationException("${name()} is failing: $cause").also { it.initCause(cause) }
    }

    /**
     * Requests cancellation with [cause], the instance the task ends with unless its body ends it
     * otherwise (a Kotlin coroutine's own CancellationException, cancelling a task it awaits).
     * False when it came too late (the task is done or its outcome fixed).
     */
    fun cancelWithCause(cause: Throwable): Boolean {
        val own = job
        return if (own != null && !completesInTryFinish) own.cancelCoroutine(cause) else requestCancellation(cause)
    }

    // ------------------------- cancellation requests (asyncio's Task.cancelling() and uncancel())

    /**
     * How many requests to interrupt this task's body are pending: the task's own cancellation
     * counts one, for good (a cancelled task stays cancelled), once it has interrupted the body;
     * each scope of a blocking body that fired (a deadline of Async.timeout, a failing task group:
     * CancelScope) counts one until it closes. A scope compares it with its value at entry to tell
     * its own request from the others. Kept in [status]'s high bits (from bit [REQUEST_SHIFT]),
     * which saves a field per task.
     */
    val cancelRequests: Int get() = status ushr REQUEST_SHIFT

    /**
     * Takes the request lock (a bit of [status]), adding [delta] requests; returns the count after.
     * The lock makes counting a request and interrupting the body's thread one step for a scope
     * that notes the count and the interrupt flag on entry, or takes its request back and clears
     * the flag on release: without it, a request counted but not yet interrupted when a scope was
     * entered, or counted just after a scope took its own back, lost its interrupt
     * (CancelScopeRaceTest). Held only around Thread.interrupt(), isInterrupted() and interrupted().
     */
    fun lockRequests(delta: Int): Int {
        var spins = 0
        while (true) {
            val s = status
            if (s and REQUEST_LOCK == 0) {
                val locked = s + REQUEST_LOCK + delta * ONE_REQUEST
                if (STATUS.compareAndSet(this, s, locked)) return locked ushr REQUEST_SHIFT
            } else if (++spins < 64) {
                Thread.onSpinWait()
            } else {
                Thread.yield()
            }
        }
    }

    fun unlockRequests() {
        STATUS.getAndAdd(this, -REQUEST_LOCK)
    }

    /** Counts a request to interrupt the body and interrupts [thread], in one step (see [lockRequests]). */
    fun requestInterrupt(thread: Thread) {
        lockRequests(1)
        try {
            thread.interrupt()
        } finally {
            unlockRequests()
        }
    }

    // ------------------------------------------------------------------------- Task API

    override fun name(): String {
        extras?.name?.let { return it }
        val extras = extras()
        synchronized(extras) {
            return extras.name ?: eventLoop.nextTaskName().also { extras.name = it }
        }
    }

    /** The name given at creation, if any (unnamed tasks are numbered on first request). */
    fun givenName(): String? = extras?.name

    /** [extras], made if it is not there yet: in the job if the task has one, else in [jobOrExtras]. */
    private fun extras(): Extras {
        extras?.let { return it }
        val made = Extras(null)
        val own = job
        val set = if (own != null) TaskJob.EXTRAS.compareAndSet(own, null, made) else JOB_OR_EXTRAS.compareAndSet(this, null, made)
        return if (set) made else extras!!
    }

    /** The fields that few tasks need: see the file's header. */
    internal class Extras(@Volatile @JvmField var name: String?) {
        /** The cause of the first cancellation request (set before CANCELLING in [status]). */
        @Volatile @JvmField var cancelCause: Throwable? = null

        /** The record of a failure nobody had retrieved when it happened (flag RECORDED). */
        @Volatile @JvmField var unretrieved: Unretrieved? = null

        companion object {
            val CANCEL_CAUSE: AtomicReferenceFieldUpdater<Extras, Throwable?> =
                AtomicReferenceFieldUpdater.newUpdater(Extras::class.java, Throwable::class.java, "cancelCause")
        }
    }

    override fun loop(): Loop = eventLoop

    override fun state(): TaskState {
        if (isDone) {
            val e = exceptionOrNull()
            return when {
                e == null -> TaskState.SUCCESS
                e is CancellationException -> TaskState.CANCELLED
                else -> TaskState.FAILED
            }
        }
        return if (phase() == NEW) TaskState.PENDING else TaskState.RUNNING
    }

    override fun isDone(): Boolean = status and DONE != 0

    override fun isCancelled(): Boolean = exceptionOrNull() is CancellationException

    override fun cancel(): Boolean = cancelWith(null)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun cancel(message: String?): Boolean {
        requireArgument(message, "message", "Task.cancel")
        return cancelWith(message)
    }

    /**
     * cancel() or cancel([message]) as a caller's, for a cancellation passed down to this task: through
     * the overrides (a waiter's withdraws first, and refuses once served). Calling [cancelWith]
     * directly bypassed them, and a task following a served waiter cancelled it after the hand-off
     * (ServedWaiterFollowerTest).
     */
    fun cancelPassing(message: String?): Boolean = if (message == null) cancel() else cancel(message)

    /**
     * The loop's close cancelling its pending tasks (EventLoop.sweep): as cancel([message]), but a
     * task that is done by then (it failed between the sweep's snapshot and this call, as a stage
     * of a task the sweep's first pass cancelled does) is not counted as retrieved, so its failure
     * is still reported, as asyncio.run reports the failures of tasks that ended during its
     * shutdown. Before 2026-12-06 the sweep's cancel() retrieved it and the report was lost
     * (FailureDuringTheCloseSweepTest; found from outside).
     */
    open fun cancelForClose(message: String): Boolean = cancelWith(message, retrieves = false)

    /**
     * Requests cancellation with [message] (null: the default "X was cancelled"); false when it came
     * too late (the task is done, or completing with its outcome fixed), so that of a racing cancel()
     * and completion exactly one reports success. A cancel() of a done task counts as retrieving its
     * outcome (asyncio's Future.cancel() clears the report flag first): its failure is not reported
     * as never retrieved; [retrieves] false (the close's sweep) leaves the report.
     */
    private fun cancelWith(message: String?, retrieves: Boolean = true): Boolean {
        if (isDone) {
            if (retrieves) markRetrieved()
            return false
        }
        val name = name()
        return cancelWithCause(TaskCancelledException(message ?: "$name was cancelled", name, eventLoop.options().debug()))
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
        if (!isDone) throw IllegalStateException("${name()} has not completed")
        val e = exceptionOrNull() ?: return valueNow()
        if (e is CancellationException) throw IllegalStateException("${name()} was cancelled")
        markRetrieved() // the exception reaches the caller as this one's cause: asyncio's result() counts too
        throw IllegalStateException("${name()} completed with an exception", e)
    }

    override fun exceptionNow(): Throwable {
        if (!isDone) throw IllegalStateException("${name()} has not completed")
        val e = exceptionOrNull() ?: throw IllegalStateException("${name()} completed with a result")
        if (e is CancellationException) throw IllegalStateException("${name()} was cancelled")
        markRetrieved()
        return e
    }

    override fun outcomeNow(): Outcome<T> {
        if (!isDone) throw IllegalStateException("${name()} has not completed")
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
        push(DoneCallback(this, callback))
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun removeDoneCallback(callback: Consumer<in Task<T>>?): Int {
        requireArgument(callback, "callback", "Task.removeDoneCallback")
        // The registrations are the handler stack's DoneCallback nodes. Once the task is done the
        // stack is closed (its callbacks are scheduled): nothing is left to remove, as in asyncio.
        // A walk that races with completion stops when it sees the stack closed; a registration
        // either is withdrawn here or is scheduled by the completion, never both (DoneCallback.state).
        // The links only ever skip withdrawn nodes (see pruneBelow): the walk sees every live one.
        var removed = 0
        var node = handlers as? HandlerNode
        while (node != null && handlers !== HANDLERS_CLOSED) {
            if (node is DoneCallback<*> && node.callback === callback && node.withdraw()) removed++
            node = node.next
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
            // a result that is a task is named, not printed with its own result: a task whose result is
            // itself (createTask(Async::currentTask)), or two that hold each other, overflowed the stack
            TaskState.SUCCESS -> " result=${(value as? TaskImpl<*>)?.let { "Task(${it.name()} ${it.state()})" } ?: value}"
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
        const val CANCELLING = 0x80
        const val DONE = 0x100
        const val FAILED = 0x200

        /** Added to LoopTasks. */
        const val IN_LOOP = 0x400

        /** A derived task's request went up to its pending input (DerivedTask.onCancelRequested); see [markRequestWentUp]. */
        private const val REQUEST_WENT_UP = 0x800

        /** The task follows a stage without having passed its pending request to it (the request was spent): see [followsUnrequested]. */
        private const val NOT_PASSED_ON = 0x1000

        /** The lock of [lockRequests]. */
        private const val REQUEST_LOCK = 1 shl 13

        /** The task's result carries a handed-over grant (DerivedTask: its function ran on one); see [markCarriesGrant]. */
        private const val CARRIES_GRANT = 1 shl 14

        /** [cancelRequests] is status ushr REQUEST_SHIFT. */
        private const val REQUEST_SHIFT = 15
        private const val ONE_REQUEST = 1 shl REQUEST_SHIFT

        /** How many live handler nodes below the top a registration looks through for withdrawn ones. */
        private const val PRUNE_WINDOW = 8
        private const val MAX_HANDLER_RECURSION = 64

        private val HANDLERS_CLOSED = Any()

        /** [handlers] while the completion looks for done callbacks: see [complete]. */
        private val HANDLERS_SCANNING = Any()

        /** [handlers] while the completion schedules done callbacks: a node without a handler, which a stack pushed meanwhile may keep at its bottom or prune. */
        private val HANDLERS_RUNNING = HandlerNode(null)

        private val STATUS: AtomicIntegerFieldUpdater<TaskImpl<*>> =
            AtomicIntegerFieldUpdater.newUpdater(TaskImpl::class.java, "status")
        private val HANDLERS: AtomicReferenceFieldUpdater<TaskImpl<*>, Any?> =
            AtomicReferenceFieldUpdater.newUpdater(TaskImpl::class.java, Any::class.java, "handlers")
        private val JOB_OR_EXTRAS: AtomicReferenceFieldUpdater<TaskImpl<*>, Any?> =
            AtomicReferenceFieldUpdater.newUpdater(TaskImpl::class.java, Any::class.java, "jobOrExtras")
    }
}

/**
 * One addDoneCallback registration, its own node on the task's handler stack: at completion it
 * schedules itself on the loop (asyncio's call_soon of the callback), unless [withdraw]
 * (removeDoneCallback) claimed it first. What the callback throws goes to the loop's exception
 * handler, with this registration (the callback's toString) named.
 */
internal class DoneCallback<T>(private val task: TaskImpl<T>, callback: Consumer<in Task<T>>) :
    HandlerNode(null), (Throwable?) -> Unit, Runnable {
    @Volatile private var state = REGISTERED

    /**
     * The callback; dropped when withdrawn (the node may stay on the task's stack until a later
     * registration prunes it, or the task completes: it must not keep what the callback holds).
     */
    @Volatile @JvmField var callback: Consumer<in Task<T>>? = null

    init {
        // Release stores (see HandlerNode): the registration's CAS publishes the node.
        CALLBACK.lazySet(this, callback)
        HANDLER.lazySet(this, this)
    }

    override fun invoke(cause: Throwable?) {
        if (STATE.compareAndSet(this, REGISTERED, SCHEDULED)) task.eventLoop.enqueue(this)
    }

    /** Claims the registration before it is scheduled; true if this call did. */
    fun withdraw(): Boolean {
        if (!STATE.compareAndSet(this, REGISTERED, WITHDRAWN)) return false
        dispose()
        callback = null
        return true
    }

    override fun run() = callback!!.accept(task) // scheduled, so never withdrawn

    override fun toString(): String = callback.toString()

    private companion object {
        const val REGISTERED = 0
        const val SCHEDULED = 1
        const val WITHDRAWN = 2
        val STATE: AtomicIntegerFieldUpdater<DoneCallback<*>> = AtomicIntegerFieldUpdater.newUpdater(DoneCallback::class.java, "state")
        val CALLBACK: AtomicReferenceFieldUpdater<DoneCallback<*>, Consumer<*>?> =
            AtomicReferenceFieldUpdater.newUpdater(DoneCallback::class.java, Consumer::class.java, "callback")
    }
}

/** The coroutine of a task: its place in the job tree, and the hooks back to it. */
internal class TaskJob<T>(parentContext: CoroutineContext, @JvmField val task: TaskImpl<T>) :
    AbstractCoroutine<T>(parentContext, initParentJob = false, active = true) {

    /** The task's extras, for a task with a job (TaskImpl.jobOrExtras holds the job then): set as TaskImpl.extras() says. */
    @Volatile @JvmField var extras: TaskImpl.Extras? = null

    /** Becomes a child of [parent]: called by TaskImpl.start only. */
    fun attach(parent: Job?) = initParentJob(parent)

    override fun onCancelling(cause: Throwable?) {
        if (cause == null) return
        if (cause !is CancellationException) cancelChildTasks(cause)
        task.onCancelling(cause)
    }

    /** Called when no parent takes the failure (the loop's root is a supervisor): it may go unretrieved. */
    override fun handleJobException(exception: Throwable): Boolean {
        task.onUnhandledFailure(thrownInstanceOfJob(exception))
        return true
    }

    override fun cancellationExceptionMessage(): String = "${task.name()} was cancelled"

    /** The job completed (its final state is set; its own handlers run after): the task is done with its outcome. */
    override fun onCompleted(value: T) = task.completeFromJob(Result.success(value))

    override fun onCancelled(cause: Throwable, handled: Boolean) = task.completeFromJob(Result.failure(thrownInstanceOfJob(cause)))

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

    companion object {
        val EXTRAS: AtomicReferenceFieldUpdater<TaskJob<*>, TaskImpl.Extras?> =
            AtomicReferenceFieldUpdater.newUpdater(TaskJob::class.java, TaskImpl.Extras::class.java, "extras")
    }
}

/** A registration of [TaskImpl.onDone]: its own handle; [handler] is null once withdrawn. */
internal open class HandlerNode(handler: ((Throwable?) -> Unit)?) : DisposableHandle {
    @Volatile @JvmField var handler: ((Throwable?) -> Unit)? = null
    @JvmField var next: HandlerNode? = null

    init {
        // A release store, not a volatile one's fence: the node is published by the CAS that pushes it.
        if (handler != null) HANDLER.lazySet(this, handler)
    }

    override fun dispose() {
        handler = null
    }

    companion object {
        @JvmField val HANDLER: AtomicReferenceFieldUpdater<HandlerNode, Function1<*, *>?> =
            AtomicReferenceFieldUpdater.newUpdater(HandlerNode::class.java, Function1::class.java, "handler")
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

