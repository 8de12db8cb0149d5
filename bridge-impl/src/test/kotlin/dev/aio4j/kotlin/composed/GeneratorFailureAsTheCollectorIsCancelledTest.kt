/*
 * The smallest form of MergedGeneratorsFailingTogetherTest: one Java generator that fails, collected
 * with asFlow() by a coroutine that is cancelled at a random moment around the failure (no
 * operator in between). The generate KDoc: a failure of the body "reaches the consumer after the
 * elements emitted before it", and one ahead of a consumer that stopped early "is never dropped:
 * the close reports it to the loop's exception handler". So a failure the body threw is seen by
 * the collector or by the loop's handler.
 */
package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.task
import dev.aio4j.stream.AsyncIterable
import java.time.Duration
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(60)
class GeneratorFailureAsTheCollectorIsCancelledTest {
    private val rounds = Integer.getInteger("composed.rounds", 300) * 3

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aFailureThrownAsTheCollectorIsCancelledIsSeen(threading: LoopOptions.Threading) {
        var lost = 0
        var thrownCount = 0
        var example = ""
        repeat(rounds) { round ->
            val r = ThreadLocalRandom.current()
            val failure = JavaSideFailure("generator failed (round $round)")
            val bodyThrew = AtomicBoolean()
            val failAt = r.nextInt(5)
            val yields = r.nextInt(20)
            val gen = AsyncIterable.generate<Int>(1 + r.nextInt(8)) { e ->
                for (i in 0 until 100) {
                    if (i == failAt) { bodyThrew.set(true); throw failure }
                    if (i % 4 == 3) Async.sleep(Duration.ZERO)
                    e.emit(i)
                }
            }
            val caught = AtomicReference<Throwable>()
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            try {
                loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task {
                    val job = launch {
                        try {
                            gen.asFlow().collect { }
                        } catch (e: Throwable) {
                            caught.set(e)
                        }
                    }
                    repeat(yields) { yield() }
                    job.cancel()
                    job.join()
                })
            } finally {
                loop.close()
            }
            if (bodyThrew.get()) {
                thrownCount++
                var x: Throwable? = caught.get()
                var inCaught = false
                while (x != null) { if (x === failure || x.suppressed.any { it === failure }) { inCaught = true; break }; x = x.cause }
                val reported = rl.reportedExceptions().any { it === failure }
                if (!inCaught && !reported) {
                    lost++
                    if (example.isEmpty()) example = "round $round (fail at $failAt, $yields yields): the collector caught ${caught.get()}, reports ${rl.reportedExceptions()}"
                }
            }
        }
        if (lost > 0) fail<Unit>("$threading: the body's failure was seen by nobody in $lost of $thrownCount rounds where the body threw ($rounds rounds); $example")
    }
}
