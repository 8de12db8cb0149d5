/*
 * The blocking forms of the event's and the condition's waits (the queue, the lock and the
 * semaphore park on a ParkWaiter of their own instead, Waiters.kt): the same suspend operation as
 * the task forms, run on the calling thread by kotlinx's runBlocking, which parks the thread (a
 * virtual thread parks cheaply) and, when the thread is interrupted, cancels the operation and
 * throws InterruptedException. No loop is involved: the waiter is woken straight on its own thread.
 *
 * Interrupt rule (the JDK's, e.g. AbstractQueuedSynchronizer's Condition.await): if the
 * operation had completed when the interrupt was seen, its result is returned and the interrupt
 * flag set again; otherwise kotlinx's prompt cancellation has undone it (a wake-up handed over is
 * passed on) and the interrupt becomes a CancellationException.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.Current
import dev.aio4j.internal.Runs
import java.util.concurrent.Callable
import kotlinx.coroutines.runBlocking

internal object SyncBlocking {

    /** Checks that a blocking method may run here: not on a loop's thread, and no interrupt pending. */
    fun enter(what: String) {
        Current.checkMayBlock(what)
        if (Thread.interrupted()) throw Current.cancellationForInterrupt(what)
    }

    /** Runs the waiting operation [block] on the calling thread; see the interrupt rule above. */
    fun <T> await(what: String, block: suspend () -> T): T {
        val outcome = Produced<T>()
        try {
            return runBlocking {
                val value = block()
                outcome.value = value
                outcome.done = true
                value
            }
        } catch (e: InterruptedException) {
            if (outcome.done) {
                Thread.currentThread().interrupt()
                @Suppress("UNCHECKED_CAST")
                return outcome.value as T
            }
            throw Current.cancellationForInterrupt(what)
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

    private class Produced<T> {
        @JvmField var value: T? = null
        @JvmField var done = false
    }
}
