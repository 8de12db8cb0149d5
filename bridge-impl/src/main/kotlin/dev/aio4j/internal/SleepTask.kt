/*
 * asyncio.sleep as a task: one object that is both the task and its timer on the loop's heap.
 * A zero delay completes at the loop's next step, after what is ready now: a yield.
 */
package dev.aio4j.internal

import kotlinx.coroutines.Job
import kotlin.coroutines.CoroutineContext

internal class SleepTask(loop: EventLoop, context: CoroutineContext, delayNanos: Long) :
    TaskImpl<Void?>(loop, context, null, RUNNING, runsCoroutine = false), TimerEntry {
    override val deadline: Long = deadlineAfter(System.nanoTime(), delayNanos)
    override var seq: Long = 0
    override val isTimerCancelled: Boolean get() = job.isCompleted

    init {
        job.attach(context[Job])
        if (delayNanos == 0L) loop.enqueue(this) else loop.addTimer(this)
    }

    override fun run() {
        tryFinish(Result.success(null))
    }

    override fun onCancelRequested(cause: Throwable) {
        if (tryFinish(Result.failure(cause))) eventLoop.timerCancelled()
    }
}
