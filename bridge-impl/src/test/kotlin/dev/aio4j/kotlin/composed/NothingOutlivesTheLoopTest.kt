/*
 * A mixed program closed at a random moment: a Kotlin task whose coroutineScope holds Java blocking
 * tasks (awaited), Kotlin task children with suspending finally blocks, a generator collected
 * through buffer(), a Java TaskGroup with Kotlin and Java children, a Kotlin flow read by a Java
 * blocking task through its blocking view, and work on Dispatchers.IO inside a task; beside it, a
 * task of a scope of its own and a Java task nobody awaits. Loop.close() cancels the pending tasks
 * and waits for them (ARCHITECTURE, rule 10), so when it returns: every task is done, every job
 * under a task has completed, every finally that began has run, and no thread of aio4j's is alive.
 * A coroutine launched on the loop's dispatcher outside any task ends soon after (it goes on on
 * Dispatchers.IO to run its finally, asCoroutineDispatcher's KDoc).
 */
package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.Task
import dev.aio4j.kotlin.asAsyncIterable
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import dev.aio4j.stream.AsyncIterable
import java.time.Duration
import java.util.Collections
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(90)
class NothingOutlivesTheLoopTest {
    private val rounds = Integer.getInteger("composed.rounds", 150)

    private class Counts {
        val kStarted = AtomicInteger()
        val kFinished = AtomicInteger()
        val jStarted = AtomicInteger()
        val jFinished = AtomicInteger()
        val tasks: MutableList<Task<*>> = Collections.synchronizedList(ArrayList())
        val jobs: MutableList<Job> = Collections.synchronizedList(ArrayList())

        suspend fun <T> inKotlin(block: suspend () -> T): T {
            kStarted.incrementAndGet()
            try {
                return block()
            } finally {
                withContext(NonCancellable) { delay(1) }
                kFinished.incrementAndGet()
            }
        }

        fun <T> inJava(block: () -> T): T {
            jStarted.incrementAndGet()
            try {
                return block()
            } finally {
                jFinished.incrementAndGet()
            }
        }

        fun <T : Task<*>> keep(t: T): T = t.also { tasks.add(it) }
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun closeAtARandomMomentLeavesNothingBehind(threading: LoopOptions.Threading) {
        eachRound("$threading close at random", rounds) { _, f ->
            val r = ThreadLocalRandom.current()
            val c = Counts()
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            val before = aio4jThreads()
            val parent = SupervisorJob()
            val strayParent = SupervisorJob()
            val generator = AsyncIterable.generate<Int>(8) { e -> c.inJava { var i = 0; while (true) { e.emit(i++); if (i % 32 == 0) Async.sleep(Duration.ofMillis(1)) } } }
            val kotlinFlow = flow { c.inKotlin { var i = 0; while (true) { emit(i++); if (i % 32 == 0) delay(1) } } }
            try {
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + parent)
                c.keep(scope.task {
                    c.jobs.add(coroutineContext[Job]!!)
                    coroutineScope {
                        launch { c.keep(loop.createTask<Int> { c.inJava { Thread.sleep(60_000); 0 } }).await() }
                        c.keep(task { c.inKotlin { awaitCancellation() } })
                        launch { c.inKotlin { generator.asFlow().buffer(4).collect { } } }
                        launch {
                            c.keep(Async.taskGroupAsync<Int> { tg ->
                                c.keep(tg.kotlinTask { c.inKotlin { delay(60_000); 1 } })
                                c.keep(tg.createTask<Int> { c.inJava { Async.sleep(Duration.ofMillis(60_000)); 2 } })
                            }).await()
                        }
                        launch {
                            c.keep(loop.createTask<Int> {
                                c.inJava {
                                    kotlinFlow.asAsyncIterable().blocking().use { view -> var n = 0; for (x in view) n += x; n }
                                }
                            }).await()
                        }
                        launch { c.inKotlin { withContext(Dispatchers.IO) { c.jobs.add(coroutineContext[Job]!!); delay(60_000) } } }
                    }
                })
                // beside it: a task of a scope of its own, a Java task nobody awaits, a plain coroutine on the loop
                c.keep(CoroutineScope(loop.asCoroutineDispatcher()).task { c.inKotlin { delay(60_000) } })
                c.keep(loop.createTask<Int> { c.inJava { Async.sleep(Duration.ofMillis(60_000)); 3 } })
                // (its finally does not suspend: a suspending one after the close is ClosedLoopFinallyTest's)
                val strayFinished = AtomicInteger()
                val stray = CoroutineScope(loop.asCoroutineDispatcher() + strayParent).launch {
                    try { delay(60_000) } finally { strayFinished.incrementAndGet() }
                }

                val ms = r.nextLong(10)
                loop.runUntilComplete(loop.createTask<Unit> { Async.sleep(Duration.ofMillis(ms)) })
                loop.close()
                // close() has returned: all of this is over now
                for (t in c.tasks.toList()) if (!t.isDone) f.add("task not done after close: $t")
                checkAllTasksDone(loop, f, "after close")
                for (j in c.jobs.toList()) if (!j.isCompleted) f.add("job of a task still active after close: $j")
                if (parent.children.any { !it.isCompleted }) f.add("a child of the scope is active after close: ${parent.children.toList()}")
                if (c.jStarted.get() != c.jFinished.get()) f.add("java finally: started ${c.jStarted} finished ${c.jFinished} (after ${ms} ms)")
                checkNoNewThreads(before, f)
                // the plain coroutine (no task) ends soon after: its finally runs on Dispatchers.IO
                val ended = runBlocking { withTimeoutOrNull(5_000) { stray.join(); true } }
                if (ended != true || strayFinished.get() != 1) f.add("a coroutine launched on the loop outside any task: ended $ended, finally ran ${strayFinished.get()} times")
                if (c.kStarted.get() != c.kFinished.get()) f.add("kotlin finally: started ${c.kStarted} finished ${c.kFinished} (after ${ms} ms)")
            } finally {
                loop.close()
            }
            val reports = rl.reportedExceptions()
            if (reports.isNotEmpty()) f.add("reported: $reports")
        }
    }
}
