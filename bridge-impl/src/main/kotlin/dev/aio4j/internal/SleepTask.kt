/*
 * asyncio.sleep as a task: one object that is both the task and its timer on the loop's heap.
 * A zero delay is due at once: it completes at the loop's next step, after the callbacks ready
 * now and after the timers due by then (so an expired deadline has fired when it completes): a
 * yield, and with it a cancellation point. Made on the loop's thread, a zero delay skips the heap
 * and the clock (EventLoop.addDueNow): the cost of a yield is this object and one step.
 */
package dev.aio4j.internal


internal class SleepTask(loop: EventLoop, delayNanos: Long) : TaskImpl<Void?>(loop, null, RUNNING), TimerEntry {
    /**
     * Set by [onStart]: the deadline, before the timer goes on the heap; [NOT_ON_HEAP] for a zero
     * delay kept beside it. Until then (the factory has not published the task: nothing reads it)
     * it holds the delay, which saves a field of its own: 8 bytes per sleep, a yield's whole cost
     * being this object.
     */
    override var deadline: Long = delayNanos
        private set
    override var seq: Long = 0
    override val isTimerCancelled: Boolean get() = isDone
    /** The heap's accounting (TimerEntry.timerState): its cancelled bit is set by a cancellation that completed the task. */
    @Volatile @JvmField var heapState = 0
    override val timerState: Int get() = heapState
    override fun casTimerState(expect: Int, update: Int): Boolean = HEAP_STATE.compareAndSet(this, expect, update)

    override val completesInTryFinish: Boolean get() = true

    override fun onStart() {
        val delayNanos = deadline
        if (delayNanos == 0L) {
            deadline = NOT_ON_HEAP
            if (eventLoop.addDueNow(this)) return
        }
        deadline = deadlineAfter(System.nanoTime(), delayNanos) // not NOT_ON_HEAP: at least now
        eventLoop.addTimer(this)
    }

    override fun run() {
        tryFinish(Result.success(null))
    }

    override fun onCancelRequested(cause: Throwable) {
        if (tryFinish(Result.failure(cause))) eventLoop.timerCancelled(this) // counted if in the heap
    }

    private companion object {
        const val NOT_ON_HEAP = Long.MIN_VALUE
        val HEAP_STATE: java.util.concurrent.atomic.AtomicIntegerFieldUpdater<SleepTask> =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(SleepTask::class.java, "heapState")
    }
}
