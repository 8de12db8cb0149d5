/*
 * A task born done: what an ...Async method returns when its operation took effect at once (a get
 * from a queue that had an item, an acquire of a free lock), and a plain stage derived from a task
 * that is done (its function ran in the caller: DerivedTask.ofDone). It has no kotlinx Job and is
 * never started (TaskImpl.start): it is not among the loop's tasks, there is nothing to cancel or
 * wait for. A failure nobody retrieves is still reported (bornDone records it like any top-level
 * task's), but for one passed on from another task, whose report that task gave up.
 */
package dev.aio4j.internal

import java.util.concurrent.CompletableFuture

internal open class DoneTask<T> private constructor(loop: EventLoop) : TaskImpl<T>(loop, null, BODY_DONE) {
    override val completesInTryFinish: Boolean get() = true

    /**
     * The view of a task done already: a future completed at once, without a completion handler.
     * It needs no way back to this task (a cancel() of a done future does nothing), so that a
     * DoneTask used only to get the view need not be kept (the JIT may then not allocate it).
     * A result needs no retrieval mark: the mark only matters for a failure's report.
     */
    override fun toCompletableFuture(): CompletableFuture<T> = newView()

    protected fun newView(): CompletableFuture<T> {
        val view = LoopFuture<T>(eventLoop, null)
        val e = exceptionOrNull()
        if (e == null) {
            view.complete(valueNow())
        } else {
            markRetrieved()
            view.completeExceptionally(e)
        }
        return view
    }

    /**
     * A done task handed out again and again (a generator's emitAsync while its buffer has room),
     * whose view is made once too: code written for a stage, `room.toCompletableFuture().isDone()`
     * per element, then allocates nothing per call (a view each time was 32 B per element). The
     * field is this subclass's, so that no other DoneTask grows by it. Two threads asking at
     * once may each make a view: both are completed alike.
     */
    private class Reused<T>(loop: EventLoop) : DoneTask<T>(loop) {
        private var view: CompletableFuture<T>? = null

        override fun toCompletableFuture(): CompletableFuture<T> = view ?: newView().also { view = it }
    }

    /**
     * A primitive's operation that took effect at once (see TaskImpl.handedOver): a kind of its own
     * rather than a flag, so that a DoneTask is a bare task (40 bytes, 48 with the flag).
     */
    private class Served<T>(loop: EventLoop) : DoneTask<T>(loop) {
        override val handedOver: Boolean get() = true
    }

    companion object {
        /** Succeeded with [value], for handing out many times: see [Reused]. */
        fun <T> reused(loop: EventLoop, value: T): DoneTask<T> = Reused<T>(loop).also { it.bornDone(Result.success(value)) }

        fun <T> of(loop: EventLoop, result: Result<T>): DoneTask<T> = DoneTask<T>(loop).also { it.bornDone(result) }

        /** What a primitive's ...Async method returns when its operation took effect at once: a lock, permit or item handed over. */
        fun <T> served(loop: EventLoop, result: Result<T>): DoneTask<T> = Served<T>(loop).also { it.bornDone(result) }

        /** Failed with [failure], passed on from a task that gave up its report for this one: not reported again. */
        fun <T> passedOn(loop: EventLoop, failure: Throwable): DoneTask<T> =
            DoneTask<T>(loop).also {
                it.markRetrieved()
                it.bornDone(Result.failure(failure))
            }
    }
}
