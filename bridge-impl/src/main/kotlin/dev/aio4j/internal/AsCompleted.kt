/*
 * asyncio.as_completed, in both styles. Each walk registers a completion handler on every task
 * that hands it, done, to the walker's queue; the walker takes them in that order. Nothing is
 * cancelled and nothing retrieved: the walker gets each task done, to await or inspect. A walk
 * that times out (or, the non-blocking one, is closed) withdraws its handlers, as asyncio's
 * _on_timeout removes its callbacks: walks abandoned over long-lived tasks kept every handler, and
 * the walk with it, until the tasks completed (found from outside on 2026-12-05).
 */
package dev.aio4j.internal

import dev.aio4j.AsyncTimeoutException
import dev.aio4j.Task
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import java.time.Duration
import java.util.ArrayDeque
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.DisposableHandle

/** Registers [arrived] on every task of [tasks]; the handles withdraw the registrations. */
private fun <T> registerAll(tasks: List<TaskImpl<T>>, arrived: (TaskImpl<T>) -> Unit): Array<DisposableHandle?> {
    val handles = arrayOfNulls<DisposableHandle>(tasks.size)
    for (i in tasks.indices) {
        val t = tasks[i]
        handles[i] = t.onDone { arrived(t) }
    }
    return handles
}

private fun withdrawAll(handles: Array<DisposableHandle?>) {
    for (i in handles.indices) {
        handles[i]?.dispose()
        handles[i] = null
    }
}

/** The blocking form: next() parks until one more task is done. */
internal class AsCompletedIterable<T>(private val tasks: List<TaskImpl<T>>, private val timeout: Duration?) : Iterable<Task<T>> {
    private val deadline = timeout?.let { deadlineAfter(System.nanoTime(), it.saturatedNanos()) }

    override fun iterator(): Iterator<Task<T>> = Walk()

    private inner class Walk : Iterator<Task<T>> {
        private val completed = LinkedBlockingQueue<Task<T>>()
        private var left = tasks.size
        private val handles = registerAll(tasks) { completed.add(it) }

        override fun hasNext(): Boolean = left > 0

        override fun next(): Task<T> {
            if (left == 0) throw NoSuchElementException("every task has been returned")
            completed.poll()?.let { left--; return it }
            Current.checkMayBlock("as_completed's next()")
            val t = try {
                if (deadline == null) completed.take() else completed.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)
            } catch (e: InterruptedException) {
                throw Current.cancellationForInterrupt("as_completed's next()")
            }
            if (t == null) {
                withdrawAll(handles) // the walk is over: every later next() times out too
                throw AsyncTimeoutException("as_completed: ${left} of ${tasks.size} tasks not done within $timeout", timeout)
            }
            left--
            return t
        }
    }
}

/** The non-blocking form: hasNext() is a stage that completes when one more task is done. */
internal class AsCompletedAsyncIterable<T>(
    private val loop: EventLoop,
    private val tasks: List<TaskImpl<T>>,
    private val timeout: Duration?,
) : AsyncIterable<Task<T>> {
    private val deadline = timeout?.let { deadlineAfter(System.nanoTime(), it.saturatedNanos()) }

    override fun asyncIterator(): AsyncIterator<Task<T>> = Walk()

    private inner class Walk : AsyncIterator<Task<T>> {
        private val completed = ArrayDeque<Task<T>>()
        private var left = tasks.size
        private var waiter: CompletableFuture<Boolean>? = null
        private var timer: ActionTimer? = null
        /** Set when the deadline passed: every later hasNext() without an arrived task fails at once. */
        private var expired = false
        private val handles = registerAll(tasks) { arrived(it) }

        private fun arrived(t: Task<T>) {
            val w: CompletableFuture<Boolean>?
            synchronized(this) {
                completed.addLast(t)
                w = waiter
                waiter = null
            }
            w?.complete(true)
        }

        override fun hasNext(): CompletionStage<Boolean> {
            synchronized(this) {
                if (left == 0) return CompletableFuture.completedFuture(false)
                if (completed.isNotEmpty()) return CompletableFuture.completedFuture(true)
                if (expired) return CompletableFuture.failedFuture(timedOut())
                val w = LoopFuture<Boolean>(loop, null)
                waiter = w
                if (deadline != null && timer == null) {
                    timer = loop.timerAfter((deadline - System.nanoTime()).coerceAtLeast(0)) { expired() }
                }
                return w
            }
        }

        private fun expired() {
            val w = synchronized(this) {
                expired = true
                withdrawAll(handles)
                waiter.also { waiter = null }
            }
            w?.completeExceptionally(timedOut())
        }

        private fun timedOut() = AsyncTimeoutException("as_completed: $left of ${tasks.size} tasks not done within $timeout", timeout)

        override fun next(): Task<T> = synchronized(this) {
            val t = completed.pollFirst() ?: throw NoSuchElementException("hasNext() has not announced an element")
            left--
            if (left == 0) timer?.dispose()
            t
        }

        override fun closeAsync(): CompletionStage<Void?> {
            synchronized(this) {
                timer?.dispose()
                withdrawAll(handles)
            }
            return CompletableFuture.completedFuture(null)
        }
    }
}
