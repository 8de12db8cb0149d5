/*
 * The one wait structure under all five primitives, in the spirit of Trio's ParkingLot and the
 * JDK's AbstractQueuedSynchronizer: each primitive keeps FIFO lines of waiters ([WaiterList])
 * under its own short lock ([WaitOp.monitor]), and each of its operations is written once, taking
 * the caller's [WaitForm] as a parameter: under the monitor the operation either takes effect at once
 * ([WaitForm.now]) or puts a waiter of that form in a line ([WaitForm.waiter]) and waits
 * ([WaitForm.waitFor]). The forms:
 *
 *   PARK   a blocking caller: its thread parks on a ParkWaiter (ParkWaiter.kt); PARK_UNINTERRUPTIBLY
 *          the same, for the condition's waiter taking its lock back
 *   TASK   a non-blocking caller: it gets a task that is itself the waiter (WaiterTask.kt)
 *
 * A waiter is served under its owner's monitor by [Waiter.tryGrant], the single atomic decision
 * between being served and being cancelled, and completed by [Waiter.deliver] once the monitor is
 * released, so that no task completion and no user code runs under it. A cancellation withdraws
 * the waiter before Task.cancel() returns (for a blocking caller through its task, see
 * ParkWaiter.withdrawWaitOf): nothing granted afterwards goes to it. What an operation hands over
 * and how the waiting caller sees it is the primitive's [WaitOp].
 *
 * The lock, the semaphore, the queue and the event wait only through WaitForm; the condition's
 * waits and the guarded bodies of withLockAsync/withPermitAsync have waiters of their own
 * (ConditionImpl.kt, Guarded.kt) in the same lines.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.Current
import dev.aio4j.internal.DoneTask
import dev.aio4j.internal.EventLoop
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock

internal interface Waiter {
    /** A queue putter's item; null for every other waiter. */
    val putItem: Any? get() = null

    /**
     * For a queue's getter served at a put: the number of that grant in the queue's order of
     * grants, which the item keeps if it is given back (QueueStore.giveBack); kept by the waiters
     * that can be a getter's (ParkWaiter, WaiterTask), ignored by the others.
     */
    var grantSeq: Int
        get() = 0
        set(@Suppress("UNUSED_PARAMETER") seq) {}

    /** The links of the [WaiterList] this waiter is in (or null), written under its owner's monitor only. */
    var list: WaiterList?
    var prev: Waiter?
    var next: Waiter?

    /** Under its owner's monitor: serves this waiter with [value]; false if it has been withdrawn. */
    fun tryGrant(value: Any?): Boolean

    /** Under its owner's monitor, after a successful [tryGrant]: the operation failed after all (a comparator threw). */
    fun fail(exception: Throwable)

    /** Outside the monitor, after a successful [tryGrant]: completes the wait. */
    fun deliver()
}

/**
 * A FIFO of waiters linked through the waiters themselves: add, poll and the removal of a
 * withdrawn waiter in constant time, without allocating. Guarded by its owner's monitor.
 */
internal class WaiterList {
    private var head: Waiter? = null
    private var tail: Waiter? = null
    var size: Int = 0
        private set

    fun isEmpty(): Boolean = head == null

    fun add(w: Waiter) {
        w.list = this
        w.prev = tail
        w.next = null
        val t = tail
        if (t == null) head = w else t.next = w
        tail = w
        size++
    }

    /** Removes [w] if it is in this list. */
    fun remove(w: Waiter) {
        if (w.list !== this) return
        val p = w.prev
        val n = w.next
        if (p == null) head = n else p.next = n
        if (n == null) tail = p else n.prev = p
        w.list = null
        w.prev = null
        w.next = null
        size--
    }

    /** Serves the first waiter still waiting with [value]: takes it out of the list and returns it, or null. */
    fun grantFirst(value: Any?): Waiter? {
        while (true) {
            val w = head ?: return null
            remove(w)
            if (w.tryGrant(value)) return w
        }
    }

    /**
     * Serves up to [n] (at least 1) waiters still waiting with [value]; returns what [deliverAll] takes once the
     * monitor is released: null, the one waiter served, or a list of them (no list for one).
     */
    fun grantUpTo(n: Int, value: Any?): Any? {
        val first = grantFirst(value) ?: return null
        if (n == 1) return first
        val second = grantFirst(value) ?: return first
        val served = arrayListOf(first, second)
        while (served.size < n) served.add(grantFirst(value) ?: break)
        return served
    }
}

/** Outside the monitor: completes the waits that [WaiterList.grantUpTo] served. */
internal fun deliverAll(served: Any?) = forEachServed(served) { it.deliver() }

/** Outside the monitor: [action] on each waiter that [WaiterList.grantUpTo] served, in the order served. */
internal inline fun forEachServed(served: Any?, action: (Waiter) -> Unit) {
    when (served) {
        is Waiter -> action(served)
        is ArrayList<*> -> served.forEach { action(it as Waiter) }
    }
}

/** Removes [this] from the list it waits in, if any; [monitor] guards the list. */
internal fun Waiter.unlink(monitor: ReentrantLock) {
    monitor.withLock { list?.remove(this) }
}

/**
 * An operation of a primitive as its waiters see it: the [monitor] that guards its lines, the
 * name of the blocking method ([what], for messages), what a waiter served with a value gets
 * ([outcome]), and what a served task that ended cancelled anyway gives back ([undo], when
 * [undoes]: a permit, a queue item).
 *
 * The monitor is a ReentrantLock rather than an object's own monitor (synchronized): a
 * virtual-thread producer and consumer contending for a queue's monitor on JDK 25 took 365-390 ns
 * per item against 158-169 for an ArrayBlockingQueue, and 171-173 with this lock (QueueBench,
 * 2026-12-06); uncontended, on one loop's thread, the two cost the same.
 */
internal abstract class WaitOp(@JvmField val monitor: ReentrantLock, @JvmField val what: String) {
    open fun outcome(value: Any?): Result<Any?> = Result.success(null)
    open val undoes: Boolean get() = false
    /** Gives back [value], served to a waiter whose [Waiter.grantSeq] was [seq]. */
    open fun undo(value: Any?, seq: Int) {}

    /** How long, in nanoseconds, the first blocking waiter of a line spins before it parks (see PermitGate). */
    open val firstWaiterSpinNanos: Long get() = 0
}

/** How a caller waits; see the file comment. [loop] is the loop of a TASK caller, null for PARK. */
internal interface WaitForm {
    /**
     * Under [op]'s monitor, before the operation takes effect at once or waits: a blocking caller
     * whose thread has an interrupt pending (its task's cancel() may have returned already, and
     * what was put or released since must not go to it) throws the cancellation instead.
     */
    fun checkLocked(op: WaitOp) {}

    /** Under [op]'s monitor: a new waiter of this form, to be put in a line. */
    fun waiter(op: WaitOp, putItem: Any?, loop: EventLoop?): Waiter

    /** The operation took effect at once, with [value]: what the caller gets. */
    fun now(op: WaitOp, value: Any?, loop: EventLoop?): Any?

    /** Outside the monitor, after [waiter] was put in a line: waits (PARK) or returns the task (TASK). */
    fun waitFor(op: WaitOp, waiter: Waiter): Any?
}

/**
 * A blocking caller (see SyncBlocking.enter for the checks made before): [PARK], or
 * [PARK_UNINTERRUPTIBLY] for the condition's waiter taking its lock back, which an interrupt or a
 * cancellation does not withdraw (ParkWaiter).
 */
internal class ParkForm(private val interruptible: Boolean) : WaitForm {
    override fun checkLocked(op: WaitOp) {
        if (interruptible && Thread.currentThread().isInterrupted) {
            Thread.interrupted()
            throw Current.cancellationForInterrupt(op.what)
        }
    }

    override fun waiter(op: WaitOp, putItem: Any?, loop: EventLoop?): Waiter = ParkWaiter(op.monitor, op.what, putItem, interruptible, undo = op.takeIf { interruptible && it.undoes })

    override fun now(op: WaitOp, value: Any?, loop: EventLoop?): Any? = op.outcome(value).getOrThrow()

    override fun waitFor(op: WaitOp, waiter: Waiter): Any? {
        val w = waiter as ParkWaiter
        return op.outcome(w.await(if (w.prev == null) op.firstWaiterSpinNanos else 0)).getOrThrow()
    }
}

@JvmField internal val PARK = ParkForm(interruptible = true)
@JvmField internal val PARK_UNINTERRUPTIBLY = ParkForm(interruptible = false)

/** A non-blocking caller: a task born done if the operation took effect at once, else a [WaiterTask]. */
internal object TASK : WaitForm {
    /**
     * Made and started under [op]'s monitor, before it is put in a line: it is in the job tree (a
     * cancelled parent withdraws it at once) before anything can be granted to it, and a closed
     * loop refuses it before it is in a line.
     */
    override fun waiter(op: WaitOp, putItem: Any?, loop: EventLoop?): Waiter =
        WaiterTask<Any?>(loop!!, op, putItem).also { it.start(loop.taskContext) }

    override fun now(op: WaitOp, value: Any?, loop: EventLoop?): Any? {
        val outcome = op.outcome(value)
        return if (outcome.isSuccess && outcome.getOrNull() == null) loop!!.doneVoid else DoneTask.served(loop!!, outcome)
    }

    override fun waitFor(op: WaitOp, waiter: Waiter): Any? = waiter
}

/** The current loop, open: where the tasks of the ...Async methods belong. */
internal fun openCurrentLoop(): EventLoop {
    val loop = Current.loop()
    loop.checkOpen()
    return loop
}
