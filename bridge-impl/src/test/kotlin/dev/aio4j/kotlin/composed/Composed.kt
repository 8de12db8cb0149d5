/*
 * Helpers of the composed Kotlin-first tests: rounds that collect their failures, loops that record
 * what reaches their exception handler, and a check that no thread of aio4j's outlives a loop.
 */
package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.ExceptionContext
import dev.aio4j.Loop
import dev.aio4j.LoopOptions
import dev.aio4j.Task
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.task
import java.util.Collections
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import org.junit.jupiter.api.Assertions.fail

/** A loop that records every context its exception handler gets. */
class RecordingLoop(threading: LoopOptions.Threading) {
    val loop: Loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
    val reported: MutableList<ExceptionContext> = Collections.synchronizedList(ArrayList())

    init {
        loop.setExceptionHandler { _, c -> reported.add(c) }
    }

    /** The exceptions reported so far. */
    fun reportedExceptions(): List<Throwable?> = synchronized(reported) { reported.map { it.exception() } }
}

/**
 * Runs [round] [rounds] times with a fresh failure list each; fails with how many rounds failed,
 * the first and the last failure.
 */
fun eachRound(label: String, rounds: Int, round: (Int, MutableList<String>) -> Unit) {
    val failures = ArrayList<String>()
    repeat(rounds) { i ->
        val f = ArrayList<String>()
        try {
            round(i, f)
        } catch (t: Throwable) {
            f.add("round threw $t")
        }
        if (f.isNotEmpty()) failures.add("round $i: $f")
    }
    if (failures.isNotEmpty()) {
        fail<Unit>("$label: ${failures.size} of $rounds rounds failed; first ${failures.first()}\nlast ${failures.last()}")
    }
}

/** The threads aio4j made (blocking bodies on JDK 17-20, to_thread pools) that are alive now. */
fun aio4jThreads(): Set<Thread> =
    Thread.getAllStackTraces().keys.filter { it.name.startsWith("aio4j-") && it.isAlive }.toSet()

/** Adds a failure for every thread of aio4j's alive now that was not in [before]. */
fun checkNoNewThreads(before: Set<Thread>, f: MutableList<String>) {
    val left = aio4jThreads() - before
    if (left.isNotEmpty()) f.add("threads alive after close: ${left.map { it.name + " " + it.state }}")
}

/** Adds a failure for every task of [loop] that is not done. */
fun checkAllTasksDone(loop: Loop, f: MutableList<String>, where: String) {
    for (t in loop.allTasks()) if (!t.isDone) f.add("$where: task not done: $t")
}

/** The exception a done task ended with (failure or cancellation), or null if it succeeded. */
fun endedWith(t: Task<*>): Throwable? = when (val o = t.outcomeNow()) {
    is dev.aio4j.Outcome.Success<*> -> null
    is dev.aio4j.Outcome.Failure<*> -> o.exception()
    is dev.aio4j.Outcome.Cancelled<*> -> o.exception()
}

/** Whether [thrown] is [original] or kotlinx's recovered copy of it (debug mode, -ea: same class, original as cause). */
fun isOrCopies(thrown: Throwable?, original: Throwable): Boolean =
    thrown === original || (thrown != null && thrown.javaClass == original.javaClass && thrown.cause === original)

/** A failure of the tests' own, thrown by a Kotlin side. */
class KotlinSideFailure(message: String) : RuntimeException(message)

/** A failure of the tests' own, thrown by a Java-style side. */
class JavaSideFailure(message: String) : RuntimeException(message)

/** Busy-waits on the calling thread (a loop's), so that a timer due meanwhile fires in the loop's next step. */
fun spin(millis: Long) {
    val end = System.nanoTime() + millis * 1_000_000
    while (System.nanoTime() < end) Thread.onSpinWait()
}

/** Runs [block] as a coroutine task on a new single-threaded loop, and closes the loop after. */
fun <T> onSingleThreadLoop(block: suspend CoroutineScope.() -> T): T {
    val loop = Async.newLoop()
    try {
        return loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task(block = block))
    } finally {
        loop.close()
    }
}
