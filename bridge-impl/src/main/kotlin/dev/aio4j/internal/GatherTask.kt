/*
 * asyncio.gather: completes with every child's result in argument order, or with the first
 * failure at once (the others run on; their later failures count as retrieved). A child
 * cancelled from elsewhere fails the gather with that CancellationException. Cancelling the
 * gather cancels every child, and the gather completes when all are done: with the first failure
 * a child ended with meanwhile (a cancelled awaiter gets the failure of what it awaited), else
 * cancelled.
 * With [outcomes] (return_exceptions=True) it never fails: it collects Outcome values.
 *
 * The gather is its children's completion handler: one object, a counter, no per-child state.
 */
package dev.aio4j.internal

import java.util.Collections
import java.util.concurrent.CancellationException
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater

internal class GatherTask<R>(
    loop: EventLoop,
    private val children: Array<TaskImpl<*>>,
    private val outcomes: Boolean,
) : TaskImpl<List<R>>(loop, null, RUNNING), (Throwable?) -> Unit {
    @Volatile private var remaining = children.size
    @Volatile private var failure: Throwable? = null

    override fun onStart() {
        if (children.isEmpty()) tryFinish(Result.success(emptyList()))
        for (child in children) {
            child.markRetrieved()
            child.whenDone(this)
        }
    }

    override fun invoke(cause: Throwable?) {
        if (cause != null && !outcomes) {
            if (!isCancelling()) {
                tryFinish(Result.failure(cause))
            } else if (cause !is CancellationException) {
                FAILURE.compareAndSet(this, null, cause) // cancelled: the first failure still answers it
            }
        }
        if (REMAINING.decrementAndGet(this) == 0 && status and FINISHING == 0) {
            tryFinish(failure?.let { Result.failure(it) } ?: Result.success(results()))
        }
    }

    @Suppress("UNCHECKED_CAST")
    private fun results(): List<R> {
        val list = ArrayList<Any?>(children.size)
        // without outcomes, a child that did not succeed has no value (null): the gather ends with a
        // failure or cancelled then, and the list is never seen; each child's completion came before
        // the last decrement of [remaining], so its value is visible here
        for (child in children) list.add(if (outcomes) child.outcomeNow() else child.valueNow())
        return Collections.unmodifiableList(list) as List<R>
    }

    override fun onCancelRequested(cause: Throwable) {
        for (child in children) child.cancel()
    }

    override val completesInTryFinish: Boolean get() = true

    private companion object {
        val REMAINING: AtomicIntegerFieldUpdater<GatherTask<*>> = AtomicIntegerFieldUpdater.newUpdater(GatherTask::class.java, "remaining")
        val FAILURE: AtomicReferenceFieldUpdater<GatherTask<*>, Throwable> =
            AtomicReferenceFieldUpdater.newUpdater(GatherTask::class.java, Throwable::class.java, "failure")
    }
}
