/*
 * asyncio's AsyncExitStack: resources pushed in order, closed in reverse order one after the
 * other when the stack closes, each close started when the previous one has completed, failed or
 * not. The first failure is the stack's, the later ones are suppressed (try-with-resources' rule
 * for nested resources). The closing runs to its end: nothing cancels it. Every close is started
 * on the loop that closes the stack, as asyncio runs every exit on its loop (a close that completes
 * on another thread must not start the next one there, where no loop is current).
 */
package dev.aio4j.internal.stream

import dev.aio4j.Task
import dev.aio4j.internal.OwningCoroutineTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.LoopFuture
import dev.aio4j.internal.callersCopyOf
import dev.aio4j.internal.unwrap
import dev.aio4j.stream.AsyncCloseable
import dev.aio4j.stream.AsyncExitStack
import dev.aio4j.internal.requireArgument
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.RejectedExecutionException

internal class ExitStackImpl : AsyncExitStack {
    /** Runs [action] on [loop]; here if the loop is closed (the closing must not stop halfway). */
    private fun execute(loop: EventLoop, action: Runnable) {
        try {
            loop.execute(action)
        } catch (e: RejectedExecutionException) {
            action.run()
        }
    }

    private val resources = ArrayList<AsyncCloseable>()
    private var closing: CompletableFuture<Void?>? = null

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here, so that the message names no internal class: see Arguments.kt
    override fun <R : AsyncCloseable> enter(resource: R?): R {
        requireArgument(resource, "resource", "AsyncExitStack.enter")
        synchronized(this) {
            check(closing == null) { "the exit stack has been closed" }
            resources.add(resource)
        }
        return resource
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here, so that the message names no internal class: see Arguments.kt
    override fun <R : AsyncCloseable> enterAsync(opening: CompletionStage<out R>?): Task<R> {
        requireArgument(opening, "opening", "AsyncExitStack.enterAsync")
        val loop = Current.loop()
        loop.checkOpen()
        return OwningCoroutineTask(loop, loop.taskContext) { // it owns the opening, even if cancelled before its first step
            val opened: R? = Using.awaitOpened(opening, loop)
            val resource = opened ?: throw NullPointerException("opening completed with null instead of a resource")
            val open = synchronized(this@ExitStackImpl) { (closing == null).also { if (it) resources.add(resource) } }
            if (!open) {
                closeError(resource)
                throw IllegalStateException("the exit stack was closed before the resource arrived; it has been closed")
            }
            resource
        }.also { it.start(loop.taskContext) }
    }

    override fun closeAsync(): CompletionStage<Void?> = closeWithin(null)

    /**
     * [closeAsync], called by the closings in [within] (the stacks being closed around this one, the
     * nearest first). A stack found again inside its own closing (entered into itself, or through
     * a cycle of stacks) counts as closed there, and the closing goes on: asyncio's nested aclose()
     * unwinds the rest of the same stack and returns. Waiting for its own closing instead, it never
     * ended, and the resources below that entry were never closed (found from outside, 2026-12-07).
     */
    private fun closeWithin(within: Closing?): CompletionStage<Void?> {
        if (within != null && within.has(this)) return CompletableFuture.completedFuture(null)
        val done: CompletableFuture<Void?>
        val toClose: List<AsyncCloseable>
        val loop = Current.loopOrNull()
        synchronized(this) {
            closing?.let { return callersCopyOf(it) }
            done = if (loop != null) LoopFuture(loop, null) else CompletableFuture()
            closing = done
            toClose = resources.reversed()
            resources.clear()
        }
        closeFrom(loop, toClose, 0, null, done, Closing(this, within))
        return callersCopyOf(done)
    }

    /** A closing stack and the closings around it: the chain a nested stack's closing is called in. */
    private class Closing(private val stack: ExitStackImpl, private val around: Closing?) {
        fun has(s: ExitStackImpl): Boolean {
            var c: Closing? = this
            while (c != null) {
                if (c.stack === s) return true
                c = c.around
            }
            return false
        }
    }

    /**
     * Closes toClose[from], then (when it has completed) the rest; completes [done] at the end. A
     * loop, not a recursion: closes that complete at once are taken one after the other here, on
     * the calling thread (a recursion through whenComplete went one frame deeper per resource, and
     * thousands of them overflowed the stack, an error that CompletableFuture swallowed). A close
     * still pending at its return goes on from its callback: on [loop] (asyncio's aclose runs every
     * exit on the loop; the thread that completed the close may have no loop current), or where it
     * completed when the stack was closed outside any loop.
     */
    private fun closeFrom(loop: EventLoop?, toClose: List<AsyncCloseable>, from: Int, firstIn: Throwable?, done: CompletableFuture<Void?>, chain: Closing) {
        var i = from
        var first = firstIn
        while (i < toClose.size) {
            val resource = toClose[i]
            val stage = if (resource is ExitStackImpl) resource.closeWithin(chain) else closeStageOf(resource)
            val step = CloseStep()
            val next = i + 1
            val firstSoFar = first
            stage.whenComplete { _, e ->
                step.error = e
                if (!step.finishedInline()) { // the loop below has moved on: this callback goes on
                    val rest = Runnable { closeFrom(loop, toClose, next, withFailure(firstSoFar, e), done, chain) }
                    if (loop == null || loop.isLoopThread()) rest.run() else execute(loop, rest)
                }
            }
            if (!step.returnedFirst()) {
                first = withFailure(first, step.error)
                i = next
                continue
            }
            return
        }
        if (first == null) done.complete(null) else done.completeExceptionally(first)
    }

    /** [first] with the failure [e] of a close added: the first failure, or a suppressed one. */
    private fun withFailure(first: Throwable?, e: Throwable?): Throwable? {
        if (e == null) return first
        val error = unwrap(e)
        if (first == null) return error
        if (first !== error) first.addSuppressed(error)
        return first
    }

    /**
     * One close's completion against the loop that started it: which of the two got there first
     * decides who goes on (the loop, if the close completed inline; else the close's callback).
     */
    private class CloseStep {
        @Volatile @JvmField var error: Throwable? = null
        private val state = java.util.concurrent.atomic.AtomicInteger()

        /** The callback: true if the close completed before the loop looked (the loop goes on). */
        fun finishedInline(): Boolean = state.compareAndSet(0, 1)

        /** The loop: true if it looked first (the callback goes on). */
        fun returnedFirst(): Boolean = state.compareAndSet(0, 2)
    }
}
