/*
 * AsyncIterable -> java.util.concurrent.Flow.Publisher on kotlinx's own Reactive Streams machine
 * (kotlinx-coroutines-jdk9's Flow.asPublisher): each subscription collects a Flow that walks a new
 * iterator and closes it when the collection ends (completion, failure, Subscription.cancel).
 * The collection runs on the loop's dispatcher, so the subscriber is called on the loop.
 *
 * A thin relay between kotlinx's subscription and the subscriber adds the two rules of the
 * Reactive Streams specification that kotlinx's FlowSubscription leaves out when it runs on a
 * dispatcher other than Unconfined (the Reactive Streams TCK finds both):
 *  - §1.3, signals in sequence: a request made inside onSubscribe is held until onSubscribe has
 *    returned, so that the loop does not call onNext while onSubscribe still runs elsewhere;
 *  - §3.9, request(n <= 0) signals IllegalArgumentException: kotlinx ignores it, so the relay
 *    records it and cancels the walk's coroutine (its job, not the subscription: a cancelled
 *    subscription signals nothing), wherever it waits (for demand, or for the source's next
 *    element); the walk turns that cancellation into the recorded exception and throws it, and
 *    onError comes from kotlinx's own coroutine, in sequence with the other signals, after the
 *    walk's iterator is closed. A bad request made before the walk began begins it (with no
 *    demand), and the walk throws it as it begins.
 *
 * And the demand: kotlinx's FlowSubscription waits for demand inside emit, after the onNext that
 * used the last of it, so the walk learnt of the source's end, or failure, only at the next
 * request, and a subscriber that had asked for exactly what there was never got onComplete
 * (§1.4/§1.5 need no demand; found from outside, 2026-12-07). The relay counts the demand itself
 * and asks kotlinx for everything at the first request; the walk takes the next element (or the
 * end) from the source first and then waits for demand to pass it on, so the end comes at once.
 * The source is read one element ahead of the demand, never more is sent.
 *
 * And the loop's close, which kotlinx's subscription knows nothing of (its coroutine has no parent):
 *  - a walk that has begun has a watcher under the loop's root (a coroutine that waits for it),
 *    which the loop's close cancels and waits for, as it does its tasks; the watcher then cancels
 *    the walk: wherever it waits (for demand, or for the source), it closes its iterator and the
 *    subscriber gets onError;
 *  - a request that finds the loop closed (the walk cannot begin, or resume, on it) signals
 *    onError(IllegalStateException) instead of throwing (§3.16), once: a subscription made after
 *    the close gets it at its first request (§1.9: subscribe returns normally).
 */
package dev.aio4j.internal.stream

import dev.aio4j.internal.Current
import dev.aio4j.internal.EventLoop
import dev.aio4j.stream.AsyncIterable
import java.util.Objects
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import java.util.concurrent.Flow as JdkFlow
import kotlin.coroutines.resume
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalForInheritanceCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector
import kotlinx.coroutines.jdk9.asPublisher
import kotlinx.coroutines.launch
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext

internal class IterablePublisher<T>(private val iterable: AsyncIterable<T>) : JdkFlow.Publisher<T> {
    private val loop: EventLoop = Current.loop().also { it.checkOpen() }

    override fun subscribe(subscriber: JdkFlow.Subscriber<in T>) {
        Objects.requireNonNull(subscriber, "subscriber")
        val relay = Relay(subscriber, loop)
        Walk(iterable, relay, loop).asPublisher(loop.dispatcher).subscribe(relay)
    }

    /**
     * The Flow that one subscription collects: a walk of a new iterator, closed however the
     * collection ends. A Flow of its own rather than flow { }: the builder's SafeCollector checks
     * the emitting context on every element (a third of the cost per element here), and this
     * flow only ever emits from the coroutine that collects it.
     */
    @OptIn(ExperimentalForInheritanceCoroutinesApi::class)
    private class Walk<T>(private val iterable: AsyncIterable<T>, private val relay: Relay<*>, private val loop: EventLoop) : Flow<Any> {
        override suspend fun collect(collector: FlowCollector<Any>) {
            val walk = currentCoroutineContext()[Job]!!
            relay.walk = walk // before the check: a bad request either sees the job or is seen here
            relay.badRequest?.let { throw it }
            if (loop.refusesTasks) throw CancellationException("the loop is closing")
            val closedWithLoop = closedWithLoop(walk)
            val iterator = iterable.asyncIterator()
            try {
                closing(iterator) {
                    iterator.forEachRemaining {
                        val element = it ?: throw NullPointerException("a Flow.Publisher cannot publish null elements")
                        if (!relay.hasDemand()) relay.awaitDemand() // here, not in kotlinx's emit: see the file comment
                        collector.emit(element)
                    }
                }
            } catch (e: CancellationException) {
                throw relay.badRequest ?: if (closedWithLoop.isCancelled) CancellationException("the loop is closing") else e
            }
            relay.badRequest?.let { throw it } // came as the source ended
        }

        /**
         * A job under the loop's root that completes when [walk] does: the loop's close cancels it,
         * as it does a task, and it then cancels the walk and completes when the walk has finished.
         */
        private fun closedWithLoop(walk: Job): Job =
            CoroutineScope(loop.rootJob + Dispatchers.Unconfined).launch(start = CoroutineStart.UNDISPATCHED) {
                try {
                    walk.join()
                } finally {
                    if (!walk.isCompleted) {
                        walk.cancel(CancellationException("the loop is closing"))
                        withContext(NonCancellable) { walk.join() }
                    }
                }
            }
    }

    /** Passes kotlinx's signals on, and the subscriber's requests back with §1.3 and §3.9 added. */
    private class Relay<T>(
        private val subscriber: JdkFlow.Subscriber<in T>,
        private val loop: EventLoop,
    ) : JdkFlow.Subscriber<Any>, JdkFlow.Subscription {
        @Volatile private var upstream: JdkFlow.Subscription? = null
        /** Set by the first terminal signal, kotlinx's or a request's that found the loop closed ([forward]). */
        private val terminated = AtomicBoolean()
        /**
         * Set by [cancel]: from then on a request is a no-op (§3.6) and no terminal signal is passed
         * on (§1.8). kotlinx drops its own cancellation's signal, but not the walk's rethrown "loop is
         * closing" when the loop closes after the cancel, nor the onError of a request that finds the
         * loop closed ([forward]).
         */
        @Volatile private var cancelled = false
        /** Whether this is the first terminal signal and may be passed on: not after [cancel]. */
        private fun terminates(): Boolean = terminated.compareAndSet(false, true) && !cancelled

        /**
         * The subscriber's demand not met yet: requests add to it (saturating: [Long.MAX_VALUE] is
         * unbounded), [onNext] takes one. The walk waits on it ([awaitDemand]); kotlinx's own count
         * is made unbounded once, at the first request ([forward]).
         */
        private val demand = AtomicLong(0)
        /** The walk while it waits for [demand]: resumed by the request that adds to none. */
        private val waiting = AtomicReference<CancellableContinuation<Unit>?>(null)
        /** [IN_ON_SUBSCRIBE], [BEGIN_HELD], [OPEN] or [BEGUN]: when the first request may begin the walk (§1.3). */
        private val phase = AtomicInteger(IN_ON_SUBSCRIBE)
        @Volatile var badRequest: IllegalArgumentException? = null
        /** The job of the coroutine that walks the iterator, once the walk has begun. */
        @Volatile var walk: Job? = null

        override fun onSubscribe(subscription: JdkFlow.Subscription) {
            upstream = subscription
            subscriber.onSubscribe(this)
            if (!phase.compareAndSet(IN_ON_SUBSCRIBE, OPEN)) { // a request came in onSubscribe: the walk begins now
                phase.set(BEGUN)
                forward(subscription)
            }
        }

        /** Whether the subscriber has asked for an element it has not had: the walk's check before [awaitDemand], without a suspending call. */
        fun hasDemand(): Boolean = demand.get() > 0

        /** Returns once the subscriber has asked for an element it has not had; cancellable. */
        suspend fun awaitDemand() {
            if (hasDemand()) return
            suspendCancellableCoroutine { c ->
                waiting.set(c)
                if (demand.get() > 0 && waiting.compareAndSet(c, null)) c.resume(Unit) // a request that came meanwhile
            }
        }

        @Suppress("UNCHECKED_CAST")
        override fun onNext(item: Any) {
            if (demand.get() != Long.MAX_VALUE) demand.decrementAndGet() // before: a request made in onNext adds to what is left
            subscriber.onNext(item as T)
        }
        override fun onError(throwable: Throwable) {
            if (terminates()) subscriber.onError(throwable)
        }
        override fun onComplete() {
            if (terminates()) subscriber.onComplete()
        }

        /**
         * Asks kotlinx's subscription for everything, once, which begins the walk on the loop. On a
         * closed loop the subscriber gets onError instead, once: the walk cannot run there (the
         * loop's dispatcher cancels what is dispatched to it once closed, and kotlinx's walk ends
         * without a signal then). No walk runs then: the close has waited for every walk that had
         * begun.
         */
        private fun forward(subscription: JdkFlow.Subscription) {
            if (!loop.isClosed()) {
                try {
                    subscription.request(Long.MAX_VALUE)
                } catch (e: Throwable) {
                    if (!loop.isClosed()) throw e
                }
                if (!loop.isClosed()) return
            }
            loopClosed()
        }

        private fun loopClosed() {
            if (terminates()) subscriber.onError(IllegalStateException("loop is closed"))
        }

        override fun request(n: Long) {
            if (cancelled) return // §3.6
            if (n <= 0) {
                if (badRequest == null) badRequest = IllegalArgumentException("§3.9: a request must be positive, was $n")
                val started = walk
                if (started != null) {
                    started.cancel(CancellationException("§3.9: a request that was not positive"))
                    return
                }
                // not begun: the walk begins, and throws it as it begins
            } else if (demand.getAndAccumulate(n) { d, add -> if (d + add < 0) Long.MAX_VALUE else d + add } == 0L) {
                waiting.getAndSet(null)?.resume(Unit)
            }
            while (true) {
                when (phase.get()) {
                    IN_ON_SUBSCRIBE -> if (phase.compareAndSet(IN_ON_SUBSCRIBE, BEGIN_HELD)) return
                    BEGIN_HELD -> return
                    OPEN -> if (phase.compareAndSet(OPEN, BEGUN)) return forward(upstream!!)
                    else -> { // begun: a walk that the loop's close kept from running signals nothing, so this does
                        if (loop.isClosed()) loopClosed()
                        return
                    }
                }
            }
        }

        override fun cancel() {
            cancelled = true
            upstream?.cancel()
        }

        private companion object {
            /** onSubscribe runs: a request is held until it returns (§1.3). */
            const val IN_ON_SUBSCRIBE = 0
            /** onSubscribe runs, and a request came: the walk begins when it returns. */
            const val BEGIN_HELD = 1
            /** onSubscribe has returned, no request yet. */
            const val OPEN = 2
            /** The walk has begun: requests only add to [demand]. */
            const val BEGUN = 3
        }
    }
}
