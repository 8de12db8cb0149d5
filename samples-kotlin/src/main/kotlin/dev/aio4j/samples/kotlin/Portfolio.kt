/*
 * Sample 17's Kotlin side: a Kotlin interface with a suspend method (QuoteSource), and Kotlin
 * coroutine code that calls it (Portfolio). JavaImplementsSuspend implements the interface in
 * Java over the JDK's asynchronous HttpClient.
 */
package dev.aio4j.samples.kotlin

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeoutOrNull

/** Where prices come from. */
interface QuoteSource {
    /** The price of [symbol]. */
    suspend fun quote(symbol: String): Double
}

/** Kotlin code written against [QuoteSource], not knowing it is implemented in Java. */
class Portfolio(private val source: QuoteSource) {
    /** The sum of the prices of [symbols], asked for concurrently, one coroutine each. */
    suspend fun total(symbols: List<String>): Double = coroutineScope {
        symbols.map { async { source.quote(it) } }.awaitAll().sum()
    }

    /** The price of [symbol], or null when it takes longer than [millis] (the request is then cancelled). */
    suspend fun quoteWithin(symbol: String, millis: Long): Double? = withTimeoutOrNull(millis) { source.quote(symbol) }

    /**
     * The price of [symbol], or what went wrong as the exception itself. A cancellation is not
     * "what went wrong" with the quote: it goes on up, so that the coroutine ends cancelled.
     */
    suspend fun quoteOrFailure(symbol: String): Any = try {
        source.quote(symbol)
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        e
    }
}
