/*
 * The Java team's async generators (blocking generate, non-blocking generateAsync, and a Kotlin
 * flow on Dispatchers.IO seen as an AsyncIterable) collected by the Kotlin team as Flows through
 * kotlinx operators (buffer, conflate, flatMapMerge, zip, combine, timeout, catch, retry, take),
 * then handed back to Java (asAsyncIterable().forEach, toList) or collected in Kotlin (collect,
 * first, a collector that throws, a job cancelled at a random moment). Checks: every generator
 * opened is closed exactly once by the time the terminal operation has completed (its finally has
 * run), no failure thrown anywhere is lost (it reaches the terminal operation, an operator that
 * caught it, or the loop's exception handler), no task is left and no thread outlives the loop.
 */
@file:OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class, kotlinx.coroutines.FlowPreview::class)

package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.LoopOptions
import dev.aio4j.Task
import dev.aio4j.kotlin.asAsyncIterable
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import dev.aio4j.stream.AsyncEmitter
import dev.aio4j.stream.AsyncIterable
import java.time.Duration
import java.util.Collections
import java.util.IdentityHashMap
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flatMapMerge
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.retry
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.timeout
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.flow.zip
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(90)
class FlowOperatorsOverGeneratorsTest {
    private val rounds = Integer.getInteger("composed.rounds", 200)

    /** A source of the Java team's, counting its openings and its finally blocks, recording every failure it throws. */
    private class Source(val id: Int, val n: Int, val failAt: Int, val kind: Int, val buffer: Int) {
        val opened = AtomicInteger()
        val closed = AtomicInteger()
        val thrown: MutableList<Throwable> = Collections.synchronizedList(ArrayList())

        fun fail(): JavaSideFailure = JavaSideFailure("source $id (kind $kind) failed at $failAt").also { thrown.add(it) }

        private fun step(e: AsyncEmitter<Int>, i: Int): CompletionStage<Any?> = when {
            i == n -> CompletableFuture.completedFuture<Any?>(null)
            i == failAt -> throw fail()
            i % 16 == 15 -> Async.sleepAsync(Duration.ZERO).thenCompose { e.emitAsync(i) }.thenCompose { step(e, i + 1) }
            else -> e.emitAsync(i).thenCompose { step(e, i + 1) }
        }

        val iterable: AsyncIterable<Int> = when (kind) {
            0 -> AsyncIterable.generate<Int>(buffer) { e ->
                opened.incrementAndGet()
                try {
                    for (i in 0 until n) {
                        if (i == failAt) throw fail()
                        if (i % 16 == 15) Async.sleep(if (i % 48 == 47) Duration.ofMillis(1) else Duration.ZERO)
                        e.emit(i)
                    }
                } finally {
                    closed.incrementAndGet()
                }
            }
            1 -> AsyncIterable.generateAsync<Int>(buffer) { e ->
                opened.incrementAndGet()
                val body: CompletionStage<Any?> = try {
                    step(e, 0)
                } catch (t: Throwable) {
                    CompletableFuture.failedFuture<Any?>(t)
                }
                body.whenComplete { _, _ -> closed.incrementAndGet() }
            }
            else -> flow {
                opened.incrementAndGet()
                try {
                    for (i in 0 until n) {
                        if (i == failAt) throw fail()
                        if (i % 16 == 15) yield()
                        emit(i)
                    }
                } finally {
                    closed.incrementAndGet()
                }
            }.flowOn(Dispatchers.IO).asAsyncIterable()
        }
    }

    /** Whether [t] is in [root]'s causes or suppressed exceptions (or is [root]). */
    private fun contains(root: Throwable?, t: Throwable): Boolean {
        val seen = Collections.newSetFromMap(IdentityHashMap<Throwable, Boolean>())
        fun walk(x: Throwable?): Boolean {
            if (x == null || !seen.add(x)) return false
            if (x === t) return true
            return walk(x.cause) || x.suppressed.any { walk(it) }
        }
        return walk(root)
    }

    private fun pipeline(op: Int, sources: List<Source>, caughtByOperators: MutableList<Throwable>): Flow<Int> {
        val r = ThreadLocalRandom.current()
        val a = sources[0].iterable.asFlow()
        return when (op) {
            0 -> a.buffer(1 + r.nextInt(8))
            1 -> a.conflate()
            2 -> flowOf(sources[0], sources[1]).flatMapMerge(2) { it.iterable.asFlow() }
            3 -> a.zip(sources[1].iterable.asFlow()) { x, y -> x + y }
            4 -> a.combine(sources[1].iterable.asFlow()) { x, y -> x + y }
            5 -> a.timeout((1 + r.nextInt(4)).milliseconds).catch { e ->
                if (e is TimeoutCancellationException) emit(-1) else throw e
            }
            6 -> a.catch { e -> caughtByOperators.add(e); emit(-1) }
            7 -> a.retry(2) { e -> caughtByOperators.add(e); e is JavaSideFailure }
            else -> a.map { it }
        }
    }

    private enum class Terminal { COLLECT, COLLECTOR_THROWS, FIRST, JAVA_FOR_EACH, JAVA_FOR_EACH_CANCELLED, TO_LIST, JOB_CANCELLED }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun generatorsThroughOperatorsAndBack(threading: LoopOptions.Threading) {
        eachRound("$threading operators", rounds) { round, f ->
            val r = ThreadLocalRandom.current()
            val op = round % 9
            val terminal = Terminal.entries[(round / 9) % Terminal.entries.size]
            val sources = List(2) { id ->
                val n = 1 + r.nextInt(200)
                Source(id, n, if (r.nextInt(3) == 0) r.nextInt(n) else -1, r.nextInt(3), 1 + r.nextInt(64))
            }
            val takeN = if (r.nextBoolean()) 1 + r.nextInt(100) else -1
            val throwAt = r.nextInt(150)
            val caughtByOperators: MutableList<Throwable> = Collections.synchronizedList(ArrayList())
            val collectorThrew = AtomicReference<Throwable>()
            val got: MutableList<Int> = Collections.synchronizedList(ArrayList())
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            val before = aio4jThreads()
            var terminalFailure: Throwable? = null
            var openAtEnd = ""
            try {
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
                val run = scope.task {
                    var piped = pipeline(op, sources, caughtByOperators)
                    if (takeN > 0) piped = piped.take(takeN)
                    try {
                        when (terminal) {
                            Terminal.COLLECT -> piped.collect { got.add(it) }
                            Terminal.COLLECTOR_THROWS -> piped.collect {
                                if (got.size == throwAt) throw KotlinSideFailure("collector threw at $throwAt").also { e -> collectorThrew.set(e) }
                                got.add(it)
                            }
                            Terminal.FIRST -> got.add(piped.first())
                            Terminal.JAVA_FOR_EACH, Terminal.JAVA_FOR_EACH_CANCELLED -> {
                                // the Java team's code: a blocking task walking the flow with forEach
                                val iterable = piped.asAsyncIterable()
                                val javaTask: Task<Void?> = loop.createTask<Void?> {
                                    iterable.forEach { x ->
                                        if (got.size == throwAt) throw JavaSideFailure("action threw at $throwAt").also { e -> collectorThrew.set(e) }
                                        got.add(x)
                                    }.join()
                                }
                                if (terminal == Terminal.JAVA_FOR_EACH_CANCELLED) {
                                    delay(r.nextLong(4))
                                    javaTask.cancel()
                                }
                                javaTask.await()
                            }
                            Terminal.TO_LIST -> got.addAll(piped.asAsyncIterable().toList().await())
                            Terminal.JOB_CANCELLED -> {
                                val job = launch { piped.collect { got.add(it) } }
                                withContext(Dispatchers.Default) { delay(r.nextLong(4)) }
                                job.cancelAndJoin()
                            }
                        }
                    } finally {
                        // the terminal operation is over: every opened source has run its finally
                        openAtEnd = sources.filter { it.opened.get() != it.closed.get() }
                            .joinToString { "source ${it.id} kind ${it.kind} opened ${it.opened} closed ${it.closed}" }
                    }
                    null
                }
                terminalFailure = runCatching { loop.runUntilComplete(run) }.exceptionOrNull()
                checkAllTasksDone(loop, f, "op $op $terminal")
            } finally {
                loop.close()
            }
            val where = "op $op $terminal take $takeN sources ${sources.map { "kind ${it.kind} n ${it.n} fail ${it.failAt}" }}"
            if (openAtEnd.isNotEmpty()) f.add("$where: when the terminal ended: $openAtEnd")
            for (s in sources) if (s.opened.get() != s.closed.get()) f.add("$where: after close: source ${s.id} opened ${s.opened} closed ${s.closed}")
            // no failure lost
            val reports = rl.reportedExceptions()
            val thrown = sources.flatMap { synchronized(it.thrown) { it.thrown.toList() } } + listOfNotNull(collectorThrew.get())
            for (t in thrown) {
                val seen = contains(terminalFailure, t) || caughtByOperators.any { contains(it, t) } || reports.any { contains(it, t) }
                if (!seen) f.add("$where: lost $t (the run ended with $terminalFailure, reports $reports)")
            }
            // and no failure from nowhere
            val failure = terminalFailure
            if (failure != null) {
                val explained = thrown.any { contains(failure, it) } ||
                    (failure is java.util.concurrent.CancellationException && terminal == Terminal.JAVA_FOR_EACH_CANCELLED) ||
                    (failure is NoSuchElementException && terminal == Terminal.FIRST)
                if (!explained) f.add("$where: the run failed with $failure")
            }
            // order, where the pipeline keeps it
            if (op == 0 || op == 8) {
                val list = synchronized(got) { got.toList() }
                for (i in list.indices) if (list[i] != i) { f.add("$where: item $i is ${list[i]}"); break }
            }
            checkNoNewThreads(before, f)
        }
    }

    /**
     * The asFlow KDoc: a generator's flow moved to Dispatchers.IO by flowOn fails with
     * IllegalStateException ("no running event loop"); the failure reaches the collector, and no
     * generator was started.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aGeneratorsFlowMovedByFlowOnFailsAsDocumented(threading: LoopOptions.Threading) {
        val opened = AtomicInteger()
        val gen = AsyncIterable.generate<Int> { e -> opened.incrementAndGet(); e.emit(1) }
        val loop: Loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
        val thrown = try {
            runCatching {
                loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task {
                    gen.asFlow().map { it + 1 }.flowOn(Dispatchers.IO).collect { }
                })
            }.exceptionOrNull()
        } finally {
            loop.close()
        }
        assertTrue(thrown is IllegalStateException && thrown !is java.util.concurrent.CancellationException, "got $thrown")
        assertTrue(thrown!!.message!!.contains("no running event loop"), "message: ${thrown.message}")
        assertEquals(0, opened.get())
    }

    /**
     * take(n) over a generator that has failed after more than n elements, the failure in its
     * buffer: the generate KDoc's rule ("A failure the body ran into ahead of a consumer that then
     * stopped early ... is never dropped: the close reports it to the loop's exception handler").
     * The collection gets its n elements; the failure is seen exactly once (reported, or, if the
     * producer had not quite ended at the close, failing the close and so the collection).
     */
    @Test
    fun aFailureAheadOfTakeIsSeenOnce() {
        repeat(50) { round ->
            val fail = JavaSideFailure("failed ahead (round $round)")
            val finished = AtomicInteger()
            val gen = AsyncIterable.generate<Int>(16) { e ->
                try {
                    for (i in 0 until 5) e.emit(i)
                    throw fail
                } finally {
                    finished.incrementAndGet()
                }
            }
            val rl = RecordingLoop(LoopOptions.Threading.SINGLE_THREAD)
            val loop = rl.loop
            val got = AtomicReference<List<Int>>(emptyList())
            val thrown = try {
                runCatching {
                    loop.runUntilComplete(CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task {
                        // wait until the generator has run into its failure, then take less than it emitted
                        val list = gen.asFlow().onEach { x ->
                            if (x == 0) {
                                while (finished.get() == 0) delay(1)
                                delay(20)
                            }
                        }.take(2).toList()
                        got.set(list)
                    })
                }.exceptionOrNull()
            } finally {
                loop.close()
            }
            assertEquals(listOf(0, 1), got.get(), "round $round: the run threw $thrown, reports ${rl.reportedExceptions()}")
            assertEquals(1, finished.get())
            val reports = rl.reportedExceptions()
            val seen = reports.count { it === fail } + (if (thrown != null && contains(thrown, fail)) 1 else 0)
            assertEquals(1, seen, "round $round: the run threw $thrown, reports $reports")
        }
    }
}
