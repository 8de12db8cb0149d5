/*
 * The event loop of a blocking-style task's thread while it waits in Suspend.join: the dispatcher
 * of the suspend functions it calls, whose queue that thread runs while it waits (kotlinx's
 * runBlocking and its BlockingEventLoop are the model). A function that suspends and is resumed
 * from its own thread (yield, a child coroutine of its own) costs no park at all; one resumed from
 * another thread (the loop's timers and callbacks, I/O, Dispatchers.Default) wakes the waiting
 * thread once per resumption, and nothing else: no loop step runs the function.
 *
 * One JoinLoop per blocking task, made at its first Suspend.join that needs one and kept on the
 * task ([BlockingTask.joinLoop]); nested joins on the thread (a resumption that calls Java code
 * that calls Suspend.join) share it, so the inner join runs the outer call's resumptions too, as
 * nested runBlocking calls share their thread's event loop.
 *
 * The queue is open while a join runs on the thread (depth > 0) and forwards to the loop
 * otherwise: a coroutine that escaped its call (launched into another scope with this
 * dispatcher) still runs, on the loop, after the call has returned. The hand-over at the close
 * loses nothing: a dispatcher that finds the queue closed after adding takes its block back
 * (ConcurrentLinkedQueue.remove) and the owner, after closing, forwards what is left (poll): each
 * block is taken by exactly one of them.
 *
 *   closed (depth 0) ──Suspend.join──▶ open (depth ≥ 1; nested joins count up) ──last join ends──▶ closed
 *   dispatch when open: from another thread, queue + wake the owner; from the owner, its own
 *   FIFO (no CAS, no node); when closed: the loop's queue
 *
 * Timers (delay, withTimeout) are the loop's, as for every dispatcher of a loop (LoopDispatcherBase):
 * a delay's timer fires on the loop's thread and resumes through this dispatcher, so the function
 * continues on the waiting thread.
 *
 * @InternalCoroutinesApi used (kotlinx may change it in any release; SuspendJoinTest exercises each):
 * AbstractCoroutine with initParentJob = false, isScopedCoroutine, onCompleted/onCancelled (called
 * once the job's outcome is final, children included), and cancelCoroutine (false once the job is
 * completing).
 */
package dev.aio4j.internal

import dev.aio4j.ExceptionContext
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater
import java.util.concurrent.locks.LockSupport
import kotlinx.coroutines.AbstractCoroutine
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.InternalCoroutinesApi
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.resume

internal class JoinLoop(loop: EventLoop, @JvmField val owner: Thread) : LoopDispatcherBase(loop) {
    /** What other threads dispatch. */
    private val queue = ConcurrentLinkedQueue<Runnable>()

    /**
     * What [owner] dispatches to itself while a join runs (a yield, a child coroutine of the call):
     * the owner's alone, so no node and no CAS per dispatch.
     */
    private val local = ArrayDeque<Runnable>()

    /** How many joins run on [owner] now; written by the owner only. */
    @Volatile private var depth = 0

    /**
     * The context a call's coroutine starts from: the loop's (its exception handler, its root job,
     * unused as a parent), with this dispatcher. A LoopContext, so that a call's coroutine adds its
     * job in one allocation (kotlin's generic plus rebuilt a chain of CombinedContexts per call).
     */
    @JvmField val callContext: CoroutineContext = (loop.taskContext as LoopContext).let { LoopContext(it.handler, it.job, this) }

    /**
     * With no join running, a block goes to the loop through [LoopDispatcherBase.dispatch], which
     * knows a closed loop (the coroutine is cancelled and goes on on Dispatchers.IO): put in the
     * closed loop's queue as it was before (found from outside on 2026-12-06), a coroutine that
     * escaped its call and that the close left in a delay, or that was resumed after the close,
     * never ran again, its finally blocks included.
     */
    override fun dispatch(context: CoroutineContext, block: Runnable) {
        if (Thread.currentThread() === owner) {
            if (depth > 0) local.addLast(block) else super.dispatch(context, block)
            return
        }
        queue.add(block)
        if (depth > 0) {
            LockSupport.unpark(owner)
        } else if (queue.remove(block)) {
            super.dispatch(context, block)
        }
    }

    override fun resumeFromTimer(continuation: CancellableContinuation<Unit>) {
        continuation.resume(Unit) // dispatched: to this queue
    }

    /**
     * Starts a join on the owner thread: dispatches from now on come to this queue. Call before the
     * function starts, so that what its first part dispatches is run here.
     */
    fun enter() {
        // A release store: another thread that dispatches to this call got its continuation from
        // code that ran after this, so it sees depth > 0 all the same. Leaving needs the full fence
        // (exit): there a dispatcher's add and the owner's last poll must not both miss.
        DEPTH.lazySet(this, depth + 1)
    }

    /** Ends a join on the owner thread; after the last one, what a stray coroutine left goes to the loop. */
    fun exit() {
        if (--depth > 0) return
        while (true) loop.enqueue(local.removeFirstOrNull() ?: break)
        while (true) loop.enqueue(queue.poll() ?: return)
    }

    /**
     * Runs this queue on the owner thread until [call] is done, parking when there is nothing to
     * run. An interrupt cancels [call] (once; with the exception that join then throws) and the
     * queue runs on until the call has finished; an interrupt seen after that is set again on return.
     */
    fun runUntilDone(call: JoinCoroutine<*>, until: Wait? = null) {
        var interruptedAgain = false
        try {
            while (!(until?.stopWaiting() ?: call.done)) {
                if (Thread.interrupted()) {
                    if (call.interruptCause == null) call.cancelForInterrupt() else interruptedAgain = true
                    continue
                }
                // One of each in turn: neither the owner's own dispatches nor other threads' starve the other.
                val remote = queue.poll()
                if (remote != null) {
                    remote.run()
                    if (until?.stopWaiting() ?: call.done) break
                }
                val own = local.removeFirstOrNull()
                if (own != null) own.run() else if (remote == null) LockSupport.park(call)
            }
        } finally {
            if (interruptedAgain) owner.interrupt()
        }
    }

    /** What a wait on this queue waits for, besides a call's end: [runUntilDone] returns once it says so. */
    interface Wait {
        fun stopWaiting(): Boolean
    }

    /** A walk that the task's body may leave open: the blocking view of a Flow, run on [owner] (FlowOnThread), or of any other source. */
    interface Walk {
        /** Closes the walk unless it is closed already, and waits for that; the closing's failure. */
        fun closeLeftOpen(): Throwable?
    }

    /** The walks begun on [owner] and not ended yet (owner thread only), the last begun last. */
    private var walks: ArrayList<Walk>? = null

    fun openWalk(walk: Walk) {
        (walks ?: ArrayList<Walk>(2).also { walks = it }).add(walk)
    }

    fun closeWalk(walk: Walk) {
        walks?.remove(walk)
    }

    /**
     * Closes the walks the task's body left open, the last begun first (their finally blocks run
     * now: a Flow's on the task's thread, a generator's on its producer's, waited for); what closing
     * one throws goes to the loop's exception handler. Called on [owner] when the body has returned.
     * A Flow's walk must end here, since its coroutine runs on this thread; another source's was
     * left, before 2026-12-07, to the loop's close, and a long-running loop kept its producer parked
     * on a full buffer for its life (found from outside); now it ends with the body, as asyncio
     * closes an abandoned async generator when it is collected.
     */
    fun closeWalks(task: BlockingTask<*>) {
        while (true) {
            val walk = walks?.lastOrNull() ?: return
            val failure = try {
                walk.closeLeftOpen()
            } catch (e: Throwable) {
                e
            }
            walks?.remove(walk) // closing removed it unless it threw first
            if (failure != null) {
                loop.callExceptionHandler(ExceptionContext("Exception closing a blocking view that ${task.name()} left open", failure, task))
            }
        }
    }

    override fun toString(): String = "$loop.joinLoop($owner)"

    companion object {
        private val DEPTH: AtomicIntegerFieldUpdater<JoinLoop> = AtomicIntegerFieldUpdater.newUpdater(JoinLoop::class.java, "depth")

        /** [task]'s JoinLoop, made at the first need; called on the task's thread, whose loop must be open. */
        fun of(task: BlockingTask<*>): JoinLoop = ofAnyLoop(task).also { it.loop.checkOpen() }

        /** [task]'s JoinLoop, made at the first need, on the task's thread: for its walks ([openWalk]), which a closing loop does not refuse. */
        fun ofAnyLoop(task: BlockingTask<*>): JoinLoop =
            task.joinLoop ?: JoinLoop(task.eventLoop, Thread.currentThread()).also { task.joinLoop = it }
    }
}

/**
 * The coroutine of one Suspend.join call that needs one (the function asked for its context, or
 * suspended): the Job of the function's context, with its [JoinLoop] as the dispatcher. It has no
 * parent: the blocking task's cancellation reaches it as the thread's interrupt, which
 * [JoinLoop.runUntilDone] turns into its cancellation. It is scoped (kotlinx's BlockingCoroutine
 * is too): a child's failure fails the call and reaches the joiner, nobody else.
 *
 * The outcome is stored in [value]/[failure] before [done] is set: the job can be completed for
 * every thread before onCompleted/onCancelled run (see TaskImpl), so the joiner waits for [done],
 * not for the job.
 */
@OptIn(InternalCoroutinesApi::class)
internal open class JoinCoroutine<T>(@JvmField val joinLoop: JoinLoop) :
    AbstractCoroutine<T>(joinLoop.callContext, initParentJob = false, active = true) {
    @JvmField var value: T? = null
    @JvmField var failure: Throwable? = null
    /** 1 once the outcome is stored: set by [finish], read through [done]. */
    @Volatile private var finished = 0

    /** Whether the call has finished: its outcome is in [value]/[failure]. */
    val done: Boolean get() = finished != 0

    /** The cancellation that an interrupt of the joining thread made; null while none came. */
    @JvmField var interruptCause: java.util.concurrent.CancellationException? = null

    override val isScopedCoroutine: Boolean get() = true

    override fun onCompleted(value: T) {
        this.value = value
        finish()
    }

    override fun onCancelled(cause: Throwable, handled: Boolean) {
        failure = cause
        finish()
    }

    private fun finish() {
        if (Thread.currentThread() === joinLoop.owner) {
            FINISHED.lazySet(this, 1) // its only reader is this thread: a release store, no fence
        } else {
            finished = 1
            LockSupport.unpark(joinLoop.owner)
        }
    }

    /**
     * The call's value, or its failure thrown as Task.join() throws it (a checked one wrapped once
     * in TaskFailedException). After an interrupt, a value or a failure leaves the interrupt
     * pending, as Blocking.join does: only a cancellation delivers it, whether the interrupt
     * cancelled the call or found it finishing already.
     */
    fun outcome(): T {
        val e = failure
        if (e !is java.util.concurrent.CancellationException && interruptCause != null) Thread.currentThread().interrupt()
        @Suppress("UNCHECKED_CAST")
        if (e == null) return value as T
        if (e !is java.util.concurrent.CancellationException) addJoinerFrames(e)
        throw Runs.unchecked(e, "the suspend function")
    }

    /**
     * A failure raised on another thread (in withContext(Dispatchers.Default), a callback of the
     * loop) has only that thread's frames: the joining Java code's are added to the same instance as
     * a suppressed CallSite, once. One raised on the joining thread has them already.
     */
    private fun addJoinerFrames(e: Throwable) {
        if (e.stackTrace.any { it.methodName == "callAndJoin" && it.className.startsWith(JavaCall::class.java.name) }) return
        if (e.suppressed.none { it is CallSite && it.joiner }) e.addSuppressed(CallSite("Suspend.join() was called here, on ${Thread.currentThread()}", joiner = true))
    }

    /** What waits in this coroutine, as the cancellation an interrupt makes names it. */
    protected open val waiter: String get() = "Suspend.join()"

    fun cancelForInterrupt() {
        val cause = Current.cancellationForInterrupt(waiter)
        interruptCause = cause
        cancelCoroutine(cause)
    }

    private companion object {
        val FINISHED: AtomicIntegerFieldUpdater<JoinCoroutine<*>> = AtomicIntegerFieldUpdater.newUpdater(JoinCoroutine::class.java, "finished")
    }
}

/**
 * The continuation Suspend.join passes to the function. It makes the call's [JoinCoroutine] only
 * when the function asks for its context or suspends, so a function that returns at once without
 * looking at its context costs this object and nothing else (no job, no fence). The coroutine made
 * on the owner thread opens the [JoinLoop] at once ([entered]), before the function can dispatch.
 */
internal class JoinCall<T>(@JvmField val joinLoop: JoinLoop) : Continuation<T> {
    @Volatile @JvmField var coroutine: JoinCoroutine<T>? = null

    /** Whether this call has opened [joinLoop] (owner thread only). */
    @JvmField var entered = false

    override val context: CoroutineContext get() = coroutine().context

    override fun resumeWith(result: Result<T>) {
        coroutine().resumeWith(asThrown(result))
    }

    fun coroutine(): JoinCoroutine<T> {
        coroutine?.let { return it }
        val made = JoinCoroutine<T>(joinLoop)
        @Suppress("UNCHECKED_CAST")
        val won = if (COROUTINE.compareAndSet(this, null, made)) made else coroutine as JoinCoroutine<T>
        if (Thread.currentThread() === joinLoop.owner && !entered) {
            joinLoop.enter()
            entered = true
        }
        return won
    }

    override fun toString(): String = "JoinCall(${coroutine ?: joinLoop})"

    private companion object {
        private val COROUTINE: AtomicReferenceFieldUpdater<JoinCall<*>, JoinCoroutine<*>> =
            AtomicReferenceFieldUpdater.newUpdater(JoinCall::class.java, JoinCoroutine::class.java, "coroutine")
    }
}
