/*
 * A task born done: what an ...Async method returns when its operation took effect at once (a get
 * from a queue that had an item, an acquire of a free lock). It never joins the loop's job tree:
 * there is nothing to cancel or wait for, and leaving it out saves a child node and two atomic
 * updates of the root's child list per call; it is never started (TaskImpl.start). A failure nobody retrieves is still reported (the job
 * has no parent to take it, so it goes through TaskJob.handleJobException like any other).
 */
package dev.aio4j.internal

internal class DoneTask<T> private constructor(loop: EventLoop) : TaskImpl<T>(loop, null, BODY_DONE) {
    override val completesInTryFinish: Boolean get() = true

    companion object {
        fun <T> of(loop: EventLoop, result: Result<T>): DoneTask<T> = DoneTask<T>(loop).also { it.tryFinish(result) }
    }
}
