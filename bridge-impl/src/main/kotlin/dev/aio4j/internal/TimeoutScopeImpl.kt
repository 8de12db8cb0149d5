/*
 * asyncio.Timeout: the deadline of a timeout scope, which its body may read and move (deadline(),
 * reschedule(), expired()). The blocking Async.timeout and the task of timeoutAsync / waitFor keep
 * their deadline in one: a timer on the loop that, when it comes due, runs [onExpire] once (on the
 * loop's thread): interrupt the body through its CancelScope, or cancel the followed task.
 *
 * A reschedule replaces the timer (the old one is disposed, and a generation number makes a timer
 * that was already running when it was replaced do nothing). The state is guarded by the object's
 * monitor: every method is short and calls no user code under it.
 *
 *   ACTIVE ──deadline passes──▶ EXPIRED (onExpire ran; reschedule refused)
 *     └──────close()───────────▶ CLOSED (timer disposed; reschedule refused; expired() kept)
 */
package dev.aio4j.internal

import dev.aio4j.TimeoutScope
import java.time.Duration

internal class TimeoutScopeImpl(private val loop: EventLoop, private val onExpire: () -> Unit) : TimeoutScope {
    private var timer: ActionTimer? = null
    private var at = 0L // System.nanoTime() of the deadline, while [hasDeadline]
    private var hasDeadline = false
    private var generation = 0
    @Volatile private var expired = false
    private var closed = false
    /** System.nanoTime() when the scope began ([start]). */
    private var startedAt = 0L
    /** Whether the deadline was moved since [start]. */
    private var rescheduled = false
    /**
     * Whether the deadline has a timer: false between [start] with `armed = false` and [arm], while
     * the deadline is only recorded (a reschedule meanwhile moves it without a timer).
     */
    private var armed = true

    /**
     * Sets the first deadline, [delayNanos] from now. With [armed] false, no timer acts on it until
     * [arm]: timeoutScopeAsync arms it once its body has been called, as asyncio's timeout() acts
     * on its deadline in a callback of the loop, which cannot run before the body's first await.
     */
    fun start(delayNanos: Long, armed: Boolean = true) {
        synchronized(this) {
            this.armed = armed
            startedAt = System.nanoTime()
            schedule(deadlineAfter(startedAt, delayNanos))
        }
    }

    /** Gives the deadline recorded since [start] (`armed = false`) its timer; once only, and not after the scope ended. */
    fun arm() {
        synchronized(this) {
            if (armed) return
            armed = true
            if (hasDeadline && !closed && !expired) schedule(at)
        }
    }

    /**
     * The length of the deadline that passed, for the AsyncTimeoutException: [first], the length
     * the scope began with, unless the deadline was moved; then from the scope's start to the
     * deadline that passed (a scope of an hour rescheduled to pass at once reported an hour).
     */
    fun lengthOfDeadline(first: Duration): Duration = synchronized(this) {
        if (!rescheduled) first else Duration.ofNanos(saturatedDifference(at, startedAt).coerceAtLeast(0))
    }

    /** The scope has ended: no deadline after this, and no reschedule. */
    fun close() {
        synchronized(this) {
            closed = true
            generation++
            timer?.dispose()
            timer = null
        }
    }

    override fun deadline(): Duration? = synchronized(this) {
        if (hasDeadline) Duration.ofNanos(at - loop.startNanos) else null
    }

    override fun reschedule(deadline: Duration?) {
        synchronized(this) {
            check(!expired) { "the timeout has expired: its deadline can no longer be moved" }
            check(!closed) { "the timeout scope has ended" }
            rescheduled = true
            if (deadline == null) {
                generation++
                timer?.dispose()
                timer = null
                hasDeadline = false
            } else {
                // a deadline in the past comes due at the loop's next step; saturated both ways
                val now = System.nanoTime()
                val wanted = deadlineAfter(loop.startNanos, deadline.saturatedNanos())
                schedule(if (deadline.isNegative || wanted - now < 0) now else wanted)
            }
        }
    }

    override fun expired(): Boolean = expired

    /** Under the monitor. */
    private fun schedule(deadline: Long) {
        timer?.dispose()
        timer = null
        val mine = ++generation
        at = deadline
        hasDeadline = true
        if (!armed) return
        val t = ActionTimer(deadline, loop, Runnable { expire(mine) })
        timer = t
        loop.addTimer(t)
    }

    /** Expires the scope now, on the calling thread (asyncio's wait_for(fut, 0) on a task not done). */
    fun expireNow() = expire(synchronized(this) { generation })

    private fun expire(gen: Int) {
        synchronized(this) {
            if (gen != generation || closed || expired) return
            expired = true
            timer = null
        }
        onExpire()
    }

    override fun toString(): String = "TimeoutScope(deadline=${deadline()}, expired=$expired)"
}
