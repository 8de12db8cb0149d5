/*
 * asyncio.wait: completes with the done/pending split once returnWhen is met or the timeout
 * passes. The split is taken in a loop step after the condition was met, as asyncio's waiter
 * wakes at the next step: every task that completed in the same step is in done. It never cancels, never fails because of, and never retrieves the tasks it watches;
 * cancelling it cancels only the wait. When it completes it removes its handlers from the tasks
 * still running, so a long-lived task does not keep finished waits alive.
 */
package dev.aio4j.internal

import dev.aio4j.Done
import dev.aio4j.ReturnWhen
import dev.aio4j.Task
import java.util.concurrent.CancellationException
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import kotlinx.coroutines.DisposableHandle

internal class WaitTask<T>(
    loop: EventLoop,
    private val tasks: List<TaskImpl<T>>,
    private val returnWhen: ReturnWhen,
    private val timeoutNanos: Long?,
) : TaskImpl<Done<T>>(loop, null, RUNNING), (Throwable?) -> Unit, Runnable {
    @Volatile private var remaining = 0
    @Volatile private var scheduled = 0
    private val handles = arrayOfNulls<DisposableHandle>(tasks.size)
    private var timer: ActionTimer? = null

    init {
        REMAINING.lazySet(this, tasks.size) // a release store: see TaskImpl's init
    }

    override fun onStart() {
        for (i in tasks.indices) handles[i] = tasks[i].onDone(this)
        if (timeoutNanos != null && !isDone) timer = eventLoop.timerAfter(timeoutNanos) { finish() }
        if (isDone) cleanUp()
    }

    override fun invoke(cause: Throwable?) {
        val left = REMAINING.decrementAndGet(this)
        val met = when (returnWhen) {
            ReturnWhen.FIRST_COMPLETED -> true
            ReturnWhen.FIRST_EXCEPTION -> left == 0 || (cause != null && cause !is CancellationException)
            ReturnWhen.ALL_COMPLETED -> left == 0
        }
        if (met && SCHEDULED.compareAndSet(this, 0, 1)) eventLoop.enqueue(this)
    }

    /** The step after the condition was met. */
    override fun run() = finish()

    private fun finish() {
        val done = LinkedHashSet<Task<T>>()
        val pending = LinkedHashSet<Task<T>>()
        for (t in tasks) if (t.isDone) done.add(t) else pending.add(t)
        if (tryFinish(Result.success(Done(done, pending)))) cleanUp()
    }

    override fun onCancelRequested(cause: Throwable) {
        if (tryFinish(Result.failure(cause))) cleanUp()
    }

    override val completesInTryFinish: Boolean get() = true

    private fun cleanUp() {
        timer?.dispose()
        for (h in handles) h?.dispose()
    }

    private companion object {
        val REMAINING: AtomicIntegerFieldUpdater<WaitTask<*>> = AtomicIntegerFieldUpdater.newUpdater(WaitTask::class.java, "remaining")
        val SCHEDULED: AtomicIntegerFieldUpdater<WaitTask<*>> = AtomicIntegerFieldUpdater.newUpdater(WaitTask::class.java, "scheduled")
    }
}
