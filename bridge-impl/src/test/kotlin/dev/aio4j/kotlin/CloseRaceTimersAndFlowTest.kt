/*
 * A withTimeout/delay begun as the loop closes (found by a review on 2026-12-06), and asFlow's
 * early-stop test for a cancellation that is not an early stop.
 */
@file:OptIn(kotlinx.coroutines.InternalCoroutinesApi::class)

package dev.aio4j.kotlin

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.KotlinTimeoutTimer
import dev.aio4j.internal.ResumeTimer
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.onLoopOf
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Delay
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(120)
class CloseRaceTimersAndFlowTest {

    /**
     * The loop's inbox, replaced by one whose add() of a timer of the kind given sleeps first when
     * armed: it stands for the thread being descheduled between invokeOnTimeout's (or
     * scheduleResumeAfterDelay's) isClosed() check and addTimer's inbox.add (a preemption, a GC).
     */
    private class SlowTimerInbox(private val kind: Class<*>) : ConcurrentLinkedQueue<Runnable>() {
        @Volatile var armed = false
        val entered = CountDownLatch(1)
        override fun add(element: Runnable): Boolean {
            if (armed && kind.isInstance(element)) {
                armed = false
                entered.countDown()
                Thread.sleep(300)
            }
            return super.add(element)
        }
    }

    private fun slowInbox(loop: EventLoop, kind: Class<*>): SlowTimerInbox {
        val f = EventLoop::class.java.getDeclaredField("inbox")
        f.isAccessible = true
        val q = SlowTimerInbox(kind)
        f.set(loop, q)
        return q
    }

    /**
     * invokeOnTimeout (a withTimeout on the loop's dispatcher) from another thread, racing close():
     * it reads isClosed() == false, is held before its inbox.add, close() ends (abandonDelays and the
     * final poll have passed), then the timer lands in the closed loop's inbox: the timeout never
     * fires. LoopDispatcherBase.dispatch re-checks after its enqueue (takeBack); invokeOnTimeout does not.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aTimeoutBegunAsTheLoopClosesStillFires(t: LoopOptions.Threading) {
        val loop = Async.newLoop(LoopOptions.defaults().withThreading(t)) as EventLoop
        val inbox = slowInbox(loop, KotlinTimeoutTimer::class.java)
        val fired = CountDownLatch(1)
        inbox.armed = true
        val racer = Thread { (loop.dispatcher as Delay).invokeOnTimeout(1, Runnable { fired.countDown() }, EmptyCoroutineContext) }
        racer.start()
        inbox.entered.await()
        loop.close()
        racer.join()
        assertEquals(true, fired.await(2, TimeUnit.SECONDS), "the withTimeout's timer never fired (closed=${loop.isClosed}, left in inbox: ${inbox.size})")
    }

    /** The same window for delay() (scheduleResumeAfterDelay): the coroutine stays suspended for ever (pre-existing, not this session's). */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aDelayBegunAsTheLoopClosesEnds(t: LoopOptions.Threading) {
        val loop = Async.newLoop(LoopOptions.defaults().withThreading(t)) as EventLoop
        val inbox = slowInbox(loop, ResumeTimer::class.java)
        val ended = CountDownLatch(1)
        inbox.armed = true
        // a coroutine on Dispatchers.IO whose delay() uses the loop's dispatcher as its Delay
        val delayOfLoop = loop.dispatcher as Delay
        CoroutineScope(kotlinx.coroutines.Dispatchers.IO).launch {
            try {
                kotlinx.coroutines.suspendCancellableCoroutine<Unit> { c -> delayOfLoop.scheduleResumeAfterDelay(1, c) }
            } finally {
                ended.countDown()
            }
        }
        inbox.entered.await()
        loop.close()
        assertEquals(true, ended.await(2, TimeUnit.SECONDS), "the delay never ended (closed=${loop.isClosed}, left in inbox: ${inbox.size})")
    }

    /**
     * asFlow: a hasNext() stage that fails with a CancellationException (the source's own, the
     * collector still active) is not an early stop, yet stoppedEarly says it is: a failing close
     * then replaces it (KDoc: "close's own failure is added as suppressed to the collection's").
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aSourceCancellationIsNotReplacedByCloseFailure(t: LoopOptions.Threading) = onLoopOf(t) { _ ->
        val sourceCancel = CancellationException("the source's own cancellation")
        val closeFailure = IllegalStateException("close failed")
        val iterable = AsyncIterable<Int> {
            object : AsyncIterator<Int> {
                override fun hasNext(): CompletionStage<Boolean> = CompletableFuture.failedFuture(sourceCancel)
                override fun next(): Int = 0
                override fun closeAsync(): CompletionStage<Void?> = CompletableFuture.failedFuture(closeFailure)
            }
        }
        val thrown = runCatching { iterable.asFlow().toList() }.exceptionOrNull()
        val ok = thrown is CancellationException && thrown.suppressed.any { it === closeFailure }
        assertEquals(true, ok, "thrown: $thrown, suppressed: ${thrown?.suppressed?.toList()}")
    }
}
