/*
 * async for, blocking: one walk over an AsyncIterable whose hasNext() parks the calling thread.
 * A generator's walk is read directly, in batches of up to BATCH elements under one monitor enter
 * (as forEach reads it), waiting only when its buffer is empty (a bounded spin, then a park:
 * GeneratorIterator.awaitElementBlocking); so the view holds at most BATCH elements beyond the
 * walk's buffer. Any other
 * iterator through its hasNext() stage. The source is closed once: at the end, on its failure, on
 * an interrupt (the consuming task cancelled), or by close(), whichever comes first.
 */
package dev.aio4j.internal.stream

import dev.aio4j.internal.BlockingTask
import dev.aio4j.internal.Current
import dev.aio4j.internal.FlowIterable
import dev.aio4j.internal.FlowOnThread
import dev.aio4j.internal.JoinLoop
import dev.aio4j.internal.Runs
import dev.aio4j.internal.unwrap
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import dev.aio4j.stream.BlockingIterable
import java.util.Spliterator
import java.util.Spliterators
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.locks.LockSupport
import java.util.stream.Stream
import java.util.stream.StreamSupport

internal class BlockingView<T>(private val iterable: AsyncIterable<T>) : BlockingIterable<T>, MutableIterator<T>, JoinLoop.Walk {
    private var source: AsyncIterator<T>? = null
    /** The walk of a Kotlin Flow read by a blocking-style task: collected on its thread (FlowOnThread), instead of [source]. */
    private var onThread: FlowOnThread<T>? = null
    private var walking = false
    private var peeked: Any? = NONE
    /** Elements taken from a generator's buffer at once, handed out from [at] to [size]. */
    private var batch: Array<Any?>? = null
    private var at = 0
    private var size = 0
    private var finished = false
    @Volatile private var closed = false
    /**
     * The thread that took the walk (iterator(), stream()): its reader, whose fields ([peeked],
     * [batch]) a close from another thread leaves alone (the reader drops them when its next
     * hasNext() finds the view closed). Before (found from outside on 2026-12-06), such a close
     * cleared them while the reader read them, and the reader got a null element that was never
     * emitted (13 and 46 of 300 rounds), or a NoSuchElementException from next() after hasNext().
     */
    @Volatile private var reader: Thread? = null

    /**
     * The JoinLoop of the blocking-style task whose thread began the walk (of a source other than a
     * Flow's, which registers its own): it closes the walk when the task's body ends, if the body left
     * it open (JoinLoop.closeWalks). Read by the reader's thread only.
     */
    private var registeredIn: JoinLoop? = null

    override fun iterator(): MutableIterator<T> {
        synchronized(this) {
            check(!walking) { "a blocking view is one walk: iterator() and stream() may be called once" }
            walking = true
        }
        reader = Thread.currentThread()
        return this
    }

    override fun stream(): Stream<T> =
        StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED), false).onClose(::close)

    override fun hasNext(): Boolean {
        if (peeked !== NONE) return true
        if (finished || closed) {
            dropBuffered()
            return false
        }
        // A walk on its reader's thread was begun by a blocking-style task's: only its owner may go on (another thread's call ends nothing).
        onThread?.checkOwner("hasNext()") ?: Current.checkMayBlock("the blocking view's hasNext()")
        try {
            val x = nextOfSource()
            if (x === NONE) {
                finished = true
                close()
                return false
            }
            peeked = x
            return true
        } catch (e: InterruptedException) {
            finished = true
            val closeError = closeWaiting() // before the cancellation is made: off a task, making it sets the interrupt again
            throw Current.cancellationForInterrupt("the blocking view's hasNext()").suppressing(closeError)
        } catch (e: Throwable) {
            finished = true
            throw Runs.unchecked(e.suppressing(closeWaiting()), "the source")
        }
    }

    /** The source's next element, or [NONE] at its end; begins the walk at the first call. */
    private fun nextOfSource(): Any? {
        onThread?.let { return nextOnThread(it) }
        val it = source ?: run {
            if (iterable is FlowIterable<T>) FlowOnThread.onThisThread(iterable.flow)?.let { walk -> return nextOnThread(walk.also { onThread = it }) }
            val made = iterable.asyncIterator()
            // under the monitor, with close(): a close from another thread either sees the source
            // and closes it, or came first, and the source is closed here (before, it saw none, closed
            // nothing, and the walk begun here went on, its producer parked for ever)
            val closedFirst = synchronized(this) {
                if (!closed) source = made
                closed
            }
            if (closedFirst) {
                awaitUninterruptibly(closeStageOf(made))?.let { throw it }
                return NONE
            }
            (Current.get() as? BlockingTask<*>)?.let { task -> registeredIn = JoinLoop.ofAnyLoop(task).also { it.openWalk(this) } }
            made
        }
        return if (it is GeneratorIterator<T>) nextOfGenerator(it) else nextOf(it)
    }

    private fun nextOnThread(walk: FlowOnThread<T>): Any? = walk.next().let { if (it === FlowOnThread.END) NONE else it }

    private fun nextOfGenerator(it: GeneratorIterator<T>): Any? {
        val b = batch ?: arrayOfNulls<Any?>(BATCH).also { batch = it }
        if (at == size) {
            while (true) {
                val n = it.drain(b)
                if (n > 0) {
                    at = 0
                    size = n
                    break
                }
                if (n < 0) return NONE
                it.awaitElementBlocking()
            }
        }
        return b[at].also { b[at++] = null }
    }

    private fun nextOf(it: AsyncIterator<T>): Any? {
        val cf = it.hasNext().toCompletableFuture()
        if (!cf.isDone) park(cf)
        val has = try {
            cf.getNow(false)
        } catch (e: Throwable) {
            throw unwrap(e)
        }
        return if (has) it.next() else NONE
    }

    /** Parks until [cf] is done; an interrupt cancels it and throws InterruptedException. */
    private fun park(cf: CompletableFuture<*>) {
        val me = Thread.currentThread()
        cf.whenComplete { _, _ -> LockSupport.unpark(me) }
        while (!cf.isDone) {
            LockSupport.park(cf)
            if (Thread.interrupted()) {
                cf.cancel(false)
                throw InterruptedException()
            }
        }
    }

    @Suppress("UNCHECKED_CAST")
    override fun next(): T {
        if (!hasNext()) throw NoSuchElementException("the walk has ended")
        val x = peeked
        peeked = NONE
        return x as T
    }

    override fun remove(): Unit = throw UnsupportedOperationException("remove")

    override fun close() {
        closeWaiting()?.let { throw Runs.unchecked(it, "closing the source") }
    }

    /** Closes the walk that the body of the task whose thread began it left open: see [registeredIn]. */
    override fun closeLeftOpen(): Throwable? = closeWaiting()

    /** Drops what the reader holds of the walk (its thread's only). */
    private fun dropBuffered() {
        peeked = NONE
        batch?.let { b ->
            b.fill(null)
            batch = null
        }
        at = 0
        size = 0
    }

    override fun toString(): String = "BlockingIterable(the blocking view of $iterable)"

    /** This exception, with the close's own failure ([closeError], if any and another) added as suppressed: try-with-resources' rule ([suppressOrReport]). */
    private fun <E : Throwable> E.suppressing(closeError: Throwable?): E = also { suppressOrReport(it, closeError, this@BlockingView) }

    /** Closes the source once and waits, uninterruptibly; returns the closing's failure, the first time only. */
    private fun closeWaiting(): Throwable? {
        val it: AsyncIterator<T>?
        synchronized(this) {
            if (closed) return null
            onThread?.checkOwner("close()")
            closed = true
            it = source
        }
        if (Thread.currentThread() === reader || reader == null) {
            dropBuffered() // else the reader's, at its next hasNext()
            registeredIn?.closeWalk(this) // a close from another thread leaves it there, for JoinLoop.closeWalks to find closed
        }
        onThread?.let { walk -> return walk.close() } // not under the monitor: the flow's finally blocks run here
        if (it == null) return null // never started: nothing to close
        return awaitUninterruptibly(
            try {
                it.closeAsync()
            } catch (e: Throwable) {
                CompletableFuture.failedFuture<Void?>(e)
            },
        )
    }

    private companion object {
        val NONE = Any()
    }
}

/** Parks until [stage] completes, ignoring interrupts (set again after); returns its failure, if any. */
internal fun awaitUninterruptibly(stage: CompletionStage<*>): Throwable? {
    val cf = try {
        stage.toCompletableFuture()
    } catch (e: UnsupportedOperationException) { // a stage may refuse it (CompletionStage's contract)
        CompletableFuture<Any?>().also { f -> stage.whenComplete { v, err -> if (err == null) f.complete(v) else f.completeExceptionally(err) } }
    }
    if (!cf.isDone) {
        val me = Thread.currentThread()
        cf.whenComplete { _, _ -> LockSupport.unpark(me) }
        var interrupted = false
        while (!cf.isDone) {
            LockSupport.park(cf)
            if (Thread.interrupted()) interrupted = true
        }
        if (interrupted) me.interrupt()
    }
    return if (cf.isCompletedExceptionally) cf.handle { _, e -> unwrap(e) }.join() else null
}
