/*
 * flatMapMerge over two of the Java team's generators that both fail (the second while the merge
 * is already failing with the first). kotlinx's rule for children failing together: the first
 * failure ends the scope, a later one is added to it as suppressed; aio4j's generate KDoc: a
 * failure is never dropped (it reaches the consumer, fails the close, or is reported to the loop's
 * exception handler). So each of the two failures must be seen somewhere.
 *
 * Found by FlowOperatorsOverGeneratorsTest (1 of 1,000 random rounds, DEFAULT_DISPATCHER).
 */
@file:OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)

package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.task
import dev.aio4j.stream.AsyncIterable
import java.time.Duration
import java.util.Collections
import java.util.IdentityHashMap
import java.util.concurrent.ThreadLocalRandom
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.flatMapMerge
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.toList
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(60)
class MergedGeneratorsFailingTogetherTest {
    private val rounds = Integer.getInteger("composed.rounds", 300) * 2

    private fun contains(root: Throwable?, t: Throwable): Boolean {
        val seen = Collections.newSetFromMap(IdentityHashMap<Throwable, Boolean>())
        fun walk(x: Throwable?): Boolean {
            if (x == null || !seen.add(x)) return false
            if (x === t) return true
            return walk(x.cause) || x.suppressed.any { walk(it) }
        }
        return walk(root)
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun bothFailuresOfTwoMergedGeneratorsAreSeen(threading: LoopOptions.Threading) {
        var lost = 0
        var example = ""
        repeat(rounds) { round ->
            val r = ThreadLocalRandom.current()
            val failures = List(2) { JavaSideFailure("generator $it failed (round $round)") }
            val thrownByBodies: MutableList<Throwable> = Collections.synchronizedList(ArrayList())
            val failAt = List(2) { r.nextInt(30) }
            val gens = List(2) { g ->
                AsyncIterable.generate<Int>(1 + r.nextInt(16)) { e ->
                    for (i in 0 until 100) {
                        if (i == failAt[g]) throw failures[g].also { thrownByBodies.add(it) }
                        if (i % 8 == 7) Async.sleep(Duration.ZERO)
                        e.emit(i)
                    }
                }
            }
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            val thrown = try {
                runCatching {
                    loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task {
                        flowOf(gens[0], gens[1]).flatMapMerge(2) { it.asFlow() }.toList()
                    })
                }.exceptionOrNull()
            } finally {
                loop.close()
            }
            val reports = rl.reportedExceptions()
            for (f in synchronized(thrownByBodies) { thrownByBodies.toList() }) {
                if (!contains(thrown, f) && reports.none { contains(it, f) }) {
                    lost++
                    if (example.isEmpty()) example = "round $round: lost $f; the run threw $thrown (suppressed ${thrown?.suppressed?.toList()}, cause ${thrown?.cause}), reports $reports"
                }
            }
        }
        if (lost > 0) fail<Unit>("$threading: $lost failures lost in $rounds rounds; $example")
    }
}
