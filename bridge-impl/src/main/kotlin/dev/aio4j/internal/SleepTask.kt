/*
 * asyncio.sleep as a task: one object that is both the task and its timer on the loop's heap.
 * A zero delay completes at the loop's next step, after what is ready now: a yield.
 */
package dev.aio4j.internal


internal class SleepTask(loop: EventLoop, private val delayNanos: Long) : TaskImpl<Void?>(loop, null, RUNNING), TimerEntry {
    override val deadline: Long = deadlineAfter(System.nanoTime(), delayNanos)
    override var seq: Long = 0
    override val isTimerCancelled: Boolean get() = job.isCompleted

    override fun onStart() {
        if (delayNanos == 0L) eventLoop.enqueue(this) else eventLoop.addTimer(this)
    }

    override fun run() {
        tryFinish(Result.success(null))
    }

    override fun onCancelRequested(cause: Throwable) {
        if (tryFinish(Result.failure(cause))) eventLoop.timerCancelled()
    }
}
