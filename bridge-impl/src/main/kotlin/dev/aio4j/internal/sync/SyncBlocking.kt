/*
 * The blocking forms of the primitives' waits: the same suspend operation as the task forms, run
 * on the calling thread, which parks (a virtual thread parks cheaply) until the operation is done;
 * an interrupt of the thread cancels the operation. No loop is involved: the waiter is woken
 * straight on its own thread.
 *
 * Not kotlinx's runBlocking, which does the same with a whole event loop that it keeps in a
 * thread-local: on a new virtual thread per task that is a ThreadLocalMap and an event loop per
 * waiting thread. [ParkingDispatcher] is the one-thread dispatcher this needs: the operation
 * starts on the calling thread, and a resumption from another thread is handed to the parked
 * thread, so that what the operation does after a wake-up (take the lock back, test a condition's
 * predicate) runs on the waiting thread, as under runBlocking.
 *
 * Interrupt rule (the JDK's, e.g. AbstractQueuedSynchronizer's Condition.await): if the
 * operation had completed when the interrupt was seen, its result is returned and the interrupt
 * flag set again; otherwise kotlinx's prompt cancellation has undone it (a permit handed over is
 * released, an item given back) and the interrupt becomes a CancellationException.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.Current
import dev.aio4j.internal.Runs
import java.util.concurrent.Callable
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.locks.LockSupport
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Job
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.startCoroutine

internal object SyncBlocking {

    /** Checks that a blocking method may run here: not on a loop's thread, and no interrupt pending. */
    fun enter(what: String) {
        Current.checkMayBlock(what)
        if (Thread.interrupted()) throw Current.cancellationForInterrupt(what)
    }

    /** Runs the waiting operation [block] on the calling thread; see the interrupt rule above. */
    fun <T> await(what: String, block: suspend () -> T): T {
        val waiter = Waiter<T>(Thread.currentThread())
        block.startCoroutine(waiter)
        var interrupted = false
        while (true) {
            waiter.runHandedOver()
            val result = waiter.result
            if (result != null) {
                if (interrupted) {
                    val e = result.exceptionOrNull()
                    if (e is java.util.concurrent.CancellationException) throw Current.cancellationForInterrupt(what)
                    waiter.thread.interrupt() // done anyway: keep the interrupt, as the JDK's locks do
                }
                return result.getOrThrow()
            }
            LockSupport.park(waiter)
            if (!interrupted && Thread.interrupted()) {
                interrupted = true
                waiter.job.cancel() // prompt cancellation undoes what was handed over; the operation ends now
            }
        }
    }

    /** Runs a blocking-style [body] with something held, and [release]s it however [body] ends. */
    fun <T> guarded(what: String, body: Callable<out T>, release: () -> Unit): T {
        try {
            return body.call()
        } catch (e: InterruptedException) {
            throw Current.cancellationForInterrupt(what)
        } catch (e: Throwable) {
            throw Runs.unchecked(e, "the body of $what")
        } finally {
            release()
        }
    }

    /**
     * One waiting operation: the dispatcher that runs its steps on the waiting thread (inline when
     * that thread resumes them, as at the start; handed over otherwise), its completion, and its
     * job (which an interrupt cancels). One object and a job per wait, nothing per thread.
     */
    private class Waiter<T>(@JvmField val thread: Thread) : CoroutineDispatcher(), Continuation<T> {
        @JvmField val job: Job = Job()
        override val context: CoroutineContext = this + job
        @Volatile @JvmField var result: Result<T>? = null
        private val handedOver = ConcurrentLinkedQueue<Runnable>()

        override fun isDispatchNeeded(context: CoroutineContext): Boolean = Thread.currentThread() !== thread

        override fun dispatch(context: CoroutineContext, block: Runnable) {
            handedOver.add(block)
            LockSupport.unpark(thread)
        }

        fun runHandedOver() {
            while (true) (handedOver.poll() ?: return).run()
        }

        override fun resumeWith(result: Result<T>) {
            this.result = result
            if (Thread.currentThread() !== thread) LockSupport.unpark(thread)
        }
    }
}
