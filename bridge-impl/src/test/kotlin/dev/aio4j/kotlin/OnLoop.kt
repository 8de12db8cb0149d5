/*
 * Runs a Kotlin test body as a coroutine task on a fresh aio4j loop, and closes the loop after.
 */
package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.Loop
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob

fun <T> onLoop(block: suspend CoroutineScope.(Loop) -> T): T = onLoop(dev.aio4j.LoopOptions.defaults(), block)

fun <T> onLoop(options: dev.aio4j.LoopOptions, block: suspend CoroutineScope.(Loop) -> T): T {
    val loop = Async.newLoop(options)
    try {
        return loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task { block(loop) })
    } finally {
        loop.close()
    }
}

/**
 * A blocking-style task that, once cancelled, takes [millis] more to finish (its finally sleeps),
 * returned once its body has begun: a task cancelled before its body begins never runs its finally
 * (on a loaded machine a virtual thread may take longer to start than a test's delay).
 */
suspend fun slowToFinish(loop: Loop, millis: Long, finished: java.util.concurrent.atomic.AtomicBoolean): dev.aio4j.Task<Int> {
    val began = java.util.concurrent.atomic.AtomicBoolean()
    val task = loop.createTask<Int> {
        try {
            began.set(true)
            Thread.sleep(Long.MAX_VALUE)
            0
        } finally {
            val end = System.nanoTime() + millis * 1_000_000
            while (System.nanoTime() < end) Thread.onSpinWait()
            finished.set(true)
        }
    }
    while (!began.get()) kotlinx.coroutines.delay(1)
    return task
}
