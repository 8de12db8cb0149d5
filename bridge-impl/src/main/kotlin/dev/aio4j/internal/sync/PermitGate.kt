/*
 * Permits and their FIFO waiters under one monitor: the structure under AsyncLock (one permit)
 * and AsyncSemaphore. asyncio's rules: waiters are served first come, first served; a try-take
 * never barges past them; a give hands its permit straight to the first waiter still waiting
 * (asyncio wakes that waiter and lets nobody barge meanwhile: handing over directly gives the same
 * order without the window). So a waiter waits only while no permit is free, which is the
 * invariant under the monitor (a waiter withdrawn but not yet unlinked does not count: grants
 * skip it).
 *
 * [take] is the one acquire that every exported acquire calls, with the caller's WaitForm
 * (Waiters.kt); withLockAsync/withPermitAsync and the condition's taking the lock back wait in the
 * same line as waiters of their own ([takeOrEnqueue]).
 */
package dev.aio4j.internal.sync

import dev.aio4j.ExceptionContext
import dev.aio4j.Task
import dev.aio4j.sync.Held
import dev.aio4j.internal.Current
import dev.aio4j.internal.EventLoop
import java.util.concurrent.CompletionStage
import java.util.concurrent.Callable
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock

/**
 * How long the first blocking waiter spins (Thread.onSpinWait between reads of the clock) before it
 * parks. A lock held for a short critical section is often free again by then, and a waiter that is
 * handed it while spinning skips the park and unpark of its (virtual) thread. Bounded in time, not
 * in spins: one onSpinWait took about 20 ns on one machine and 14 ns on another, and a count
 * calibrated on the first (50) spun too briefly on the second, where the blocking lock hand-off
 * (JMH, JDK 25) took 2,330 ns with it, 1,690-1,760 without spinning, 960-1,020 with 2-8 µs of
 * spinning (1,000 ns: 1,720), against 1,510-1,580 for a fair ReentrantLock on virtual threads.
 * 3 µs sits inside the range that measured best there. Only the first waiter spins: the others
 * have at least one more holder to wait for.
 */
private const val FIRST_WAITER_SPIN_NANOS = 3_000L

/**
 * [initial] permits free, at most [bound] (Int.MAX_VALUE: no bound of the caller's); [what] names
 * the blocking acquire, [guardedWhat] the guarded form (withLockAsync/withPermitAsync).
 */
internal class PermitGate(initial: Int, private val bound: Int, what: String, @JvmField val guardedWhat: String) : WaitOp(ReentrantLock(), what) {
    /** Written under [monitor], read without it. */
    @Volatile var available: Int = initial
        private set
    private val waiters = WaiterList()

    override val undoes: Boolean get() = true

    /** A served task that ended cancelled anyway gives its permit back. */
    override fun undo(value: Any?, seq: Int) = giveBack()

    override val firstWaiterSpinNanos: Long get() = FIRST_WAITER_SPIN_NANOS

    fun waiting(): Int = monitor.withLock { waiters.size }

    private fun takeLocked(): Boolean = if (available > 0) true.also { available-- } else false

    /** Takes a permit if one is free. */
    fun tryTake(): Boolean = monitor.withLock { takeLocked() }

    /** Takes a permit if one is free (true), else adds [waiter] to the line; atomically. */
    fun takeOrEnqueue(waiter: Waiter): Boolean = monitor.withLock {
        takeLocked() || false.also { waiters.add(waiter) }
    }

    /** The one acquire: takes a permit, waiting as [form] says (SyncBlocking.enter is the blocking caller's to call). */
    fun take(form: WaitForm, loop: EventLoop?): Any? {
        var waiter: Waiter? = null
        monitor.withLock {
            form.checkLocked(this)
            if (!takeLocked()) waiter = form.waiter(this, null, loop).also { waiters.add(it) }
        }
        val w = waiter ?: return form.now(this, null, loop)
        return form.waitFor(this, w)
    }

    /**
     * Gives a permit back, to the first waiter still waiting or else to the count; false, with
     * nothing changed, if the count is at its bound already (asyncio's BoundedSemaphore checks
     * before it wakes anyone, so a bound of 0 refuses every give).
     */
    fun give(): Boolean {
        val next = monitor.withLock {
            if (available >= bound) return false
            waiters.grantFirst(Unit).also { if (it == null) available++ }
        }
        next?.deliver()
        return true
    }

    /**
     * A permit given back by a waiter that was handed one and ended cancelled anyway. It finds the
     * count at its bound only after a release() that was accepted while this permit was on its way
     * (the count was below the bound because of it): an extra release, the caller's error. The
     * permit is then dropped, which leaves the count at its bound, and the error is reported to
     * the current loop's exception handler (logged without one). Before 2026-12-07 this threw from
     * whatever gave the permit back: Task.cancel(), a gather's or a group's cancellation, a
     * deadline's timer, Loop.close(), which then left the loop open (found from outside).
     */
    fun giveBack() {
        if (give()) return
        val owner = what.substringBefore('.')
        val error = IllegalStateException(
            "$owner released too many times: a permit given back by a cancelled waiter found all $bound permits there, " +
                "so a release() was accepted while that permit was on its way to the waiter; the permit is dropped",
        )
        val loop = Current.loopOrNull()
        if (loop != null) {
            loop.callExceptionHandler(ExceptionContext(error.message!!, error, null))
        } else {
            System.getLogger(PermitGate::class.java.name).log(System.Logger.Level.ERROR, error.message, error)
        }
    }

    /** lock()/acquire(): waits for a permit, parked; the handle gives it back by [release] on its first close(). */
    fun acquireHeld(release: Runnable, held: String): Held {
        SyncBlocking.enter(what)
        take(PARK, null)
        return HeldHandle(release, held)
    }

    /** withLock/withPermit ([method]): waits for a permit, parked, and runs [body] holding it; [release] gives it back. */
    fun <T> withPermit(method: String, body: Callable<out T>, release: () -> Unit): T {
        SyncBlocking.enter(method)
        take(PARK, null)
        return SyncBlocking.guarded(method, body, release)
    }

    /** acquireAsync(): a task done at once if a permit was free, else the waiter's task. */
    @Suppress("UNCHECKED_CAST")
    fun acquireAsync(): Task<Void?> = take(TASK, openCurrentLoop()) as Task<Void?>

    /** The task of withLockAsync/withPermitAsync: [body] runs holding a permit (GuardedTask). */
    fun <T> guardedAsync(body: Callable<out CompletionStage<out T>>): Task<T> {
        val loop = openCurrentLoop()
        val task = GuardedTask(loop, this, body)
        task.start(loop.taskContext)
        if (takeOrEnqueue(task)) task.tookAtOnce()
        return task
    }
}
