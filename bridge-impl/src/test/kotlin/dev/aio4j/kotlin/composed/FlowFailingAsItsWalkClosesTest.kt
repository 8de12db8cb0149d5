/*
 * A Kotlin flow whose clean-up fails (its finally throws) when the consumer stops early, walked
 * through Flow.asAsyncIterable() and collected back with asFlow().take(1).
 *
 * AsyncIterable's "Closing": "a failure to close is added as suppressed to the walk's own failure,
 * or is the failure if there was none"; generate's KDoc: "what it throws while being closed (other
 * than the cancellation) fails the close"; asFlow's KDoc: "close's own failure is ... thrown if the
 * collection succeeded" (a take that stopped early is a collection that succeeded). So the flow's
 * clean-up failure must reach the collector, or at least the loop's exception handler.
 *
 * Found by FlowOperatorsOverGeneratorsTest (1 of 200 random rounds, SINGLE_THREAD): a flowOn(IO)
 * source failing as a cancelled Java forEach closed it; nothing saw the failure.
 */
package dev.aio4j.kotlin.composed

import dev.aio4j.LoopOptions
import dev.aio4j.kotlin.asAsyncIterable
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.task
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.Arguments
import org.junit.jupiter.params.provider.MethodSource

@Timeout(60)
class FlowFailingAsItsWalkClosesTest {

    /**
     * MANY: the flow has emitted far more than the walk's buffer takes when the consumer stops
     * (elements wait in the collector's chunk); FEW: one element, long moved into the buffer.
     * FLOW_ON: the same flow moved to Dispatchers.IO, as a flow doing blocking I/O is.
     */
    enum class Shape { MANY, MANY_FLOW_ON, FEW }

    companion object {
        @JvmStatic
        fun cases(): List<Arguments> = LoopOptions.Threading.entries.flatMap { t -> Shape.entries.map { s -> Arguments.of(t, s) } }
    }

    private fun source(shape: Shape, cleanup: Throwable, finallies: AtomicInteger): Flow<Int> {
        val f = flow {
            try {
                repeat(if (shape == Shape.FEW) 1 else 10_000) { emit(it) }
                awaitCancellation()
            } finally {
                finallies.incrementAndGet()
                throw cleanup
            }
        }
        return if (shape == Shape.MANY_FLOW_ON) f.flowOn(Dispatchers.IO) else f
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    fun theCleanUpFailureOfAFlowStoppedEarlyIsNotLost(threading: LoopOptions.Threading, shape: Shape) {
        var lost = 0
        val tries = 20
        repeat(tries) { i ->
            val cleanup = KotlinSideFailure("the flow's clean-up failed (try $i)")
            val finallies = AtomicInteger()
            val iterable = source(shape, cleanup, finallies).asAsyncIterable()
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            val thrown = try {
                runCatching {
                    loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task {
                        iterable.asFlow().take(1).toList()
                    })
                }.exceptionOrNull()
            } finally {
                loop.close()
            }
            assertEquals(1, finallies.get(), "the flow's finally ran ${finallies.get()} times")
            val seen = isOrCopies(thrown, cleanup) || thrown?.suppressed?.any { it === cleanup } == true ||
                rl.reportedExceptions().any { it === cleanup }
            if (!seen) lost++
        }
        assertEquals(0, lost, "$threading $shape: the clean-up failure reached neither the collector nor the loop's handler in $lost of $tries tries")
    }
}
