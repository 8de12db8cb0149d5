package dev.aio4j.interop

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asAsyncIterable
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import dev.aio4j.kotlin.use
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.sync.AsyncLock
import java.time.Duration
import java.util.concurrent.CancellationException
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

/**
 * The Kotlin side of mixed programs, rounds with random cancel moments: a Java generator collected
 * as a Flow (take, withTimeout, a job cancelled from another thread), a Kotlin flow through Java
 * (map, toPublisher/fromPublisher) and back, and coroutines on Dispatchers.Default and the loop
 * awaiting Java tasks that hold an AsyncLock under withTimeout. Java finally blocks run once, items
 * are a prefix in order, the right exception arrives, no task is left.
 */
class KotlinSideStressTest {
    private val rounds = Integer.getInteger("mixed.rounds", 150)

    /** Runs [round] [rounds] times, each adding its failures to the list it is given; fails with their count, the first and the last. */
    private fun eachRound(threading: LoopOptions.Threading, round: (Int, MutableList<String>) -> Unit) {
        val failures = ArrayList<String>()
        repeat(rounds) { i ->
            val f = ArrayList<String>()
            round(i, f)
            if (f.isNotEmpty()) failures.add("round $i: $f")
        }
        if (failures.isNotEmpty()) fail<Unit>("$threading: ${failures.size} of $rounds failed; first ${failures.first()}\nlast ${failures.last()}")
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun javaGeneratorAsFlowCancelledFromKotlin(threading: LoopOptions.Threading) {
        eachRound(threading) { round, f ->
            val r = ThreadLocalRandom.current()
            val n = 1 + r.nextInt(300)
            val opened = AtomicInteger()
            val closed = AtomicInteger()
            val failAt = if (r.nextBoolean()) r.nextInt(n) else -1
            val take = if (r.nextBoolean()) 1 + r.nextInt(n) else Int.MAX_VALUE
            val mode = r.nextInt(3)
            val cancelAfter = r.nextInt(4).toLong()
            val asyncGen = r.nextBoolean()
            val loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
            try {
                val gen: AsyncIterable<Int> = AsyncIterable.generate { e ->
                    opened.incrementAndGet()
                    try {
                        for (i in 0 until n) {
                            if (i == failAt) throw ServiceFailure("gen failed at $i")
                            if (i % 37 == 0) Async.sleep(Duration.ofMillis(1))
                            e.emit(i)
                        }
                    } finally {
                        closed.incrementAndGet()
                    }
                }
                val got = ArrayList<Int>()
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
                val outcome: Result<Unit> = loop.runUntilComplete(scope.task {
                    runCatching {
                        when (mode) {
                            0 -> gen.asFlow().take(take).collect { got.add(it) }
                            1 -> withTimeout(cancelAfter + 1) { gen.asFlow().take(take).collect { got.add(it) } }
                            else -> {
                                var failure: Throwable? = null
                                val job = launch { try { gen.asFlow().take(take).collect { got.add(it) } } catch (e: ServiceFailure) { failure = e } }
                                // cancelled from another thread at a random moment
                                withContext(Dispatchers.Default) { delay(cancelAfter) }
                                job.cancelAndJoin()
                                failure?.let { throw it }
                                if (job.isCancelled) throw CancellationException("cancelled from outside")
                            }
                        }
                    }
                })
                for (i in got.indices) if (got[i] != i) { f.add("mode $mode item $i is ${got[i]}"); break }
                val e = outcome.exceptionOrNull()
                val limit = if (failAt >= 0) minOf(failAt, take) else minOf(n, take)
                if (got.size > limit) f.add("mode $mode got ${got.size} > $limit")
                when {
                    e == null -> if (got.size != limit) f.add("mode $mode ok but got ${got.size} expected $limit (n $n fail $failAt take $take)")
                    // the generator runs ahead; failing while take()'s close stops it, it fails the close (documented)
                    e is ServiceFailure && take <= failAt -> if (got.size != take) f.add("mode $mode close-race failure with got ${got.size} take $take")
                    e is ServiceFailure -> if (failAt < 0 || got.size != failAt) f.add("mode $mode failure with got ${got.size} fail $failAt take $take")
                    e is CancellationException -> if (mode == 0) f.add("mode 0 cancelled: $e")
                    else -> f.add("mode $mode unexpected $e")
                }
                if (opened.get() != closed.get()) f.add("mode $mode generator opened ${opened.get()} closed ${closed.get()}")
                for (t in loop.allTasks()) if (!t.isDone) f.add("pending $t")
            } catch (t: Throwable) {
                f.add("threw $t")
            } finally {
                loop.close()
            }
            if (opened.get() != closed.get()) f.add("after close: generator opened ${opened.get()} closed ${closed.get()}")
        }
    }

    /** A Kotlin flow seen from Java (asAsyncIterable, map, toPublisher/fromPublisher) and back as a Flow, with take and cancellation. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun roundTripFlowWithTakeAndCancel(threading: LoopOptions.Threading) {
        eachRound(threading) { round, f ->
            val r = ThreadLocalRandom.current()
            val svc = MixedService()
            val n = 1 + r.nextInt(300)
            val take = 1 + r.nextInt(n + 10)
            val viaPublisher = r.nextBoolean()
            val cancelAfter = r.nextInt(4) - 1L
            val loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
            val got = ArrayList<Int>()
            try {
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
                val outcome = loop.runUntilComplete(scope.task {
                    runCatching {
                        var it: AsyncIterable<Int> = svc.numbers(n, -1, 1 + r.nextInt(20)).asAsyncIterable().map { x: Int -> x * 2 }
                        if (viaPublisher) it = AsyncIterable.fromPublisher(it.toPublisher())
                        val job = launch { it.asFlow().take(take).collect { x -> got.add(x) } }
                        if (cancelAfter >= 0) {
                            withContext(Dispatchers.Default) { delay(cancelAfter) }
                            job.cancel()
                        }
                        job.join()
                        job.isCancelled
                    }
                })
                for (i in got.indices) if (got[i] != 2 * i) { f.add("item $i is ${got[i]}"); break }
                val cancelled = outcome.getOrNull()
                if (outcome.isFailure) f.add("failed ${outcome.exceptionOrNull()}")
                if (cancelled == false && got.size != minOf(n, take)) f.add("pub $viaPublisher got ${got.size} expected ${minOf(n, take)}")
                for (t in loop.allTasks()) if (!t.isDone) {
                    // Reactive Streams' cancel() is a request: the publisher's walk ends after the
                    // subscriber's close has returned; it must end soon, though
                    if (viaPublisher) runCatching { loop.runUntilComplete(t.toCompletableFuture().handle { _, _ -> null }.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS)) }
                    if (!t.isDone) f.add("pending $t pub $viaPublisher cancelled $cancelled take $take n $n got ${got.size}")
                }
            } catch (t: Throwable) {
                f.add("threw $t")
            } finally {
                loop.close()
            }
            val deadline = System.nanoTime() + 5_000_000_000L
            while (svc.started.get() != svc.finallies.get() && System.nanoTime() < deadline) Thread.onSpinWait()
            if (svc.started.get() != svc.finallies.get()) f.add("pub $viaPublisher started ${svc.started} finallies ${svc.finallies}")
        }
    }

    /** Plain coroutines launched on the loop's dispatcher (not tasks) await Java work when the loop closes at a random moment: all end, every finally ran. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun launchedCoroutinesWhenTheLoopCloses(threading: LoopOptions.Threading) {
        eachRound(threading) { round, f ->
            val r = ThreadLocalRandom.current()
            val kStarted = AtomicInteger()
            val kFinally = AtomicInteger()
            val jStarted = AtomicInteger()
            val jFinally = AtomicInteger()
            val loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
            val parent = SupervisorJob()
            try {
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + parent)
                val gen: AsyncIterable<Int> = AsyncIterable.generate { e ->
                    jStarted.incrementAndGet()
                    try { var i = 0; while (true) { e.emit(i++); if (i % 50 == 0) Async.sleep(Duration.ofMillis(1)) } } finally { jFinally.incrementAndGet() }
                }
                repeat(4) { i ->
                    scope.launch {
                        kStarted.incrementAndGet()
                        try {
                            when (i) {
                                0 -> loop.createTask<Int> {
                                    jStarted.incrementAndGet()
                                    try { Thread.sleep(60_000); 0 } finally { jFinally.incrementAndGet() }
                                }.await()
                                1 -> gen.asFlow().collect { }
                                2 -> withTimeout(60_000) { delay(30_000) }
                                else -> AsyncLock.create().let { l -> l.acquireAsync().await(); l.acquireAsync().await() }
                            }
                        } finally {
                            kFinally.incrementAndGet()
                        }
                    }
                }
                val ms = r.nextInt(4)
                loop.runUntilComplete(loop.createTask<Any?> { Async.sleep(Duration.ofMillis(ms.toLong())); null })
            } catch (t: Throwable) {
                f.add("threw $t")
            } finally {
                loop.close()
            }
            val ended = runBlocking { withTimeoutOrNull(5_000) { parent.children.forEach { it.join() }; true } }
            if (ended != true) f.add("coroutines still running 5 s after the close: ${parent.children.toList()}")
            if (kStarted.get() != kFinally.get()) f.add("kotlin started $kStarted finally $kFinally")
            val deadline = System.nanoTime() + 5_000_000_000L
            while (jStarted.get() != jFinally.get() && System.nanoTime() < deadline) Thread.onSpinWait()
            if (jStarted.get() != jFinally.get()) f.add("java started $jStarted finally $jFinally")
        }
    }

    /** AsyncCloseable.use from Kotlin around Java resources whose close is a Java task; the coroutine cancelled at random: closed once, the close done before the job is. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun useClosesJavaResourceOnceWhenCancelled(threading: LoopOptions.Threading) {
        eachRound(threading) { round, f ->
            val r = ThreadLocalRandom.current()
            val closes = AtomicInteger()
            val closed = AtomicInteger()
            val began = AtomicInteger() // a coroutine cancelled before it starts never runs its body
            val loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
            try {
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
                loop.runUntilComplete(scope.task {
                    val resource = dev.aio4j.stream.AsyncCloseable {
                        closes.incrementAndGet()
                        loop.createTask<Any?> { try { Async.sleep(Duration.ofMillis(1)); null } finally { closed.incrementAndGet() } }.thenApply { null }
                    }
                    val job = launch(if (r.nextBoolean()) Dispatchers.Default else loop.asCoroutineDispatcher()) {
                        began.incrementAndGet()
                        resource.use { delay(r.nextInt(4).toLong()); loop.createTask<Int> { Async.sleep(Duration.ofMillis(2)); 1 }.await() }
                    }
                    delay(r.nextInt(4).toLong())
                    job.cancel()
                    job.join()
                    if (closes.get() != began.get()) f.add("began ${began.get()}, closed ${closes.get()} times")
                    if (closed.get() != began.get()) f.add("close not done when the job was: ${closed.get()}")
                })
                for (t in loop.allTasks()) if (!t.isDone) f.add("pending $t")
            } catch (t: Throwable) {
                f.add("threw $t")
            } finally {
                loop.close()
            }
        }
    }

    /** Kotlin coroutines (Default and loop dispatcher) await Java blocking tasks holding an AsyncLock, with withTimeout. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun kotlinAwaitsJavaTasksUnderTimeout(threading: LoopOptions.Threading) {
        eachRound(threading) { round, f ->
            val r = ThreadLocalRandom.current()
            val opened = AtomicInteger()
            val closed = AtomicInteger()
            val loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
            try {
                val lock = AsyncLock.create()
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
                val res = loop.runUntilComplete(scope.task {
                    val jobs = (0 until 4).map { i ->
                        async(if (i % 2 == 0) Dispatchers.Default else loop.asCoroutineDispatcher()) {
                            runCatching {
                                withTimeout(1L + r.nextInt(5)) {
                                    loop.createTask<Int> {
                                        opened.incrementAndGet()
                                        try {
                                            lock.withLock<Int> { Async.sleep(Duration.ofMillis(1)); i }
                                        } finally {
                                            closed.incrementAndGet()
                                        }
                                    }.await()
                                }
                            }
                        }
                    }
                    jobs.awaitAll()
                })
                for ((i, o) in res.withIndex()) {
                    val e = o.exceptionOrNull()
                    if (e == null && o.getOrNull() != i) f.add("value ${o.getOrNull()} for $i")
                    if (e != null && e !is TimeoutCancellationException) f.add("job $i: expected TimeoutCancellationException, got $e")
                }
                if (opened.get() != closed.get()) f.add("opened $opened closed $closed")
                if (lock.isLocked) f.add("lock left locked")
                for (t in loop.allTasks()) if (!t.isDone) f.add("pending $t")
            } catch (t: Throwable) {
                f.add("threw $t")
            } finally {
                loop.close()
            }
        }
    }
}
