/*
 * The Kotlin team's application runs on Dispatchers.Default; the Java team's loop runs on a thread
 * of its own (runForever), and the Kotlin code reaches it through its dispatcher: launch(loop's
 * dispatcher), task(loop's dispatcher) { }, withContext(loop's dispatcher). Hundreds of
 * coroutineScopes on one running loop, each with Java tasks and Kotlin tasks as children, a child
 * failing on either side, the scope cancelled from Kotlin, or a Java task cancelled from Java, at
 * random moments. Checks the structured-concurrency contract across the line: the scope returns
 * only after every child's finally (Java's included) has run, the failure that ends it is the
 * child's (same instance or kotlinx's recovered copy of it), await() and the Java task agree on
 * one instance, and nothing is left on the loop.
 */
package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.LoopOptions
import dev.aio4j.Task
import dev.aio4j.TaskState
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import java.time.Duration
import java.util.Collections
import java.util.concurrent.CancellationException
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(90)
class KotlinFirstAppOverARunningLoopTest {
    private val rounds = Integer.getInteger("composed.rounds", 300)

    private enum class Mode { NONE, KOTLIN_CHILD_FAILS, JAVA_TASK_FAILS, SCOPE_CANCELLED_FROM_KOTLIN, JAVA_TASK_CANCELLED_FROM_JAVA }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun coroutineScopesOnDefaultWithChildrenOnTheLoop(threading: LoopOptions.Threading) {
        val before = aio4jThreads()
        val loop: Loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
        val reported: MutableList<Throwable?> = Collections.synchronizedList(ArrayList())
        loop.setExceptionHandler { _, c -> reported.add(c.exception()) }
        val running = CountDownLatch(1)
        val runner = Thread({ loop.callSoon { running.countDown() }; loop.runForever() }, "loop-runner")
        runner.start()
        assertTrue(running.await(10, TimeUnit.SECONDS))
        val onLoop = loop.asCoroutineDispatcher()
        try {
            eachRound("$threading Kotlin-first app", rounds) { round, f ->
                val r = ThreadLocalRandom.current()
                val mode = Mode.entries[round % Mode.entries.size]
                val jStarted = AtomicInteger()
                val jFinished = AtomicInteger()
                val kStarted = AtomicInteger()
                val kFinished = AtomicInteger()
                val javaTasks: MutableList<Task<Int>> = Collections.synchronizedList(ArrayList())
                val awaitThrew: MutableList<Pair<Task<Int>, Throwable>> = Collections.synchronizedList(ArrayList())
                val kFail = KotlinSideFailure("kotlin child failed (round $round)")
                val jFail = JavaSideFailure("java task failed (round $round)")
                val cancel = CancellationException("scope cancelled from Kotlin (round $round)")
                val atScopeEnd = AtomicReference<String>()
                val ms = List(6) { r.nextLong(5) }
                val outcome = runBlocking(Dispatchers.Default) {
                    runCatching {
                        withTimeout(20_000) {
                            try {
                                coroutineScope {
                                    repeat(2) { i ->
                                        launch(onLoop) {
                                            val jt = loop.createTask<Int> {
                                                jStarted.incrementAndGet()
                                                try {
                                                    Async.sleep(Duration.ofMillis(ms[i]))
                                                    if (mode == Mode.JAVA_TASK_FAILS && i == 0) throw jFail
                                                    i
                                                } finally {
                                                    jFinished.incrementAndGet()
                                                }
                                            }
                                            javaTasks.add(jt)
                                            try {
                                                jt.await()
                                            } catch (e: Throwable) {
                                                awaitThrew.add(jt to e)
                                                throw e
                                            }
                                        }
                                    }
                                    repeat(2) { i ->
                                        task(onLoop) {
                                            kStarted.incrementAndGet()
                                            try {
                                                delay(ms[2 + i])
                                                if (mode == Mode.KOTLIN_CHILD_FAILS && i == 0) throw kFail
                                                i
                                            } finally {
                                                withContext(NonCancellable) { delay(1) }
                                                kFinished.incrementAndGet()
                                            }
                                        }
                                    }
                                    launch { withContext(onLoop) { Async.sleepAsync(Duration.ofMillis(ms[4])).await() } }
                                    when (mode) {
                                        Mode.SCOPE_CANCELLED_FROM_KOTLIN -> launch { delay(ms[5]); this@coroutineScope.cancel(cancel) }
                                        Mode.JAVA_TASK_CANCELLED_FROM_JAVA -> launch(onLoop) {
                                            while (javaTasks.isEmpty()) delay(1)
                                            val target = javaTasks[0]
                                            loop.createTask<Boolean> { Async.sleep(Duration.ofMillis(ms[5])); target.cancel() }.await()
                                        }
                                        else -> {}
                                    }
                                }
                            } finally {
                                val pending = javaTasks.count { !it.isDone }
                                if (jStarted.get() != jFinished.get() || kStarted.get() != kFinished.get() || pending > 0) {
                                    atScopeEnd.set("java ${jStarted.get()}/${jFinished.get()} kotlin ${kStarted.get()}/${kFinished.get()} pending $pending")
                                }
                            }
                        }
                    }
                }
                atScopeEnd.get()?.let { f.add("$mode: when coroutineScope ended: $it") }
                val e = outcome.exceptionOrNull()
                when (mode) {
                    Mode.NONE, Mode.JAVA_TASK_CANCELLED_FROM_JAVA -> if (e != null) f.add("$mode: the scope threw $e")
                    Mode.KOTLIN_CHILD_FAILS -> if (!isOrCopies(e, kFail)) f.add("KOTLIN_CHILD_FAILS: the scope threw $e")
                    Mode.JAVA_TASK_FAILS -> if (!isOrCopies(e, jFail)) f.add("JAVA_TASK_FAILS: the scope threw $e")
                    Mode.SCOPE_CANCELLED_FROM_KOTLIN -> if (e != null && !isOrCopies(e, cancel)) f.add("SCOPE_CANCELLED_FROM_KOTLIN: the scope threw $e")
                }
                for ((jt, thrown) in awaitThrew) {
                    if (jt.state() == TaskState.FAILED && thrown !== jt.exceptionNow()) f.add("$mode: await threw $thrown, the task failed with ${jt.exceptionNow()}")
                    if (jt.state() == TaskState.CANCELLED && thrown !== endedWith(jt)) f.add("$mode: await threw $thrown, the task was cancelled with ${endedWith(jt)}")
                }
                val left = runBlocking { withContext(onLoop) { loop.allTasks().filter { !it.isDone } } }
                if (left.isNotEmpty()) f.add("$mode: tasks left on the loop: $left")
            }
        } finally {
            loop.callSoon { loop.stop() }
            runner.join(10_000)
            loop.close()
        }
        val leftThreads = aio4jThreads() - before
        assertTrue(leftThreads.isEmpty(), "threads left: $leftThreads")
        assertTrue(reported.isEmpty(), "reported to the loop's handler: $reported")
    }
}
