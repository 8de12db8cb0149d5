/*
 * Sample 16's Kotlin side: a service written the Kotlin way, with suspend functions and a Flow,
 * and no thought given to Java callers. KotlinServiceFromJava uses it from Java.
 */
package dev.aio4j.samples.kotlin

import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/** A user, as the service returns it. */
data class User(val id: Int, val name: String)

/**
 * A user directory: a lookup that suspends (a "database" round trip of [latencyMillis]), a cached
 * lookup that returns without suspending, a long report, and a Flow of ids. Each counts its
 * `finally` blocks, so that the sample can show that a cancellation from Java reaches them.
 */
class UserService(private val latencyMillis: Long) {
    /** How many `finally` blocks of cancelled or finished calls have run. */
    val cleanups = AtomicInteger()

    /** How many reports have started: a caller that cancels one mid-way waits for it to start first. */
    val reportsStarted = AtomicInteger()

    /** How many id flows have ended (completed or cancelled). */
    val flowsClosed = AtomicInteger()

    /** Looks a user up: suspends for one round trip. */
    suspend fun findUser(id: Int): User {
        delay(latencyMillis)
        return User(id, "user-$id")
    }

    /** A user from the cache: returns without suspending. */
    suspend fun cachedUser(id: Int): User = User(id, "cached-$id")

    /** A report that takes far longer than anyone waits; its finally releases what it holds. */
    suspend fun slowReport(): String {
        reportsStarted.incrementAndGet()
        try {
            delay(60_000)
            return "report"
        } finally {
            cleanups.incrementAndGet()
        }
    }

    /** Fails after one round trip, in Kotlin. */
    suspend fun brokenLookup(id: Int): User {
        delay(latencyMillis)
        throw IllegalStateException("user $id is corrupt")
    }

    /** The ids 1.. [count] (endless when [count] is 0), one per 10 ms. */
    fun ids(count: Int): Flow<Int> = flow {
        try {
            var i = 1
            while (count == 0 || i <= count) {
                delay(10)
                emit(i++)
            }
        } finally {
            flowsClosed.incrementAndGet()
        }
    }
}
