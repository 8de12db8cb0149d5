/*
 * The Java team's TaskGroup holding the Kotlin team's coroutines: a group opened from a Kotlin
 * coroutine (Async.taskGroupAsync, awaited) or from a Java blocking task (Async.taskGroup), whose
 * tasks are Kotlin coroutines (CoroutineScope.task returned by createTaskAsync) and Java blocking
 * bodies. A child fails on either side, or the group is cancelled from Kotlin (the awaiting
 * coroutine's job) or from Java (Task.cancel), at random moments. Checks the group's rules
 * (fail-fast, first failure as the same instance, a cancellation stays one) and that every child's
 * finally has run when the group is done.
 */
package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.Task
import dev.aio4j.TaskGroup
import dev.aio4j.TaskState
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import java.time.Duration
import java.util.Collections
import java.util.concurrent.CancellationException
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

/** How the Kotlin team puts a coroutine into a Java TaskGroup: a task of the loop that the group's task follows. */
fun <T> TaskGroup.kotlinTask(block: suspend CoroutineScope.() -> T): Task<T> =
    createTaskAsync { CoroutineScope(loop().asCoroutineDispatcher()).task(block = block) }

@Timeout(60)
class JavaTaskGroupWithKotlinChildrenTest {
    private val rounds = Integer.getInteger("composed.rounds", 200)

    private enum class Mode { NONE, KOTLIN_CHILD_FAILS, JAVA_CHILD_FAILS, CANCEL_FROM_KOTLIN, CANCEL_FROM_JAVA }

    private class Seen {
        val started = AtomicInteger()
        val finished = AtomicInteger()
        val children: MutableList<Task<*>> = Collections.synchronizedList(ArrayList())
        /** Taken in the group's done callback. */
        val atGroupDone = AtomicReference<String>()
    }

    /** Fills a group: two Kotlin coroutines, two Java blocking bodies; one of them may fail. */
    private fun fill(tg: TaskGroup, seen: Seen, mode: Mode, failing: Int, kFail: Throwable, jFail: Throwable) {
        val r = ThreadLocalRandom.current()
        repeat(2) { i ->
            val ms = r.nextLong(6)
            seen.children.add(tg.kotlinTask {
                seen.started.incrementAndGet()
                try {
                    delay(ms)
                    if (mode == Mode.KOTLIN_CHILD_FAILS && i == failing) throw kFail
                    i
                } finally {
                    withContext(NonCancellable) { delay(1) } // a finally that suspends
                    seen.finished.incrementAndGet()
                }
            })
        }
        repeat(2) { i ->
            val ms = r.nextLong(6)
            seen.children.add(tg.createTask<Int> {
                seen.started.incrementAndGet()
                try {
                    Async.sleep(Duration.ofMillis(ms))
                    if (mode == Mode.JAVA_CHILD_FAILS && i == failing) throw jFail
                    10 + i
                } finally {
                    seen.finished.incrementAndGet()
                }
            })
        }
    }

    private fun check(mode: Mode, group: Task<*>, caught: Throwable?, seen: Seen, kFail: Throwable, jFail: Throwable, kotlinCancel: Throwable, f: MutableList<String>) {
        seen.atGroupDone.get()?.let { f.add("$mode: when the group was done: $it") }
        val ended = endedWith(group)
        when (mode) {
            Mode.NONE -> if (group.state() != TaskState.SUCCESS || caught != null) f.add("NONE: group ${group.state()} $ended, awaiter caught $caught")
            Mode.KOTLIN_CHILD_FAILS -> if (ended !== kFail || caught !== kFail) f.add("KOTLIN_CHILD_FAILS: group ended $ended, awaiter caught $caught")
            Mode.JAVA_CHILD_FAILS -> if (ended !== jFail || caught !== jFail) f.add("JAVA_CHILD_FAILS: group ended $ended, awaiter caught $caught")
            Mode.CANCEL_FROM_KOTLIN, Mode.CANCEL_FROM_JAVA -> {
                // the request may come after the group finished: then it succeeded
                when (group.state()) {
                    TaskState.SUCCESS -> {}
                    TaskState.CANCELLED -> if (caught !== ended) f.add("$mode: group ended $ended but the awaiter caught $caught")
                    else -> f.add("$mode: group ended ${group.state()} $ended")
                }
            }
        }
        if (mode == Mode.CANCEL_FROM_KOTLIN && group.state() == TaskState.CANCELLED && caught !== kotlinCancel) {
            f.add("CANCEL_FROM_KOTLIN: the awaiter's own cancellation did not come back: caught $caught")
        }
        for (c in seen.children) if (!c.isDone) f.add("$mode: child not done: $c")
    }

    /** A group opened and awaited by a Kotlin coroutine on the loop. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun groupAwaitedByAKotlinCoroutine(threading: LoopOptions.Threading) {
        awaitedGroupRounds("$threading taskGroupAsync from Kotlin", threading, "no group made") { loop, fillGroup ->
            Async.taskGroupAsync<String> { tg ->
                fillGroup(tg)
                // the body's own stage is a Kotlin coroutine too
                CoroutineScope(loop.asCoroutineDispatcher()).task { delay(3); "body" }
            }
        }
    }

    /** A group opened by a Java blocking task (Async.taskGroup) that a Kotlin coroutine awaits; Kotlin and Java children. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun groupOfAJavaBlockingTaskAwaitedFromKotlin(threading: LoopOptions.Threading) {
        awaitedGroupRounds("$threading Async.taskGroup in a Java task", threading, "no Java task made") { loop, fillGroup ->
            loop.createTask<String> {
                Async.taskGroup<String> { tg ->
                    fillGroup(tg)
                    "body"
                }
            }
        }
    }

    /**
     * The rounds of the two tests above: a Kotlin coroutine on the loop makes the awaited task with
     * [make] (whose group is filled by the function it is given) and awaits it; each round is left
     * alone, or cancelled from Kotlin (the awaiter's job) or from Java (the awaited task) at a random
     * moment; then [check], every task done, no thread left, nothing reported. [notMade] names a
     * round in which the task was never made.
     */
    private fun awaitedGroupRounds(label: String, threading: LoopOptions.Threading, notMade: String, make: (dev.aio4j.Loop, (TaskGroup) -> Unit) -> Task<String>) {
        eachRound(label, rounds) { round, f ->
            val r = ThreadLocalRandom.current()
            val mode = Mode.entries[round % Mode.entries.size]
            val seen = Seen()
            val kFail = KotlinSideFailure("kotlin child failed (round $round)")
            val jFail = JavaSideFailure("java child failed (round $round)")
            val kotlinCancel = CancellationException("awaiter cancelled from Kotlin (round $round)")
            val failing = r.nextInt(2)
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            val before = aio4jThreads()
            val awaitedRef = AtomicReference<Task<String>>()
            val caught = AtomicReference<Throwable>()
            try {
                val awaiterJob = Job()
                val awaiter = CoroutineScope(loop.asCoroutineDispatcher() + awaiterJob).task {
                    val awaited = make(loop) { tg -> fill(tg, seen, mode, failing, kFail, jFail) }
                    awaited.addDoneCallback {
                        if (seen.started.get() != seen.finished.get()) seen.atGroupDone.set("started ${seen.started} finished ${seen.finished}")
                    }
                    awaitedRef.set(awaited)
                    try {
                        awaited.await()
                    } catch (e: Throwable) {
                        caught.set(e)
                        throw e
                    }
                }
                when (mode) {
                    Mode.CANCEL_FROM_KOTLIN -> {
                        val ms = r.nextLong(6)
                        CoroutineScope(Dispatchers.Default).launch { delay(ms); awaiterJob.cancel(kotlinCancel) }
                    }
                    Mode.CANCEL_FROM_JAVA -> {
                        val ms = r.nextLong(6)
                        loop.createTask<Boolean> {
                            Async.sleep(Duration.ofMillis(ms))
                            while (awaitedRef.get() == null && !awaiter.isDone) Thread.onSpinWait()
                            awaitedRef.get()?.cancel() ?: false
                        }
                    }
                    else -> {}
                }
                runCatching { loop.runUntilComplete(awaiter) }
                runCatching { loop.runUntilComplete(Async.gatherOutcomes(loop.allTasks().filter { it !== awaiter })) }
                val awaited = awaitedRef.get()
                if (awaited == null) {
                    // cancelled before the awaiter's first step: nothing was made
                    if (mode != Mode.CANCEL_FROM_KOTLIN || seen.started.get() != 0) f.add("$mode: $notMade, awaiter ${awaiter.state()}")
                } else {
                    check(mode, awaited, caught.get(), seen, kFail, jFail, kotlinCancel, f)
                }
                checkAllTasksDone(loop, f, "after the run")
            } finally {
                loop.close()
            }
            checkNoNewThreads(before, f)
            if (rl.reportedExceptions().isNotEmpty()) f.add("$mode: reported: ${rl.reportedExceptions()}")
        }
    }

    /**
     * A Kotlin coroutine (a CoroutineScope.task child of a supervisor scope) that fails inside a
     * Java group: the group fails with it, and the failure is not reported a second time to the
     * loop's handler (the group retrieved it).
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aKotlinFailureInAGroupIsSeenOnce(threading: LoopOptions.Threading) {
        eachRound("$threading failure seen once", rounds / 4) { round, f ->
            val kFail = KotlinSideFailure("kotlin child failed (round $round)")
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            try {
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
                val thrown = runCatching {
                    loop.runUntilComplete(scope.task {
                        Async.taskGroupAsync<Int> { tg ->
                            tg.kotlinTask<Int> { delay(1); throw kFail }
                            tg.createTask<Int> { Async.sleep(Duration.ofMillis(50)); 1 }
                        }.await()
                    })
                }.exceptionOrNull()
                if (thrown !== kFail) f.add("the run threw $thrown")
            } finally {
                loop.close()
            }
            val reports = rl.reportedExceptions()
            if (reports.isNotEmpty()) f.add("reported: $reports")
        }
    }
}
