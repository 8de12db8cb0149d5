/*
 * A Kotlin service as a mixed team writes one, called from the Java composition stress tests: it
 * uses delay, withTimeout, coroutineScope/async, Mutex, Channel, flowOn and callbackFlow, and counts
 * its finally blocks so that the tests can check each ran exactly once.
 */
package dev.aio4j.interop

import java.util.concurrent.atomic.AtomicInteger
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asDeferred
import dev.aio4j.kotlin.await
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout

public class ServiceFailure(message: String) : RuntimeException(message)

/** A Java implementation of this is called from Kotlin coroutines. */
public interface SuspendStore {
    public suspend fun get(key: Int): Int
}

public class MixedService {
    public val started: AtomicInteger = AtomicInteger()
    public val finallies: AtomicInteger = AtomicInteger()
    public val childFinallies: AtomicInteger = AtomicInteger()
    private val mutex = Mutex()

    /** Fans out to [n] children (each under the mutex, with a delay), gathers via a channel. */
    public suspend fun fanOut(n: Int, delayMs: Long, failAt: Int): Int {
        started.incrementAndGet()
        try {
            return coroutineScope {
                val channel = Channel<Int>(Channel.UNLIMITED)
                val jobs = (0 until n).map { i ->
                    async {
                        try {
                            mutex.withLock { delay(delayMs) }
                            if (i == failAt) throw ServiceFailure("child $i failed")
                            channel.send(i)
                            i
                        } finally {
                            childFinallies.incrementAndGet()
                        }
                    }
                }
                jobs.awaitAll()
                var sum = 0
                repeat(n) { sum += channel.receive() }
                sum
            }
        } finally {
            finallies.incrementAndGet()
        }
    }

    /** withTimeout around a delay, off to Dispatchers.Default and back. */
    public suspend fun timed(timeoutMs: Long, workMs: Long): String {
        started.incrementAndGet()
        try {
            return withTimeout(timeoutMs) {
                withContext(Dispatchers.Default) { delay(workMs) }
                "done"
            }
        } finally {
            finallies.incrementAndGet()
        }
    }

    /** Calls a (Java-implemented) store from Kotlin, under a mutex and withTimeout. */
    public suspend fun viaStore(store: SuspendStore, key: Int, timeoutMs: Long): Int {
        started.incrementAndGet()
        try {
            return withTimeout(timeoutMs) { mutex.withLock { store.get(key) } + 1 }
        } finally {
            finallies.incrementAndGet()
        }
    }

    /** From a Dispatchers.Default runBlocking: viaStore on the loop's dispatcher, cancelled after [cancelAfterMs] (-1: never). */
    public fun callStoreFromDefault(loop: dev.aio4j.Loop, store: SuspendStore, key: Int, timeoutMs: Long, cancelAfterMs: Long): Int =
        kotlinx.coroutines.runBlocking(Dispatchers.Default) {
            val d = async { withContext(loop.asCoroutineDispatcher()) { viaStore(store, key, timeoutMs) } }
            if (cancelAfterMs >= 0) {
                delay(cancelAfterMs)
                d.cancel()
            }
            d.await()
        }

    /** Awaits [task] from a runBlocking(Dispatchers.Default) coroutine under withTimeout; what it threw, or null. */
    public fun <T> awaitOnDefault(task: dev.aio4j.Task<T>, timeoutMs: Long, viaDeferred: Boolean): Throwable? =
        kotlinx.coroutines.runBlocking(Dispatchers.Default) {
            runCatching { withTimeout(timeoutMs) { if (viaDeferred) task.asDeferred().await() else task.await() } }.exceptionOrNull()
        }

    /** 0 until n, with a delay every [delayEvery] items, failing at [failAt] (-1: never), produced on Dispatchers.Default. */
    public fun numbers(n: Int, failAt: Int, delayEvery: Int): Flow<Int> = flow {
        started.incrementAndGet()
        try {
            for (i in 0 until n) {
                if (i == failAt) throw ServiceFailure("flow failed at $i")
                if (delayEvery > 0 && i % delayEvery == 0) delay(1)
                emit(i)
            }
        } finally {
            finallies.incrementAndGet()
        }
    }.flowOn(Dispatchers.Default)

    /** A callbackFlow whose callbacks come from a plain thread. */
    public fun callbacks(n: Int, failAt: Int): Flow<Int> = callbackFlow {
        started.incrementAndGet()
        val t = Thread {
            try {
                for (i in 0 until n) {
                    if (i == failAt) { close(ServiceFailure("callback failed at $i")); return@Thread }
                    if (trySendBlocking(i).isFailure) return@Thread
                }
                close()
            } catch (e: InterruptedException) {
                // cancelled
            }
        }
        t.start()
        awaitClose { t.interrupt(); t.join(); finallies.incrementAndGet() }
    }

    /** Launches into a coroutineScope and returns after both children finished. */
    public suspend fun twoChildren(delayMs: Long): Int = coroutineScope {
        started.incrementAndGet()
        try {
            val a = async { try { delay(delayMs); 1 } finally { childFinallies.incrementAndGet() } }
            launch { try { delay(delayMs) } finally { childFinallies.incrementAndGet() } }
            a.await()
        } finally {
            finallies.incrementAndGet()
        }
    }
}



