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
        val result = try {
            body.call()
        } catch (e: Throwable) {
            val thrown = when (e) {
                is InterruptedException -> Current.cancellationForInterrupt(what)
                is Error -> e // Runs.unchecked throws an Error: released first
                else -> Runs.unchecked(e, "the body of $what")
            }
            try {
                release()
            } catch (r: Throwable) { // a release() too many in the body: that failure wins, as asyncio's __aexit__'s does, and keeps the body's
                r.addSuppressed(thrown)
                throw r
            }
            throw thrown
        }
        release()
        return result
    }
}
