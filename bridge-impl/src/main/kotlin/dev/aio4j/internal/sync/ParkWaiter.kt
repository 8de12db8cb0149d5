/*
 * The PARK form's waiter (Waiters.kt): a thread parked in a blocking method, as a thread waits in
 * ArrayBlockingQueue's condition: no coroutine, no event loop, woken by unpark once served.
 *
 *   WAITING ──tryGrant (under the owner's monitor)──▶ GRANTED ──deliver──▶ DELIVERED ──its thread──▶ TAKEN (returns what it was served)
 *      ├──its thread sees an interrupt first──▶ WITHDRAWN (unlinks itself, throws a cancellation)
 *      └──its task's cancel() first (withdrawWaitOf)──▶ WITHDRAWN (unlinked before cancel() returns)
 *   GRANTED or DELIVERED ──its task's cancel() before the thread took it (withdrawWaitOf), when
 *      the op undoes──▶ GIVEN_BACK (the op's undo at once: the lock or permit released, the item
 *      to the next getter or back to the head of the queue; the thread throws the cancellation)
 *   TAKEN, with the canceller's getAndSet of waitingIn made before the thread cleared it (the
 *      thread's take won the CAS the canceller lost) ──the thread──▶ the op's undo, and the
 *      thread throws the cancellation
 *
 * A plain interrupt (not its task's cancellation: a timeout scope's, or a thread's that is no
 * task) that comes after the waiter was served leaves the grant to it: the operation returns and
 * the interrupt stays pending for the next wait (the JDK's rule for a signalled condition waiter),
 * and the body that got the value goes on with it (a timeout scope whose body returned keeps the
 * value). Its task's cancellation is different: the task will end CANCELLED whatever its body
 * returns (rule 1), so a grant its thread has not taken yet goes back, as asyncio's Queue.get
 * leaves the item in the queue when the task is cancelled before it resumed. What remains is the
 * body's own window, from the thread's clearing of waitingIn to the task's completion. A blocking-style task publishes
 * the waiter it parks on in BlockingTask.waitingIn, so that Task.cancel() withdraws it (or takes
 * its grant back) before it interrupts the thread and returns (asyncio: Task.cancel() cancels the
 * future the task waits on): an item put or a lock released after cancel() has returned goes to
 * the next waiter or stays. The field's protocol, for the race of a cancel with a thread entering
 * a wait:
 *
 *   canceller (BlockingTask.onCancelRequested, once per task): phase RUNNING → INTERRUPTING;
 *     w = getAndSet(waitingIn, CANCELLING); withdraw w (or give its grant back) if it is a
 *     waiter; interrupt; → INTERRUPTED
 *   waiter's thread: prev = getAndSet(waitingIn, this) before it joins a line; prev == CANCELLING
 *     means a cancel came after the last wait: once the interrupt has landed, a pending one is
 *     this wait's cancellation (else an earlier wait or the body consumed it already); it clears
 *     waitingIn back when it stops waiting
 *
 * A waiter withdrawn (or given back) by the canceller consumes the interrupt that follows, so the
 * cancellation is delivered once. An [interruptible] = false waiter (the condition taking its lock
 * back) is not published and lets interrupts wait until it is served.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.BlockingTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.TaskImpl
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater
import java.util.concurrent.locks.LockSupport
import java.util.concurrent.locks.ReentrantLock

internal open class ParkWaiter(
    private val monitor: ReentrantLock,
    private val what: String,
    override val putItem: Any?,
    private val interruptible: Boolean = true,
    /** The op whose undo gives a served grant back on the task's cancellation (null: the grant stays, as a put's). */
    private val undo: WaitOp? = null,
) : Waiter {
    private val thread: Thread = Thread.currentThread()
    private val task: BlockingTask<*>? = if (interruptible) Current.get() as? BlockingTask<*> else null
    @Volatile private var state = WAITING
    private var value: Any? = null
    private var failure: Throwable? = null
    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null
    override var grantSeq: Int = 0

    init {
        val t = task
        if (t != null && WAITING_IN.getAndSet(t, this) === CANCELLING) {
            awaitInterruptOf(t)
            if (Thread.interrupted()) {
                WAITING_IN.compareAndSet(t, this, null)
                throw Current.cancellationForInterrupt(what)
            }
        }
    }

    override fun tryGrant(value: Any?): Boolean {
        this.value = value // before the CAS: a canceller that gives GRANTED back reads it; a withdrawn waiter keeps an unused value
        return STATE.compareAndSet(this, WAITING, GRANTED)
    }

    override fun fail(exception: Throwable) {
        failure = exception
    }

    override fun deliver() {
        // publishes value and failure, written before it; GIVEN_BACK already: the thread throws
        if (undo == null) state = DELIVERED else STATE.compareAndSet(this, GRANTED, DELIVERED)
        LockSupport.unpark(thread)
    }

    /** The canceller's side: true if the waiter was still waiting and is withdrawn now. */
    private fun withdraw(): Boolean {
        if (!STATE.compareAndSet(this, WAITING, WITHDRAWN)) return false
        unlink(monitor)
        return true
    }

    /**
     * The canceller's side when [withdraw] failed: a grant the thread has not taken yet goes back
     * through the op's undo (once: the CAS to GIVEN_BACK), if the op undoes.
     */
    private fun giveBack() {
        val op = undo ?: return
        while (true) {
            val s = state
            if (s != GRANTED && s != DELIVERED) return
            if (STATE.compareAndSet(this, s, GIVEN_BACK)) return op.undo(value, grantSeq)
        }
    }

    /** The wait is not made after all (the condition's lock was not held): leaves its line and its task. */
    fun abandon() {
        withdraw()
        task?.let { WAITING_IN.compareAndSet(it, this, null) }
    }

    /**
     * Spins for [spinNanos] nanoseconds, then parks, until served; returns what it was served
     * with (or throws the failure it was served with). Withdrawn first (by an interrupt or its
     * task's cancel()), it throws a cancellation.
     */
    fun await(spinNanos: Long = 0): Any? {
        var interrupted = false
        val spinUntil = if (spinNanos > 0) System.nanoTime() + spinNanos else 0L
        var spinning = spinNanos > 0
        var took = false
        try {
            while (true) {
                when (state) {
                    DELIVERED -> if (undo == null) break else if (STATE.compareAndSet(this, DELIVERED, TAKEN)) { took = true; break } else continue
                    WITHDRAWN, GIVEN_BACK -> { // by the task's cancel(): the interrupt that follows is this cancellation
                        unlink(monitor) // in case the cancel came before the waiter was in its line
                        awaitInterruptOf(task!!)
                        Thread.interrupted()
                        throw Current.cancellationForInterrupt(what)
                    }
                }
                if (spinning) spinning = System.nanoTime() - spinUntil < 0
                if (spinning) {
                    Thread.onSpinWait()
                } else if (!Thread.interrupted()) {
                    LockSupport.park(this)
                } else if (interruptible && withdraw()) {
                    throw Current.cancellationForInterrupt(what)
                } else {
                    interrupted = true // served already, or not interruptible: return, keep the interrupt
                }
            }
        } finally {
            if (!took) task?.let { WAITING_IN.compareAndSet(it, this, null) }
        }
        val t = task
        if (took && t != null && !WAITING_IN.compareAndSet(t, this, null)) {
            // its task's cancel() reached this waiter as its thread took the grant, too late to give it back: the thread does
            undo!!.undo(value, grantSeq)
            awaitInterruptOf(t)
            Thread.interrupted()
            throw Current.cancellationForInterrupt(what)
        }
        if (interrupted) thread.interrupt()
        failure?.let { throw it }
        return value
    }

    companion object {
        private const val WAITING = 0
        private const val GRANTED = 1
        private const val WITHDRAWN = 2
        private const val DELIVERED = 3
        private const val TAKEN = 4 // by its thread, when the op undoes: no give-back after this
        private const val GIVEN_BACK = 5
        private val STATE: AtomicIntegerFieldUpdater<ParkWaiter> = AtomicIntegerFieldUpdater.newUpdater(ParkWaiter::class.java, "state")

        /** BlockingTask.waitingIn after a cancel: see the file comment. */
        private val CANCELLING = Any()
        private val WAITING_IN: AtomicReferenceFieldUpdater<BlockingTask<*>, Any?> =
            AtomicReferenceFieldUpdater.newUpdater(BlockingTask::class.java, Any::class.java, "waitingIn")

        /**
         * Called by [task]'s cancellation, before it interrupts the thread: withdraws the waiter
         * the body parks on, if any, or gives back the grant it was served and has not taken.
         */
        fun withdrawWaitOf(task: BlockingTask<*>) {
            val w = WAITING_IN.getAndSet(task, CANCELLING) as? ParkWaiter ?: return
            if (!w.withdraw()) w.giveBack()
        }

        /** Waits until [task]'s canceller has interrupted the thread (a few instructions away). */
        private fun awaitInterruptOf(task: BlockingTask<*>) {
            while (task.phase() == TaskImpl.INTERRUPTING) Thread.onSpinWait()
        }
    }
}
