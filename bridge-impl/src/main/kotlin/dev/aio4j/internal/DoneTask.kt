/*
 * A task born done: what an ...Async method returns when its operation took effect at once (a get
 * from a queue that had an item, an acquire of a free lock). It has no kotlinx Job and is never
 * started (TaskImpl.start): it is not among the loop's tasks, there is nothing to cancel or wait
 * for. A failure nobody retrieves is still reported (tryFinish records it like any top-level task's).
 */
package dev.aio4j.internal

internal class DoneTask<T> private constructor(loop: EventLoop) : TaskImpl<T>(loop, null, BODY_DONE) {
    override val completesInTryFinish: Boolean get() = true

    companion object {
        fun <T> of(loop: EventLoop, result: Result<T>): DoneTask<T> = DoneTask<T>(loop).also { it.bornDone(result) }
    }
}
