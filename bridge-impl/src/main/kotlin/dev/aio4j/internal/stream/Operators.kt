/*
 * The few operators a Java user reaches for first: map, filter, take. Each wraps the source's
 * iterator; closing the wrapper closes the source. Richer pipelines go through toPublisher to a
 * Reactive Streams library, or through Kotlin's Flow.
 */
package dev.aio4j.internal.stream

import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.AsyncIterator
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.function.Function
import java.util.function.Predicate

internal class MapIterable<T, R>(private val source: AsyncIterable<T>, private val mapper: Function<in T, out R>) : AsyncIterable<R> {
    override fun asyncIterator(): AsyncIterator<R> {
        val it = source.asyncIterator()
        return object : AsyncIterator<R> {
            override fun hasNext(): CompletionStage<Boolean> = it.hasNext()
            override fun next(): R = mapper.apply(it.next())
            override fun closeAsync(): CompletionStage<Void?> = it.closeAsync()
        }
    }
}

internal class FilterIterable<T>(private val source: AsyncIterable<T>, private val predicate: Predicate<in T>) : AsyncIterable<T> {
    override fun asyncIterator(): AsyncIterator<T> = Walk(source.asyncIterator())

    private inner class Walk(private val it: AsyncIterator<T>) : AsyncIterator<T> {
        private var match: Any? = NONE

        override fun hasNext(): CompletionStage<Boolean> {
            if (match !== NONE) return GeneratorIterator.TRUE
            // a loop while the source answers at once; a stage chain (no deeper than one) when it waits
            while (true) {
                val has = it.hasNext().toCompletableFuture()
                if (!has.isDone) return has.thenCompose { more -> if (!more) GeneratorIterator.FALSE else if (test()) GeneratorIterator.TRUE else hasNext() }
                if (has.isCompletedExceptionally || !has.join()) return has
                try {
                    if (test()) return GeneratorIterator.TRUE
                } catch (e: Throwable) {
                    return CompletableFuture.failedFuture(e)
                }
            }
        }

        private fun test(): Boolean {
            val x = it.next()
            if (!predicate.test(x)) return false
            match = x
            return true
        }

        @Suppress("UNCHECKED_CAST")
        override fun next(): T {
            val x = match
            if (x === NONE) throw NoSuchElementException("hasNext() has not announced an element")
            match = NONE
            return x as T
        }

        override fun closeAsync(): CompletionStage<Void?> = it.closeAsync()
    }

    private companion object {
        val NONE = Any()
    }
}

internal class TakeIterable<T>(private val source: AsyncIterable<T>, private val n: Long) : AsyncIterable<T> {
    override fun asyncIterator(): AsyncIterator<T> {
        val it = source.asyncIterator()
        return object : AsyncIterator<T> {
            private var taken = 0L

            // enough taken: close the source (an endless generator stops here), then answer false
            override fun hasNext(): CompletionStage<Boolean> =
                if (taken < n) it.hasNext() else it.closeAsync().thenApply { false }

            override fun next(): T {
                if (taken >= n) throw NoSuchElementException("take($n) has ended")
                val x = it.next()
                taken++
                return x
            }

            override fun closeAsync(): CompletionStage<Void?> = it.closeAsync()
        }
    }
}
