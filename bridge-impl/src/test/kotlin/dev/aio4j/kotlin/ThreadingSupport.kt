/*
 * Helpers of the Kotlin edge tests: loops of each threading, slow finally blocks.
 */
package dev.aio4j.kotlin

import dev.aio4j.LoopOptions
import dev.aio4j.Loop
import kotlinx.coroutines.CoroutineScope

fun options(t: LoopOptions.Threading): LoopOptions = LoopOptions.defaults().withThreading(t)

fun <T> onLoopOf(t: LoopOptions.Threading, block: suspend CoroutineScope.(Loop) -> T): T =
    onLoop(options(t), block)

/** Busy-waits [millis] (no sleep: an interrupt pending in a clean-up must not cut it short). */
fun spin(millis: Long) {
    val end = System.nanoTime() + millis * 1_000_000
    while (System.nanoTime() < end) Thread.onSpinWait()
}
