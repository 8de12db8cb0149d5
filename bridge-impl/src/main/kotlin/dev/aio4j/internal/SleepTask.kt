/*
 * asyncio.sleep as a task: one object that is both the task and its timer on the loop's heap.
 * A zero delay is due at once: it completes at the loop's next step, after the callbacks ready
 * now and after the timers due before it (so an expired deadline has fired when it completes): a
 * yield, and with it a cancellation point.
 */
package dev.aio4j.internal


internal class SleepTask(loop: EventLoop, private val delayNanos: Long) : TaskImpl<Void?>(loop, null, RUNNING), TimerEntry {
    override val deadline: Long = deadlineAfter(System.nanoTime(), delayNanos)
    override var seq: Long = 0
    override val isTimerCancelled: Boolean get() = isDone

    override val completesInTryFinish: Boolean get() = true

    override fun onStart() {
        eventLoop.addTimer(this)
    }

    override fun run() {
        tryFinish(Result.success(null))
    }

    override fun onCancelRequested(cause: Throwable) {
        if (tryFinish(Result.failure(cause))) eventLoop.timerCancelled()
    }
}
