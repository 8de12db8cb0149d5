/*
 * Found by a review on 2026-12-06: takeAccepted() rescued a coroutine's resumption to Dispatchers.IO
 * while the loop is not closed yet and is about to run the commands execute() accepted: on a
 * SINGLE_THREAD loop, the coroutine's code then runs at the same time as a callback of the loop.
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.kotlin.asCoroutineDispatcher
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

@Timeout(60)
class ClosedLoopConfinementTest {
    @Volatile private var cmdRunning = false
    @Volatile private var overlap = false

    @Test
    fun aRescuedCoroutineDoesNotRunBesideTheLoopsLastCallbacks() {
        val loop = Async.newLoop(LoopOptions.defaults().withThreading(LoopOptions.Threading.SINGLE_THREAD))
        val gate = CompletableDeferred<Unit>()
        val suspended = CompletableFuture<Void?>()
        val finallyRan = CountDownLatch(1)
        val finallyThread = AtomicReference<String>()
        loop.runUntilComplete(loop.createTaskAsync<Void?> {
            CoroutineScope(loop.asCoroutineDispatcher()).launch {
                try {
                    suspended.complete(null)
                    gate.await()
                } finally {
                    finallyThread.set(Thread.currentThread().name)
                    val end = System.nanoTime() + 200_000_000
                    while (System.nanoTime() < end) if (cmdRunning) overlap = true
                    finallyRan.countDown()
                }
            }
            suspended
        })
        // run by close()'s last step: an accepted command, and the coroutine's resumption
        loop.callSoon {
            loop.execute {
                cmdRunning = true
                val end = System.nanoTime() + 300_000_000
                while (System.nanoTime() < end) Thread.onSpinWait()
                cmdRunning = false
            }
            gate.complete(Unit)
        }
        loop.close()
        finallyRan.await(5, TimeUnit.SECONDS)
        assertEquals(false, overlap, "the coroutine's finally ran on ${finallyThread.get()} while a callback of the SINGLE_THREAD loop ran")
    }
}
