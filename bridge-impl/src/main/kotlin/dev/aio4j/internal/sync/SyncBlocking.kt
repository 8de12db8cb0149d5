/*
 * What every blocking method of the primitives does around its wait (the wait itself is a
 * ParkWaiter, Waiters.kt): refuse a loop's thread, turn a pending interrupt into a cancellation,
 * and hold something around a blocking-style body.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.Current
import dev.aio4j.internal.Runs
import java.util.concurrent.Callable

internal object SyncBlocking {

    /** Checks that a blocking method may run here: not on a loop's thread, and no interrupt pending. */
    fun enter(what: String) {
        Current.checkMayBlock(what)
        if (Thread.interrupted()) throw Current.cancellationForInterrupt(what)
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
}
