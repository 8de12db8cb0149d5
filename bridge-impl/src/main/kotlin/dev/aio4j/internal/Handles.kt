/*
 * The loop's scheduled callbacks: a Handle for callSoon, TimerEntry for everything due at a
 * time (callLater/callAt handles, delay() resumptions, sleep tasks, timeouts). Cancellation is a
 * flag read when the entry comes due, as asyncio cancels; the loop sweeps cancelled timers out of
 * its heap when they pile up.
 */
package dev.aio4j.internal

import dev.aio4j.Handle
import dev.aio4j.TimerHandle
import java.time.Duration

/**
 * A callSoon callback: asyncio's Handle. Runs once, unless cancelled first; what it throws goes
 * to the loop's exception handler.
 */
internal class HandleImpl(
    private val loop: EventLoop,
    private val callback: Runnable,
    /** Accepted by Loop.execute, whose contract is that an accepted command runs, even as the loop closes. */
    @JvmField val accepted: Boolean = false,
) : Handle, Runnable {
    @Volatile private var cancelled = false

    override fun cancel() { cancelled = true }
    override fun isCancelled(): Boolean = cancelled
    override fun run() { if (!cancelled) runCallback(loop, callback) }
    override fun toString(): String = "Handle($callback${if (cancelled) ", cancelled" else ""})"
}

/**
 * Something due at [deadline] on System.nanoTime()'s clock. Entries with the same deadline run
 * in the order they reached the heap ([seq], set by the loop's thread). [run] is called on the
 * loop's thread; it must be short.
 */
internal interface TimerEntry : Runnable {
    val deadline: Long
    var seq: Long
    val isTimerCancelled: Boolean

    /**
     * The entry's state for the heap's count of cancelled timers: [TIMER_CANCELLED] and
     * [TIMER_IN_HEAP] bits, changed by [casTimerState] only (EventLoop.timerCancelled, insertTimer,
     * leftHeap): the count is the number of entries with both bits set.
     */
    val timerState: Int
    fun casTimerState(expect: Int, update: Int): Boolean

    companion object {
        /** Cancelled (set once, by any thread). */
        const val TIMER_CANCELLED = 1
        /** In the loop's heap (set and cleared by the loop's thread). */
        const val TIMER_IN_HEAP = 2
    }
}

/** A [TimerEntry] whose cancellation is its [timerState]'s [TimerEntry.TIMER_CANCELLED] bit. */
internal abstract class HeapTimer : TimerEntry {
    override var seq: Long = 0
    @Volatile @JvmField var state = 0

    override val timerState: Int get() = state
    override fun casTimerState(expect: Int, update: Int): Boolean = STATE.compareAndSet(this, expect, update)
    override val isTimerCancelled: Boolean get() = state and TimerEntry.TIMER_CANCELLED != 0

    private companion object {
        val STATE: java.util.concurrent.atomic.AtomicIntegerFieldUpdater<HeapTimer> =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(HeapTimer::class.java, "state")
    }
}

/** A timer the loop keeps for a callback; cancelling it counts towards the heap's sweep. */
internal abstract class LoopTimer(override val deadline: Long, @JvmField protected val loop: EventLoop) : HeapTimer() {
    /** Cancels the timer from any thread; it is dropped when it comes due. */
    fun cancelTimer() {
        loop.timerCancelled(this)
    }
}

/** A callLater/callAt callback: asyncio's TimerHandle. */
internal class TimerHandleImpl(deadline: Long, loop: EventLoop, @JvmField val callback: Runnable) :
    LoopTimer(deadline, loop), TimerHandle {
    override fun cancel() = cancelTimer()
    override fun isCancelled(): Boolean = isTimerCancelled
    override fun `when`(): Duration = Duration.ofNanos(saturatedDifference(deadline, loop.startNanos))
    override fun run() { if (!isTimerCancelled) runCallback(loop, callback) }
    override fun toString(): String = "TimerHandle(when=${`when`()}${if (isTimerCancelled) ", cancelled" else ""})"
}

/** An internal timer that runs [action] on the loop's thread; [dispose] cancels it. */
internal class ActionTimer(deadline: Long, loop: EventLoop, private val action: Runnable) :
    LoopTimer(deadline, loop), kotlinx.coroutines.DisposableHandle {
    override fun dispose() = cancelTimer()
    override fun run() { if (!isTimerCancelled) action.run() }
}

/** Runs a user callback; what it throws goes to the loop's exception handler, named after it. */
internal fun runCallback(loop: EventLoop, callback: Runnable) {
    try {
        callback.run()
    } catch (e: Throwable) {
        loop.callExceptionHandler(dev.aio4j.ExceptionContext("Exception in callback $callback", e, null))
    }
}

/** Nanoseconds of a duration, saturated instead of overflowing (a deadline a few centuries away). */
internal fun Duration.saturatedNanos(): Long = try { toNanos() } catch (e: ArithmeticException) { if (isNegative) Long.MIN_VALUE else Long.MAX_VALUE }

/** now + delay, saturated at Long.MIN_VALUE and Long.MAX_VALUE instead of overflowing (callAt far in the past or future). */
internal fun deadlineAfter(now: Long, delayNanos: Long): Long {
    val d = now + delayNanos
    // overflow iff both operands have the same sign and the sum's sign differs
    return if ((now xor d) and (delayNanos xor d) < 0) (if (delayNanos > 0) Long.MAX_VALUE else Long.MIN_VALUE) else d
}

/** a - b, saturated: the time between a saturated deadline and now. */
internal fun saturatedDifference(a: Long, b: Long): Long {
    val d = a - b
    return if ((a xor b) and (a xor d) < 0) (if (a >= 0) Long.MAX_VALUE else Long.MIN_VALUE) else d
}
