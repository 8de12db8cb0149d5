/*
 * Runs a Kotlin test body as a coroutine task on a fresh aio4j loop, and closes the loop after.
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.Loop
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob

fun <T> onLoop(block: suspend CoroutineScope.(Loop) -> T): T {
    val loop = Async.newLoop()
    try {
        return loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task { block(loop) })
    } finally {
        loop.close()
    }
}

/** A blocking-style task that, once cancelled, takes [millis] more to finish (its finally sleeps). */
fun slowToFinish(loop: Loop, millis: Long, finished: java.util.concurrent.atomic.AtomicBoolean): dev.aio4j.Task<Int> =
    loop.createTask<Int> {
        try {
            Thread.sleep(Long.MAX_VALUE)
            0
        } finally {
            val end = System.nanoTime() + millis * 1_000_000
            while (System.nanoTime() < end) Thread.onSpinWait()
            finished.set(true)
        }
    }
