/*
 * The kotlinx.coroutines peers of every workload, written as a Kotlin programmer writes them
 * (async/awaitAll, delay, Flow.collect, Channel, Mutex, Semaphore), and called from the Java
 * benchmarks. "One thread" is runBlocking's event loop on the calling thread, the counterpart of an
 * aio4j SINGLE_THREAD loop; "Default" is Dispatchers.Default, the counterpart of DEFAULT_DISPATCHER.
 * Each function returns something derived from every result, so that nothing is optimised away.
 */
package dev.aio4j.bench

import dev.aio4j.Loop
import dev.aio4j.Task
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.future.future
import kotlinx.coroutines.future.await as kotlinxAwait
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.sync.withPermit
import kotlinx.coroutines.yield
import org.openjdk.jmh.infra.Blackhole

public object KotlinxPeers {

    // ---------------------------------------------------------------- 1. spawn + await

    /** [n] trivial `async { i }` gathered with `awaitAll`, on runBlocking's one thread; the sum of the results. */
    @JvmStatic
    public fun spawnAwaitOneThread(n: Int): Long = runBlocking { spawnAwait(n) }

    /** [spawnAwaitOneThread] on `Dispatchers.Default`. */
    @JvmStatic
    public fun spawnAwaitDefault(n: Int): Long = runBlocking(Dispatchers.Default) { spawnAwait(n) }

    private suspend fun spawnAwait(n: Int): Long = coroutineScope {
        val results = List(n) { i -> async { i } }.awaitAll()
        var sum = 0L
        for (r in results) sum += r
        sum
    }

    // ---------------------------------------------------------------- 2. concurrent sleepers

    /**
     * [n] coroutines that each count themselves in [started] and then `delay(millis)`, gathered with
     * `awaitAll`, on runBlocking's one thread.
     */
    @JvmStatic
    public fun sleepersOneThread(n: Int, millis: Long, started: AtomicInteger): Int = runBlocking { sleepers(n, millis, started) }

    /** [sleepersOneThread] on `Dispatchers.Default` (its delays are kept by kotlinx's DefaultExecutor thread). */
    @JvmStatic
    public fun sleepersDefault(n: Int, millis: Long, started: AtomicInteger): Int =
        runBlocking(Dispatchers.Default) { sleepers(n, millis, started) }

    private suspend fun sleepers(n: Int, millis: Long, started: AtomicInteger): Int = coroutineScope {
        List(n) {
            async {
                started.incrementAndGet()
                delay(millis)
            }
        }.awaitAll().size
    }

    // ---------------------------------------------------------------- 3. iteration

    /** A cold Flow of the ints 0 until [n]: the Kotlin source that aio4j's iteration views consume. */
    @JvmStatic
    public fun numbers(n: Int): Flow<Int> = flow { for (i in 0 until n) emit(i) }

    /** Native `collect` of [numbers] in runBlocking; the sum. */
    @JvmStatic
    public fun flowCollect(n: Int): Long = runBlocking {
        var sum = 0L
        numbers(n).collect { sum += it }
        sum
    }

    // ---------------------------------------------------------------- producer -> bounded queue -> consumer

    /** A producer coroutine sends [n] ints through a `Channel(capacity)` to the consumer, on one thread; the sum. */
    @JvmStatic
    public fun channelOneThread(n: Int, capacity: Int): Long = runBlocking {
        val channel = Channel<Int>(capacity)
        launch {
            for (i in 0 until n) channel.send(i)
            channel.close()
        }
        var sum = 0L
        for (x in channel) sum += x
        sum
    }

    // ---------------------------------------------------------------- 4. semaphore-limited fan-out

    /** [tasks] coroutines, at most [permits] at a time in `withPermit { delay(millis) }`, on one thread. */
    @JvmStatic
    public fun semaphoreFanOutOneThread(tasks: Int, permits: Int, millis: Long): Int = runBlocking {
        val semaphore = Semaphore(permits)
        List(tasks) { async { semaphore.withPermit { delay(millis) } } }.awaitAll().size
    }

    // ---------------------------------------------------------------- 5. lock hand-off

    /**
     * Two coroutines take a `Mutex` in turn, [handoffs] times in all, on one thread. Each one
     * yields while it holds the lock, so that the other is queued on it when it unlocks: every
     * unlock hands the lock over (kotlinx's Mutex is fair).
     */
    @JvmStatic
    public fun mutexHandoffOneThread(handoffs: Int): Long = runBlocking {
        val mutex = Mutex()
        var count = 0L
        val jobs = List(2) {
            launch {
                repeat(handoffs / 2) {
                    mutex.withLock {
                        count++
                        yield()
                    }
                }
            }
        }
        for (job in jobs) job.join()
        count
    }

    // ---------------------------------------------------------------- 6. bridge call

    // Every result is consumed one by one (Blackhole), as the Java rows consume theirs, so that the
    // JIT may not fold a loop of calls into arithmetic. (It measured the same as the plain sum,
    // 0.3-0.9 ns a call: the direct call of a function that returns at once is inlined, which is
    // what a Kotlin caller gets.)

    /** [calls] direct Kotlin calls of [BridgeService.returnsAtOnce] in one coroutine in runBlocking; the sum. */
    @JvmStatic
    public fun directReturnsAtOnce(service: BridgeService, calls: Int, bh: Blackhole): Long = runBlocking { callReturnsAtOnce(service, calls, bh) }

    /** [calls] direct Kotlin calls of [BridgeService.suspendsOnce] in one coroutine in runBlocking; the sum. */
    @JvmStatic
    public fun directSuspendsOnce(service: BridgeService, calls: Int, bh: Blackhole): Long = runBlocking { callSuspendsOnce(service, calls, bh) }

    /**
     * [calls] direct Kotlin calls of [BridgeService.returnsAtOnce] in one coroutine on the aio4j
     * [loop] (its dispatcher): the reference of workload 6's targets, the same function on the same loop.
     */
    @JvmStatic
    public fun onLoopReturnsAtOnce(loop: Loop, service: BridgeService, calls: Int, bh: Blackhole): Long =
        loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher()).task { callReturnsAtOnce(service, calls, bh) })

    /** [onLoopReturnsAtOnce] for [BridgeService.suspendsOnce]. */
    @JvmStatic
    public fun onLoopSuspendsOnce(loop: Loop, service: BridgeService, calls: Int, bh: Blackhole): Long =
        loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher()).task { callSuspendsOnce(service, calls, bh) })

    /**
     * [calls] times, a coroutine on the [loop] awaits a pending aio4j task (a promise completed by a
     * callback of the loop's next step) with aio4j's `Task.await()`; the sum.
     */
    @JvmStatic
    public fun onLoopAwaitPendingTask(loop: Loop, calls: Int): Long = awaitPending(loop, calls) { it.await() }

    /** [onLoopAwaitPendingTask] with kotlinx's `CompletionStage.await()` (which goes through `whenComplete`). */
    @JvmStatic
    public fun onLoopKotlinxAwaitPendingTask(loop: Loop, calls: Int): Long = awaitPending(loop, calls) { it.kotlinxAwait() }

    private inline fun awaitPending(loop: Loop, calls: Int, crossinline await: suspend (Task<Int>) -> Int): Long =
        loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher()).task {
            var sum = 0L
            for (i in 0 until calls) {
                val promise = loop.createPromise<Int>()
                loop.callSoon { promise.complete(i) }
                sum += await(promise)
            }
            sum
        })

    /** The usual way from Java without aio4j: `scope.future { f() }.join()` per call, on Dispatchers.Default. */
    @JvmStatic
    public fun futureJoinReturnsAtOnce(service: BridgeService, calls: Int): Long {
        var sum = 0L
        for (i in 0 until calls) sum += GlobalScopeForJava.future { service.returnsAtOnce(i) }.join()
        return sum
    }

    /** [futureJoinReturnsAtOnce] for [BridgeService.suspendsOnce]. */
    @JvmStatic
    public fun futureJoinSuspendsOnce(service: BridgeService, calls: Int): Long {
        var sum = 0L
        for (i in 0 until calls) sum += GlobalScopeForJava.future { service.suspendsOnce(i) }.join()
        return sum
    }

    /** The other usual way from Java: `runBlocking { f() }` per call, on the calling thread. */
    @JvmStatic
    public fun runBlockingReturnsAtOnce(service: BridgeService, calls: Int): Long {
        var sum = 0L
        for (i in 0 until calls) sum += runBlocking { service.returnsAtOnce(i) }
        return sum
    }

    /** [runBlockingReturnsAtOnce] for [BridgeService.suspendsOnce]. */
    @JvmStatic
    public fun runBlockingSuspendsOnce(service: BridgeService, calls: Int): Long {
        var sum = 0L
        for (i in 0 until calls) sum += runBlocking { service.suspendsOnce(i) }
        return sum
    }

    private val GlobalScopeForJava = CoroutineScope(Dispatchers.Default + SupervisorJob())

    private suspend fun callReturnsAtOnce(service: BridgeService, calls: Int, bh: Blackhole): Long {
        var sum = 0L
        for (i in 0 until calls) {
            val r = service.returnsAtOnce(i)
            bh.consume(r)
            sum += r
        }
        return sum
    }

    private suspend fun callSuspendsOnce(service: BridgeService, calls: Int, bh: Blackhole): Long {
        var sum = 0L
        for (i in 0 until calls) {
            val r = service.suspendsOnce(i)
            bh.consume(r)
            sum += r
        }
        return sum
    }
}

/**
 * The Kotlin service of workload 6: the `suspend` functions that Java calls through aio4j's Kotlin
 * interop, and Kotlin calls directly.
 */
public class BridgeService {
    /** A `suspend` function that returns without suspending. */
    public suspend fun returnsAtOnce(x: Int): Int = x + 1

    /** A `suspend` function that suspends once (a `yield()` through its dispatcher) and then returns. */
    public suspend fun suspendsOnce(x: Int): Int {
        yield()
        return x + 1
    }
}
