/*
 * asyncio.Condition over a LockImpl: one line of waiters for a signal (Waiters.kt) under the
 * condition's monitor; a signal serves the first waiters still waiting (tryGrant, the one atomic
 * decision between a signal and the waiter's cancellation). A wait:
 *
 *   in line ──signal──▶ in the lock's line ──▶ holds the lock ──▶ returns
 *      │                        └─cancelled meanwhile: throws once it holds the lock, and passes the signal on
 *      └──cancelled (withdrawn at once)──▶ takes the lock back ──▶ throws
 *
 * The signaller puts each waiter it served in the lock's line itself ([SignalledWaiter]), in the
 * order they waited, so they hold the lock in that order, as asyncio's waiters do.
 *
 * A waiter joins the line before it releases the lock, so a signal sent by the next holder of the
 * lock always finds it. The lock is taken back whatever happens, without regard to cancellation
 * (PARK_UNINTERRUPTIBLY, or a CondWaitTask that keeps waiting for it): a wait always ends with the
 * lock held, as asyncio's does. A signal that reached a waiter which then ends cancelled or failed
 * is passed to the next waiter (asyncio 3.13 does the same); the extra wake-up this may cause is
 * a spurious one, which condition variables allow.
 *
 * The blocking wait parks on a [SignalParkWaiter], then on the lock's waiter it carries; the task
 * of awaitAsync/awaitUntilAsync is a [CondWaitTask], a waiter first in the condition's line, then
 * in the lock's.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.requireArgument

import dev.aio4j.Task
import dev.aio4j.internal.Current
import dev.aio4j.internal.DoneTask
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.TaskImpl
import dev.aio4j.sync.AsyncCondition
import dev.aio4j.sync.AsyncLock
import java.util.Objects
import java.util.concurrent.CancellationException
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.concurrent.locks.ReentrantLock
import java.util.function.BooleanSupplier
import kotlin.concurrent.withLock

internal class ConditionImpl(@JvmField val lockImpl: LockImpl) : AsyncCondition, AsyncLock by lockImpl {
    /** Guards [waiters]. */
    @JvmField val monitor = ReentrantLock()
    private val waiters = WaiterList()
    @JvmField val gate: PermitGate = lockImpl.gate

    /** Puts [waiter] in the line for a signal. */
    fun joinLine(waiter: Waiter) {
        monitor.withLock { waiters.add(waiter) }
    }

    private fun checkHeld(what: String) {
        if (!lockImpl.isLocked()) throw IllegalStateException("$what requires the condition's lock to be held")
    }

    /** Releases the lock once [waiter] is in line; if someone else released it meanwhile, [waiter] leaves the line. */
    private fun releaseFor(waiter: Waiter) {
        try {
            lockImpl.release()
        } catch (e: IllegalStateException) {
            waiter.unlink(monitor)
            throw IllegalStateException("the condition's lock must be held to wait")
        }
    }

    /** The blocking wait, see the file comment; [what] names the method for messages. */
    private fun awaitSignal(what: String) {
        val waiter = SignalParkWaiter(this, what)
        joinLine(waiter)
        try {
            releaseFor(waiter)
        } catch (e: IllegalStateException) {
            waiter.abandon()
            throw e
        }
        try {
            waiter.await()
        } catch (e: CancellationException) { // withdrawn before a signal: takes the lock back at the end of its line
            gate.take(PARK_UNINTERRUPTIBLY, null)
            throw e
        }
        waiter.lockWaiter.await() // the signal put it in the lock's line
        if (Thread.interrupted()) { // cancelled while it took the lock back: the signal goes to the next waiter
            signalWaiters(1)
            throw Current.cancellationForInterrupt(what)
        }
    }

    override fun await() {
        checkHeld("AsyncCondition.await()")
        SyncBlocking.enter("AsyncCondition.await()")
        awaitSignal("AsyncCondition.await()")
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun awaitUntil(predicate: BooleanSupplier?) {
        requireArgument(predicate, "predicate", "AsyncCondition.awaitUntil")
        checkHeld("AsyncCondition.awaitUntil()")
        SyncBlocking.enter("AsyncCondition.awaitUntil()")
        while (!predicate.asBoolean) awaitSignal("AsyncCondition.awaitUntil()")
    }

    override fun awaitAsync(): Task<Void?> {
        checkHeld("AsyncCondition.awaitAsync()")
        return waitTask(openCurrentLoop(), null)
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun awaitUntilAsync(predicate: BooleanSupplier?): Task<Void?> {
        requireArgument(predicate, "predicate", "AsyncCondition.awaitUntilAsync")
        checkHeld("AsyncCondition.awaitUntilAsync()")
        val loop = openCurrentLoop()
        try {
            if (predicate.asBoolean) return loop.doneVoid
        } catch (e: Throwable) {
            return DoneTask.of(loop, Result.failure(e))
        }
        return waitTask(loop, predicate)
    }

    private fun waitTask(loop: EventLoop, predicate: BooleanSupplier?): Task<Void?> {
        val task = CondWaitTask(loop, this, predicate)
        joinLine(task)
        task.enterJobTree()
        try {
            releaseFor(task)
        } catch (e: IllegalStateException) {
            task.abandon(e)
            throw e
        }
        return task
    }

    override fun signal() = signal(1)

    override fun signal(n: Int) {
        require(n >= 0) { "n must not be negative: $n" }
        checkHeld("AsyncCondition.signal()")
        signalWaiters(n)
    }

    override fun signalAll() {
        checkHeld("AsyncCondition.signalAll()")
        signalWaiters(Int.MAX_VALUE)
    }

    /**
     * Serves up to [n] waiters still waiting, and puts each in the lock's line, in the order they
     * waited: they take the lock back in that order, as asyncio's do (and as the JDK's Condition
     * moves its waiters to the lock's queue). Waking each to join that line itself let them race
     * for it (found from outside on 2026-12-05).
     */
    fun signalWaiters(n: Int) {
        if (n > 0) forEachServed(monitor.withLock { waiters.grantUpTo(n, Unit) }) { (it as SignalledWaiter).signalled() }
    }

    override fun toString(): String = "AsyncCondition(${if (lockImpl.isLocked) "locked" else "unlocked"}, waiters=${monitor.withLock { waiters.size }})"
}

/** A waiter in a condition's line. */
internal interface SignalledWaiter : Waiter {
    /** By the signaller, once [tryGrant] served it, outside the monitor: joins the lock's line (or takes the lock at once). */
    fun signalled()
}

/**
 * A blocking wait's waiter in the condition's line, made on the waiting thread with the waiter
 * that its thread takes the lock back with: the signal puts that one in the lock's line (or hands
 * it the lock, if free), then wakes the thread, which goes on to wait for the lock.
 */
private class SignalParkWaiter(private val cond: ConditionImpl, what: String) : ParkWaiter(cond.monitor, what, null), SignalledWaiter {
    val lockWaiter = ParkWaiter(cond.gate.monitor, what, null, interruptible = false)

    override fun signalled() {
        if (cond.gate.takeOrEnqueue(lockWaiter)) {
            lockWaiter.tryGrant(Unit)
            lockWaiter.deliver()
        }
        deliver()
    }
}

/**
 * The task of awaitAsync (no [predicate]) and awaitUntilAsync, a waiter without a coroutine:
 *
 *   IN_LINE ──signal──▶ SIGNALLED ─┐               (the signaller, at once)
 *      └──cancel──▶ WITHDRAWN ─────┴─▶ TAKING (in the lock's line) ──granted──▶ HOLDING ──▶ completes
 *                                                                    predicate false: back IN_LINE ◀─┘
 *
 * Once it holds the lock, on the loop: cancelled meanwhile, it ends cancelled; else it
 * evaluates the predicate (failing with what it throws), and completes, or joins the line
 * again and releases the lock. It ends holding the lock, whatever the outcome; one that ends
 * cancelled or failed after a signal passes the signal on (its completion handler).
 */
internal class CondWaitTask(loop: EventLoop, private val cond: ConditionImpl, private val predicate: BooleanSupplier?) :
    TaskImpl<Void?>(loop, null, RUNNING), SignalledWaiter, Runnable, (Throwable?) -> Unit {
    @Volatile private var state = IN_LINE
    @Volatile private var signalled = false
    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null

    /** Joins the job tree once in line and before the lock is released: a cancelled parent withdraws it at once. */
    fun enterJobTree() {
        whenDone(this)
        start(eventLoop.taskContext)
    }

    /** The lock was not held after all: leaves the line and fails with [e]. */
    fun abandon(e: Throwable) {
        if (STATE.compareAndSet(this, IN_LINE, WITHDRAWN)) unlink(cond.monitor)
        markRetrieved()
        tryFinish(Result.failure(e))
    }

    override fun tryGrant(value: Any?): Boolean =
        STATE.compareAndSet(this, IN_LINE, SIGNALLED) || STATE.compareAndSet(this, TAKING, HOLDING)

    override fun fail(exception: Throwable) {} // a signal and a lock hand over nothing that can fail

    /** Once it holds the lock: the rest, on the loop. */
    override fun deliver() {
        eventLoop.enqueue(this)
    }

    override fun signalled() {
        signalled = true
        takeLock()
    }

    override fun run() {
        if (state == HOLDING) holding()
    }

    private fun takeLock() {
        state = TAKING
        if (cond.gate.takeOrEnqueue(this)) {
            state = HOLDING
            deliver()
        }
    }

    private fun holding() {
        if (isCancelling()) {
            tryFinish(Result.failure(cancellationCause()))
            return
        }
        val p = predicate
        if (p != null) {
            val ready = try {
                p.asBoolean
            } catch (e: Throwable) {
                tryFinish(Result.failure(e))
                return
            }
            if (!ready) {
                signalled = false
                // IN_LINE and in the line in one step under the condition's monitor, which a
                // withdrawal's unlink takes too: a cancel that sees IN_LINE then finds the task in
                // the line. Written apart, a cancel from another thread that came between them
                // found it in no line, put it in the lock's, and the task then joined the
                // condition's line as well: a waiter left in a line once withdrawn (counted as
                // waiting for ever), or, its links overwritten by the lock's line, one that the
                // next signal() spins on for ever under the monitor (found from outside on 2026-12-05).
                cond.monitor.withLock {
                    state = IN_LINE
                    cond.joinLine(this)
                }
                try {
                    cond.lockImpl.release()
                } catch (e: IllegalStateException) { // released by someone else meanwhile (the predicate, say): asyncio's wait() raises
                    if (STATE.compareAndSet(this, IN_LINE, WITHDRAWN)) unlink(cond.monitor)
                    tryFinish(Result.failure(IllegalStateException("the condition's lock must be held to wait", e)))
                    return
                }
                if (isCancelling()) withdrawAndTakeLock() // a cancel that came while it held the lock
                return
            }
        }
        tryFinish(Result.success(null))
    }

    /** In line for a signal: withdrawn now, it takes the lock back and then ends cancelled; later, run() sees it. */
    override fun onCancelRequested(cause: Throwable) {
        withdrawAndTakeLock()
    }

    private fun withdrawAndTakeLock() {
        if (STATE.compareAndSet(this, IN_LINE, WITHDRAWN)) {
            unlink(cond.monitor)
            takeLock()
        }
    }

    /** Completion handler: a signal consumed by a wait that did not return normally goes to the next waiter. */
    override fun invoke(cause: Throwable?) {
        if (cause != null && signalled) cond.signalWaiters(1)
    }

    override val completesInTryFinish: Boolean get() = true

    /**
     * It succeeds only once signalled (or its predicate true) with the lock held: a wake-up was
     * handed over (see TaskImpl.handedOver), so a task that follows it and is cancelled after it
     * succeeded ends with its result, as for the lock's and the queue's tasks. Without it such a
     * follower (a body returning awaitAsync(), a waitFor over it, withLockAsync around it) ended
     * CANCELLED having consumed the signal, which [invoke] no longer passed on, and a waiter that
     * stayed was never woken (found from outside on 2026-12-05: 1 in 300 rounds of a waitFor deadline
     * racing signal(), every time with the cancel made just after the wait's success).
     */
    override val handedOver: Boolean get() = true

    override fun toString(): String = super.toString()

    private companion object {
        const val IN_LINE = 0
        const val SIGNALLED = 1
        const val WITHDRAWN = 2
        const val TAKING = 3
        const val HOLDING = 4
        val STATE: AtomicIntegerFieldUpdater<CondWaitTask> = AtomicIntegerFieldUpdater.newUpdater(CondWaitTask::class.java, "state")
    }
}
