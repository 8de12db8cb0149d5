/*
 * AsyncIterable -> java.util.concurrent.Flow.Publisher on kotlinx's own Reactive Streams machine
 * (kotlinx-coroutines-jdk9's Flow.asPublisher): each subscription collects a Flow that walks a new
 * iterator and closes it when the collection ends (completion, failure, Subscription.cancel).
 * The collection runs on the loop's dispatcher, so the subscriber is called on the loop.
 */
package dev.aio4j.internal.stream

import dev.aio4j.internal.Current
import dev.aio4j.stream.AsyncIterable
import java.util.concurrent.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.jdk9.asPublisher

internal object Publishers {

    fun <T> toPublisher(iterable: AsyncIterable<T>): Flow.Publisher<T> {
        val loop = Current.loop()
        loop.checkOpen()
        val walk = flow<Any> {
            val iterator = iterable.asyncIterator()
            closing(iterator) {
                iterator.forEachRemaining { emit(it ?: throw NullPointerException("a Flow.Publisher cannot publish null elements")) }
            }
        }
        @Suppress("UNCHECKED_CAST")
        return walk.asPublisher(loop.dispatcher) as Flow.Publisher<T>
    }
}
