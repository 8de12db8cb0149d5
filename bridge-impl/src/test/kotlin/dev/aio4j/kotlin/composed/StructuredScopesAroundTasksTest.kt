/*
 * A coroutines-first code base: coroutineScope and supervisorScope whose children await aio4j tasks
 * (Java blocking bodies, CoroutineScope.task children, a Deferred seen by Java through asTask), with
 * a child failing on either side, or the outer task cancelled from Kotlin (its parent job) or from
 * Java (Task.cancel), at random moments. Checks: who is cancelled, that the exception each side
 * sees is the documented instance, that every finally ran before the scope returned, and that no
 * failure is lost.
 */
package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.Task
import dev.aio4j.TaskState
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asTask
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
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(60)
class StructuredScopesAroundTasksTest {
    private val rounds = Integer.getInteger("composed.rounds", 200)

    private enum class Mode { NONE, KOTLIN_CHILD_FAILS, JAVA_TASK_FAILS, CANCEL_FROM_KOTLIN, CANCEL_FROM_JAVA }

    /** What one round saw; written by the loop's threads and Dispatchers.Default, read after the run. */
    private class Seen {
        val javaStarted = AtomicInteger()
        val javaFinished = AtomicInteger()
        val kotlinStarted = AtomicInteger()
        val kotlinFinished = AtomicInteger()
        val javaTasks: MutableList<Task<Int>> = Collections.synchronizedList(ArrayList())
        /** For each Java task an awaiting coroutine saw end with a cancellation: the task and what await threw. */
        val awaitCancelled: MutableList<Pair<Task<Int>, Throwable>> = Collections.synchronizedList(ArrayList())
        val awaitFailed: MutableList<Pair<Task<Int>, Throwable>> = Collections.synchronizedList(ArrayList())
        /** Taken in the outer coroutine's finally, after coroutineScope has returned or thrown. */
        val unfinishedAtScopeEnd = AtomicReference<String>()
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun coroutineScopeOverJavaAndKotlinChildren(threading: LoopOptions.Threading) {
        eachRound("$threading coroutineScope", rounds) { round, f ->
            val r = ThreadLocalRandom.current()
            val mode = Mode.entries[round % Mode.entries.size]
            val seen = Seen()
            val jFail = JavaSideFailure("java child failed (round $round)")
            val kFail = KotlinSideFailure("kotlin child failed (round $round)")
            val kotlinCancel = CancellationException("cancelled from Kotlin (round $round)")
            val failingJava = r.nextInt(3)
            val failingKotlin = r.nextInt(2)
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            val before = aio4jThreads()
            val parent = Job()
            try {
                val outer: Task<String> = CoroutineScope(loop.asCoroutineDispatcher() + parent).task {
                    try {
                        coroutineScope {
                            // Java blocking tasks, each made and awaited by a child coroutine
                            repeat(3) { i ->
                                launch {
                                    val jt = loop.createTask<Int> {
                                        seen.javaStarted.incrementAndGet()
                                        try {
                                            Async.sleep(Duration.ofMillis(r.nextLong(6)))
                                            if (mode == Mode.JAVA_TASK_FAILS && i == failingJava) throw jFail
                                            i
                                        } finally {
                                            seen.javaFinished.incrementAndGet()
                                        }
                                    }
                                    seen.javaTasks.add(jt)
                                    try {
                                        jt.await()
                                    } catch (e: CancellationException) {
                                        seen.awaitCancelled.add(jt to e)
                                        throw e
                                    } catch (e: Throwable) {
                                        seen.awaitFailed.add(jt to e)
                                        throw e
                                    }
                                }
                            }
                            // Kotlin children as tasks of this scope
                            repeat(2) { i ->
                                task {
                                    seen.kotlinStarted.incrementAndGet()
                                    try {
                                        delay(r.nextLong(6))
                                        if (mode == Mode.KOTLIN_CHILD_FAILS && i == failingKotlin) throw kFail
                                        i
                                    } finally {
                                        withContext(NonCancellable) { delay(1) }
                                        seen.kotlinFinished.incrementAndGet()
                                    }
                                }
                            }
                            // a Deferred of this scope, joined by a Java blocking task
                            val d = async {
                                seen.kotlinStarted.incrementAndGet()
                                try { delay(r.nextLong(6)); 7 } finally { seen.kotlinFinished.incrementAndGet() }
                            }
                            launch {
                                val viaJava = loop.createTask<Int> {
                                    seen.javaStarted.incrementAndGet()
                                    try { d.asTask().join() * 2 } finally { seen.javaFinished.incrementAndGet() }
                                }
                                seen.javaTasks.add(viaJava)
                                try {
                                    viaJava.await()
                                } catch (e: CancellationException) {
                                    seen.awaitCancelled.add(viaJava to e)
                                    throw e
                                }
                            }
                        }
                        "done"
                    } finally {
                        val j = "java ${seen.javaStarted.get()}/${seen.javaFinished.get()}"
                        val k = "kotlin ${seen.kotlinStarted.get()}/${seen.kotlinFinished.get()}"
                        val pending = seen.javaTasks.count { !it.isDone }
                        if (seen.javaStarted.get() != seen.javaFinished.get() || seen.kotlinStarted.get() != seen.kotlinFinished.get() || pending != 0) {
                            seen.unfinishedAtScopeEnd.set("$j $k, $pending Java tasks not done")
                        }
                    }
                }
                when (mode) {
                    Mode.CANCEL_FROM_KOTLIN -> {
                        val ms = r.nextLong(6)
                        CoroutineScope(Dispatchers.Default).launch { delay(ms); parent.cancel(kotlinCancel) }
                    }
                    Mode.CANCEL_FROM_JAVA -> {
                        val ms = r.nextLong(6)
                        loop.createTask<Boolean> { Async.sleep(Duration.ofMillis(ms)); outer.cancel() }
                    }
                    else -> {}
                }
                runCatching { loop.runUntilComplete(outer) }
                // the Java canceller may still be running when outer is done
                runCatching { loop.runUntilComplete(Async.gatherOutcomes(loop.allTasks().filter { it !== outer })) }

                seen.unfinishedAtScopeEnd.get()?.let { f.add("$mode: when coroutineScope ended: $it") }
                val ended = endedWith(outer)
                when (mode) {
                    Mode.NONE -> if (outer.state() != TaskState.SUCCESS) f.add("NONE: outer ended $ended")
                    Mode.KOTLIN_CHILD_FAILS -> {
                        // the failure cannot be missed: the failing child ran (its delay is at most 5 ms and nothing else cancels)
                        if (!isOrCopies(ended, kFail)) f.add("KOTLIN_CHILD_FAILS: outer ended $ended")
                    }
                    Mode.JAVA_TASK_FAILS -> {
                        if (!isOrCopies(ended, jFail)) f.add("JAVA_TASK_FAILS: outer ended $ended")
                        // await throws the task's failure, the same instance
                        val failed = seen.awaitFailed.filter { it.first.state() == TaskState.FAILED }
                        if (failed.none { it.second === jFail }) f.add("JAVA_TASK_FAILS: no awaiting coroutine got jFail itself: ${seen.awaitFailed.map { it.second }}")
                    }
                    Mode.CANCEL_FROM_KOTLIN, Mode.CANCEL_FROM_JAVA -> {
                        // the cancel may come after the scope finished: then outer succeeded
                        if (outer.state() != TaskState.CANCELLED && outer.state() != TaskState.SUCCESS) f.add("$mode: outer ended ${outer.state()} $ended")
                    }
                }
                if (mode == Mode.CANCEL_FROM_KOTLIN && outer.state() == TaskState.CANCELLED && ended !== kotlinCancel) {
                    f.add("CANCEL_FROM_KOTLIN: outer's cancellation is not the parent's instance: $ended")
                }
                // Task.await's rule: a cancelled awaiting coroutine cancels the task with its own
                // CancellationException and throws what the task ended with: one instance on both sides.
                for ((jt, e) in seen.awaitCancelled) {
                    if (jt.state() == TaskState.CANCELLED && endedWith(jt) !== e) {
                        f.add("$mode: await threw $e but the Java task ended with ${endedWith(jt)}")
                    }
                }
                checkAllTasksDone(loop, f, "after the run")
            } finally {
                loop.close()
            }
            checkNoNewThreads(before, f)
            if (seen.javaStarted.get() != seen.javaFinished.get()) f.add("after close: java ${seen.javaStarted}/${seen.javaFinished}")
            // no unexpected report: every failure here was retrieved (awaited or propagated)
            val reports = rl.reportedExceptions()
            if (reports.isNotEmpty()) f.add("$mode: reported to the loop's handler: $reports")
        }
    }

    /**
     * supervisorScope: a CoroutineScope.task child that fails does not cancel its siblings (a Java
     * task awaited by another child completes); if some coroutine awaits it, it gets the failure
     * itself and nothing is reported; if nobody does, the failure is not lost: the loop's
     * exception handler gets it (Task's "never retrieved" rule), once.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun supervisorScopeKeepsSiblingsAndLosesNoFailure(threading: LoopOptions.Threading) {
        eachRound("$threading supervisorScope", rounds) { round, f ->
            val r = ThreadLocalRandom.current()
            val awaitIt = round % 2 == 0
            val fail = KotlinSideFailure("supervised child failed (round $round)")
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            val javaFinished = AtomicInteger()
            val failing = AtomicReference<Task<Int>>()
            val awaited = AtomicReference<Throwable>()
            val sibling = AtomicReference<Task<Int>>()
            try {
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
                val outer = scope.task {
                    supervisorScope {
                        failing.set(task<Int> { delay(r.nextLong(4)); throw fail })
                        launch {
                            val jt = loop.createTask<Int> {
                                try { Async.sleep(Duration.ofMillis(r.nextLong(8))); 42 } finally { javaFinished.incrementAndGet() }
                            }
                            sibling.set(jt)
                            jt.await()
                        }
                        if (awaitIt) awaited.set(runCatching { failing.get().await() }.exceptionOrNull())
                        Unit
                    }
                    "ok"
                }
                val result = runCatching { loop.runUntilComplete(outer) }
                if (result.getOrNull() != "ok") f.add("outer ended $result")
                if (sibling.get()?.state() != TaskState.SUCCESS) f.add("sibling Java task ${sibling.get()?.state()}")
                if (javaFinished.get() != 1) f.add("java finally ran ${javaFinished.get()} times")
                if (failing.get().state() != TaskState.FAILED) f.add("failing child ${failing.get().state()}")
                if (awaitIt && awaited.get() !== fail) f.add("await got ${awaited.get()}")
            } finally {
                loop.close()
            }
            val reports = rl.reportedExceptions()
            if (awaitIt) {
                if (reports.isNotEmpty()) f.add("awaited, yet reported: $reports")
            } else {
                if (reports.count { it === fail } != 1) f.add("not awaited: reported ${reports.size} times: $reports")
            }
        }
    }

    /**
     * A task of coroutineScope cancelled from Java (Task.cancel from a blocking task): only that
     * child ends, CANCELLED; the scope and its other children go on (a child's cancellation does
     * not cancel its parent, kotlinx's rule), and cancel() returning true means it ended CANCELLED.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun aChildTaskCancelledFromJavaLeavesTheScopeRunning(threading: LoopOptions.Threading) {
        eachRound("$threading child cancelled from Java", rounds) { _, f ->
            val r = ThreadLocalRandom.current()
            val rl = RecordingLoop(threading)
            val loop = rl.loop
            val started = AtomicInteger()
            val finallies = AtomicInteger()
            val cancelReturned = AtomicReference<Boolean>()
            val child = AtomicReference<Task<Int>>()
            try {
                val outer = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob()).task {
                    coroutineScope {
                        val c = task {
                            started.incrementAndGet()
                            try { delay(r.nextLong(5)); 1 } finally { finallies.incrementAndGet() }
                        }
                        child.set(c)
                        val other = task { delay(6); 2 }
                        val canceller = loop.createTask<Boolean> {
                            Async.sleep(Duration.ofMillis(r.nextLong(5)))
                            c.cancel("from Java")
                        }
                        cancelReturned.set(canceller.await())
                        other.await()
                    }
                }
                val result = runCatching { loop.runUntilComplete(outer) }
                if (result.getOrNull() != 2) f.add("scope ended $result (cancel returned ${cancelReturned.get()}, child ${child.get()?.state()})")
                val c = child.get()
                if (cancelReturned.get() == true && c.state() != TaskState.CANCELLED) f.add("cancel() returned true, child ended ${c.state()}")
                if (cancelReturned.get() == false && c.state() != TaskState.SUCCESS) f.add("cancel() returned false, child ended ${c.state()}")
                if (c.state() == TaskState.CANCELLED && endedWith(c)?.message?.contains("from Java") != true) {
                    f.add("child's cancellation does not carry the message: ${endedWith(c)}")
                }
                // a task cancelled before its first step never runs its body (kotlinx's DEFAULT start)
                if (finallies.get() != started.get()) f.add("child started ${started.get()} times, its finally ran ${finallies.get()} times")
            } finally {
                loop.close()
            }
            if (rl.reportedExceptions().isNotEmpty()) f.add("reported: ${rl.reportedExceptions()}")
        }
    }
}
