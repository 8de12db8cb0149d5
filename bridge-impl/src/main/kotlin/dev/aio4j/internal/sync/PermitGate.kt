/*
 * Permits and their FIFO waiters under one monitor: the structure under AsyncLock (one permit)
 * and AsyncSemaphore. asyncio's rules: waiters are served first come, first served; a try-take
 * never barges past them; a give hands its permit straight to the first waiter still waiting
 * (asyncio wakes that waiter and lets nobody barge meanwhile: handing over directly gives the same
 * order without the window). So a waiter waits only while no permit is free, which is the
 * invariant under the monitor.
 *
 * Each caller waits as what it already is (Waiters.kt): a task of takeAsync or guardedAsync is the
 * waiter itself (no coroutine), a blocking caller its parked thread (no runBlocking), the suspend
 * form (lincheck, AsyncCondition) a continuation.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.internal.EventLoop
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletionStage
import java.util.function.Supplier
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume

/**
 * How long the first blocking waiter spins before it parks (Thread.onSpinWait each, about 1 µs in
 * all). A lock held for a short critical section is often free again by then, and a waiter that is
 * handed it while spinning skips the park and unpark of its (virtual) thread: the blocking lock
 * hand-off measured 660-1,050 ns without, 290-300 ns with 30, 100 or 300 spins. Only the first
 * waiter spins: the others have at least one more holder to wait for.
 */
private const val FIRST_WAITER_SPINS = 50

/** [initial] permits free, at most [bound] (Int.MAX_VALUE: no bound of the caller's). */
internal class PermitGate(initial: Int, private val bound: Int) {
    /** Guards [available] (written under it, read without it) and [waiters]. */
    @JvmField val monitor = Any()
    @Volatile var available: Int = initial
        private set
    private val waiters = WaiterList()

    fun waiting(): Int = synchronized(monitor) { waiters.size }

    /** Takes a permit if one is free. */
    fun tryTake(): Boolean = synchronized(monitor) {
        if (available > 0) true.also { available-- } else false
    }

    /** Takes a permit if one is free (true), else adds [waiter] to the waiters; atomically. */
    private fun takeOrEnqueue(waiter: Waiter): Boolean = synchronized(monitor) {
        if (available > 0) {
            available--
            true
        } else {
            waiters.add(waiter)
            false
        }
    }

    /**
     * Gives a permit back, to the first waiter still waiting or else to the count; false, with
     * nothing changed, if the count is at its bound already (asyncio's BoundedSemaphore checks
     * before it wakes anyone, so a bound of 0 refuses every give).
     */
    fun give(): Boolean {
        val next = synchronized(monitor) {
            if (available >= bound) return false
            var w: Waiter?
            do {
                w = waiters.poll()
            } while (w != null && !w.tryGrant(Unit))
            if (w == null) available++
            w
        }
        next?.deliver()
        return true
    }

    /** A permit given back by a waiter that was handed one and ended cancelled anyway: cannot exceed the bound. */
    fun giveBack() {
        check(give()) { "a permit given back above the bound" }
    }

    /** Takes a permit, parking the calling thread (the blocking rules of SyncBlocking). */
    fun takeBlocking(what: String) {
        SyncBlocking.enter(what)
        if (tryTake()) return
        val waiter = ParkWaiter(null)
        val first = synchronized(monitor) {
            if (available > 0) {
                available--
                return
            }
            waiters.add(waiter)
            waiters.size == 1
        }
        waiter.await(monitor, what, if (first) FIRST_WAITER_SPINS else 0)
    }

    /**
     * The suspend form. Cancellable while it waits; a permit handed to it as it was being
     * cancelled is given back (kotlinx's prompt cancellation: the coroutine resumes with the
     * cancellation, not with the permit).
     */
    suspend fun takeSuspending() {
        if (tryTake()) return
        val waiter = ContWaiter(null)
        try {
            suspendCancellableCoroutine<Any?> { cont ->
                waiter.cont = cont
                if (takeOrEnqueue(waiter)) {
                    waiter.served(Unit)
                    cont.resume(Unit)
                } else {
                    cont.invokeOnCancellation { waiter.unlink(monitor) }
                }
            }
        } catch (e: CancellationException) {
            if (waiter.granted) giveBack()
            throw e
        }
    }

    /** The task of acquireAsync: done at once if a permit is free, else a task that waits as itself. */
    fun takeAsync(loop: EventLoop): Task<Void?> {
        if (tryTake()) return loop.doneVoid
        val task = AcquireTask(loop, this)
        if (takeOrEnqueue(task)) task.tookAtOnce()
        return task
    }

    /** The task of withLockAsync/withPermitAsync: [body] runs holding a permit (GuardedTask). */
    fun <T> guardedAsync(loop: EventLoop, what: String, body: Supplier<out CompletionStage<out T>>): Task<T> {
        val task = GuardedTask(loop, this, what, body)
        if (tryTake() || takeOrEnqueue(task)) task.tookAtOnce()
        return task
    }
}

/** The task of acquireAsync when no permit is free: it waits as itself; one that ends cancelled once handed a permit gives it back. */
internal class AcquireTask(loop: EventLoop, private val gate: PermitGate) : WaiterTask<Void?>(loop, gate.monitor, undoesOnCancel = true) {

    /**
     * A permit was free after all when the task was made: it is served at once, unless a
     * cancellation reached it in between (its loop closing), which gets the permit back.
     */
    fun tookAtOnce() {
        if (tryGrant(Unit)) tryFinish(Result.success(null)) else gate.giveBack()
    }

    override fun outcome(value: Any?, failure: Throwable?): Result<Void?> = Result.success(null)

    override fun undo(value: Any?) = gate.giveBack()

    override fun toString(): String = super.toString()
}
