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
 *    records it and wakes the walk with a request of one, and the walk throws it before its next
 *    element: onError comes from kotlinx's own coroutine, in sequence with the other signals.
 */
package dev.aio4j.internal.stream

import dev.aio4j.internal.Current
import dev.aio4j.internal.EventLoop
import dev.aio4j.stream.AsyncIterable
import java.util.Objects
import java.util.concurrent.Flow
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.jdk9.asPublisher

internal class IterablePublisher<T>(private val iterable: AsyncIterable<T>) : Flow.Publisher<T> {
    private val loop: EventLoop = Current.loop().also { it.checkOpen() }

    override fun subscribe(subscriber: Flow.Subscriber<in T>) {
        Objects.requireNonNull(subscriber, "subscriber")
        val relay = Relay(subscriber)
        val walk = flow<Any> {
            relay.badRequest?.let { throw it }
            val iterator = iterable.asyncIterator()
            closing(iterator) {
                iterator.forEachRemaining {
                    emit(it ?: throw NullPointerException("a Flow.Publisher cannot publish null elements"))
                    relay.badRequest?.let { bad -> throw bad }
                }
            }
        }
        walk.asPublisher(loop.dispatcher).subscribe(relay)
    }

    /** Passes kotlinx's signals on, and the subscriber's requests back with §1.3 and §3.9 added. */
    private class Relay<T>(private val subscriber: Flow.Subscriber<in T>) : Flow.Subscriber<Any>, Flow.Subscription {
        @Volatile private var upstream: Flow.Subscription? = null
        /** Demand held while onSubscribe runs; [FORWARD] once requests go straight up. */
        private val held = AtomicLong(0)
        @Volatile var badRequest: IllegalArgumentException? = null

        override fun onSubscribe(subscription: Flow.Subscription) {
            upstream = subscription
            subscriber.onSubscribe(this)
            val n = held.getAndSet(FORWARD)
            if (n > 0) subscription.request(n)
        }

        @Suppress("UNCHECKED_CAST")
        override fun onNext(item: Any) = subscriber.onNext(item as T)
        override fun onError(throwable: Throwable) = subscriber.onError(throwable)
        override fun onComplete() = subscriber.onComplete()

        override fun request(n: Long) {
            var demand = n
            if (n <= 0) {
                if (badRequest == null) badRequest = IllegalArgumentException("§3.9: a request must be positive, was $n")
                demand = 1 // wakes the walk, which throws it
            }
            while (true) {
                val h = held.get()
                if (h == FORWARD) {
                    upstream!!.request(demand)
                    return
                }
                val sum = if (h + demand < 0) Long.MAX_VALUE else h + demand
                if (held.compareAndSet(h, sum)) return
            }
        }

        override fun cancel() {
            upstream?.cancel()
        }

        private companion object {
            const val FORWARD = -1L
        }
    }
}
