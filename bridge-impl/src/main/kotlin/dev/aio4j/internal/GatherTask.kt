/*
 * asyncio.gather: completes with every child's result in argument order, or with the first
 * failure at once (the others run on; their later failures count as retrieved). A child
 * cancelled from elsewhere fails the gather with that CancellationException. Cancelling the
 * gather cancels every child, and the gather completes when all are done: with the first failure
 * a child ended with meanwhile (a cancelled awaiter gets the failure of what it awaited), else
 * cancelled.
 * With [outcomes] (return_exceptions=True) it never fails: it collects Outcome values.
 *
 * The gather is its children's completion handler: one object, a counter and the array that
 * becomes the result list, no per-child object. A child already done when the gather starts is
 * taken in the pass that registers with the others: its value goes into the array at once, and it
 * counts down with the pass's own single decrement, so that a gather of many finished tasks costs
 * no atomic update per task. A child that had succeeded when Async.gather checked its loop was taken
 * in that pass already ([resultIfSucceeded]): the gather's own pass does not read it again, so
 * that a gather of finished tasks reads each task once (a large gather's tasks are out of the
 * cache: a second read of each was a tenth of a blocking-style spawn + gather, JFR, 2026-12-07).
 */
package dev.aio4j.internal

import java.util.Collections
import java.util.concurrent.CancellationException
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater

internal class GatherTask<R>(
    loop: EventLoop,
    private val children: Array<TaskImpl<*>>,
    /**
     * The results in argument order: [PENDING] until read, or a child's result (or outcome) taken
     * before the gather started ([resultIfSucceeded]), or by [onStart] for a child done then (written
     * before its decrement, read after the last one); the others stay [PENDING] until [results]
     * reads them. It becomes the result list.
     */
    private val values: Array<Any?>,
    private val outcomes: Boolean,
) : TaskImpl<List<R>>(loop, null, RUNNING), (Throwable?) -> Unit {
    /** The children not done yet, plus one that [onStart] holds until it has registered with them all. */
    @Volatile private var remaining = 0
    @Volatile private var failure: Throwable? = null

    init {
        REMAINING.lazySet(this, children.size + 1) // a release store: see TaskImpl's init
    }

    override fun onStart() {
        var done = 0
        for (i in children.indices) {
            if (values[i] !== PENDING) { // succeeded before the gather started: taken, nothing to mark retrieved
                done++
                continue
            }
            val child = children[i]
            child.markRetrieved()
            if (child.isDone) {
                val e = child.exceptionOrNull()
                values[i] = if (outcomes) child.outcomeNow() else if (e == null) child.valueNow() else null
                if (e != null) childEnded(e)
                done++
            } else {
                child.whenDone(this)
            }
        }
        countDown(done + 1)
    }

    /**
     * Where [takeResultOf] looks first: the next child in argument order whose result is not taken
     * yet, as far as the threads completing children have seen. A hint, read and written without
     * synchronization by those threads: a lost or stale update only leaves a result to [results].
     */
    private var cursor = 0

    /**
     * Called by TaskImpl on a child registered with, on its completing thread, just before
     * [invoke], while the child is in the cache: takes its result (its outcome, with [outcomes]) into
     * [values] if it is the child at [cursor]. Children mostly complete in the order they were
     * created, so [results] then reads few of them: by the time the last one completes, the first of
     * a large gather are out of the cache (their second read was 6 % of a non-blocking spawn +
     * gather in a JFR profile, 2026-12-07). A slot is written only by the completion of its own
     * child, before that child's decrement of [remaining], so [results] sees it.
     */
    fun takeResultOf(child: TaskImpl<*>, cause: Throwable?) {
        var i = cursor
        while (i < values.size && values[i] !== PENDING) i++ // taken already (done when the gather started, or here)
        if (i < children.size && children[i] === child) {
            if (cause == null || outcomes) values[i] = if (outcomes) child.outcomeNow() else child.valueNow()
            i++
        }
        cursor = i
    }

    /** A child registered with ended ([cause]: its exception, null for a result). */
    override fun invoke(cause: Throwable?) {
        if (cause != null) childEnded(cause)
        countDown(1)
    }

    private fun childEnded(cause: Throwable) {
        if (outcomes) return
        if (!isCancelling()) {
            finish(Result.failure(cause))
        } else if (cause !is CancellationException) {
            FAILURE.compareAndSet(this, null, cause) // cancelled: the first failure still answers it
        }
    }

    private fun countDown(ended: Int) {
        if (REMAINING.addAndGet(this, -ended) == 0 && status and FINISHING == 0) {
            finish(failure?.let { Result.failure(it) } ?: Result.success(results()))
        }
    }

    /**
     * Completes the gather, through the trampoline: a gather may be a link of a chain (a gather of
     * a gather of ... a task), completed from its child's completion (see Trampoline). Once per
     * gather, not per child: its children's completions only count down.
     */
    private fun finish(result: Result<List<R>>) {
        Trampoline.of(eventLoop).run { tryFinish(result) }
    }

    @Suppress("UNCHECKED_CAST")
    private fun results(): List<R> {
        // without outcomes, a child that did not succeed has no value (null): the gather ends with a
        // failure or cancelled then, and the list is never seen; each child's completion came before
        // the last decrement of [remaining], so its value is visible here
        for (i in values.indices) {
            if (values[i] === PENDING) values[i] = children[i].let { if (outcomes) it.outcomeNow() else it.valueNow() }
        }
        return Collections.unmodifiableList(values.asList()) as List<R>
    }

    override fun onCancelRequested(cause: Throwable) {
        val message = passedOnMessage(cause)
        // The children whose body has not started first: a to_thread child queued behind a full
        // pool would otherwise start its body on a thread that the interrupt of a sibling
        // cancelled before it had just freed (6 of 30 rounds, found from outside on 2026-12-06)
        val first = BooleanArray(children.size) { children[it].bodyNotStarted() }
        for (i in children.indices) if (first[i]) cancelLink(children[i], message)
        for (i in children.indices) if (!first[i]) cancelLink(children[i], message)
    }

    override val completesInTryFinish: Boolean get() = true

    companion object {
        /** A child's place in [values] while its value is still to be read. */
        @JvmField val PENDING = Any()

        /**
         * What goes into a gather's values for [child] before the gather starts: its result (its
         * outcome, with [outcomes]) if it has succeeded (no failure to mark retrieved), else [PENDING].
         */
        fun resultIfSucceeded(child: TaskImpl<*>, outcomes: Boolean): Any? = when {
            child.status and (DONE or FAILED) != DONE -> PENDING
            outcomes -> child.outcomeNow()
            else -> child.valueNow()
        }

        private val REMAINING: AtomicIntegerFieldUpdater<GatherTask<*>> = AtomicIntegerFieldUpdater.newUpdater(GatherTask::class.java, "remaining")
        private val FAILURE: AtomicReferenceFieldUpdater<GatherTask<*>, Throwable> =
            AtomicReferenceFieldUpdater.newUpdater(GatherTask::class.java, Throwable::class.java, "failure")
    }
}
