/*
 * asyncio.gather: completes with every child's result in argument order, or with the first
 * failure at once (the others run on; their later failures count as retrieved). A child
 * cancelled from elsewhere fails the gather with that CancellationException. Cancelling the
 * gather cancels every child, and the gather completes (cancelled) when all are done.
 * With [outcomes] (return_exceptions=True) it never fails: it collects Outcome values.
 *
 * The gather is its children's completion handler: one object, a counter, no per-child state.
 */
package dev.aio4j.internal

import java.util.Collections
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater

internal class GatherTask<R>(
    loop: EventLoop,
    private val children: Array<TaskImpl<*>>,
    private val outcomes: Boolean,
) : TaskImpl<List<R>>(loop, null, RUNNING), (Throwable?) -> Unit {
    @Volatile private var remaining = children.size

    override fun onStart() {
        if (children.isEmpty()) tryFinish(Result.success(emptyList()))
        for (child in children) {
            child.markRetrieved()
            child.job.invokeOnCompletion(this)
        }
    }

    override fun invoke(cause: Throwable?) {
        if (cause != null && !outcomes && !job.isCancelled) tryFinish(Result.failure(cause))
        if (REMAINING.decrementAndGet(this) == 0 && status and FINISHING == 0) tryFinish(Result.success(results()))
    }

    @Suppress("UNCHECKED_CAST")
    private fun results(): List<R> {
        val list = ArrayList<Any?>(children.size)
        for (child in children) list.add(if (outcomes) child.outcomeNow() else if (child.exceptionOrNull() == null) child.valueNow() else null)
        return Collections.unmodifiableList(list) as List<R>
    }

    override fun onCancelRequested(cause: Throwable) {
        for (child in children) child.cancel()
    }

    private companion object {
        val REMAINING: AtomicIntegerFieldUpdater<GatherTask<*>> = AtomicIntegerFieldUpdater.newUpdater(GatherTask::class.java, "remaining")
    }
}
