/*
 * Kotlin code that the Java interop tests call: suspend functions of every kind (returns at once,
 * suspends, throws before or after suspending, hangs until cancelled with a finally that says so),
 * a hanging Flow producer, and the Kotlin side of the cancellation matrix.
 */
package dev.aio4j.kotlin

import dev.aio4j.Loop
import dev.aio4j.Task
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.merge
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.coroutineContext

public class TestService {
    public val thread: AtomicReference<Thread> = AtomicReference()

    /** Returns at once, leaving a child in its own job that waits a minute; [childDone] in the child's finally. */
    public suspend fun leavesLongChild(childDone: CountDownLatch): Int {
        CoroutineScope(coroutineContext).launch {
            try { delay(60_000) } finally { childDone.countDown() }
        }
        return 1
    }

    public suspend fun returnsAtOnce(x: Int): Int {
        thread.set(Thread.currentThread())
        return x + 1
    }

    public suspend fun suspendsOnce(x: Int): Int {
        yield()
        return x + 1
    }

    /** Suspends once and returns "pong": a function without parameters, for Java method references. */
    public suspend fun ping(): String {
        yield()
        return "pong"
    }

    public suspend fun throwsAtOnce(e: Throwable): Int = throw e

    public suspend fun throwsAfterSuspending(e: Throwable): Int {
        yield()
        throw e
    }

    public suspend fun failsAfterDelay(millis: Long): Int {
        kotlinx.coroutines.delay(millis)
        throw IllegalStateException("thrown in Kotlin after a delay")
    }

    public suspend fun failsInKotlin(): Int {
        yield()
        throw IllegalStateException("thrown in Kotlin after a suspension")
    }

    /** Suspends until cancelled; counts [started] down when it has, [finished] in its finally. */
    public suspend fun hang(started: CountDownLatch, finished: CountDownLatch): Int {
        try {
            started.countDown()
            awaitCancellation()
        } finally {
            finished.countDown()
        }
    }

    /** A flow that emits 1, then hangs until its collection is cancelled; [finished] in its finally. */
    public fun hangingFlow(started: CountDownLatch, finished: CountDownLatch): Flow<Int> = flow {
        try {
            started.countDown()
            emit(1)
            awaitCancellation()
        } finally {
            finished.countDown()
        }
    }

    /** Yields once (a dispatch through its context's dispatcher), then returns the thread it resumed on. */
    public suspend fun resumedOn(): Thread {
        yield()
        return Thread.currentThread()
    }

    /** Waits [millis] with kotlinx's delay (its context's clock), then returns the thread it resumed on. */
    public suspend fun afterDelay(millis: Long): Thread {
        delay(millis)
        return Thread.currentThread()
    }

    /** Runs a part on Dispatchers.Default and comes back: the thread of that part, then the thread it came back to. */
    public suspend fun viaDefault(): List<Thread> {
        val there = withContext(Dispatchers.Default) { Thread.currentThread() }
        return listOf(there, Thread.currentThread())
    }

    /** Throws [e] on Dispatchers.Default. */
    public suspend fun failsOnDefault(e: Throwable): Int = withContext(Dispatchers.Default) { throw e }

    /** Three child coroutines that each yield and record the thread they resumed on; the sum of 1..3. */
    public suspend fun launchesChildren(threads: MutableSet<Thread>): Int = coroutineScope {
        (1..3).map { i ->
            async {
                yield()
                threads.add(Thread.currentThread())
                i
            }
        }.awaitAll().sum()
    }

    /**
     * A child that yields on the joining thread until a sibling, resumed from Dispatchers.Default,
     * sets a flag: the joining thread's own dispatches must not starve another thread's. The
     * sibling records in [resumedOn] the thread it continued on after Dispatchers.Default; the
     * number of yields it took.
     */
    public suspend fun yieldsUntilAnotherThreadResumes(resumedOn: AtomicReference<Thread>): Int = coroutineScope {
        val resumed = AtomicBoolean()
        val yields = async {
            var n = 0
            while (!resumed.get()) {
                yield()
                n++
            }
            n
        }
        launch {
            withContext(Dispatchers.Default) { Thread.sleep(1) }
            resumedOn.set(Thread.currentThread())
            resumed.set(true)
        }
        yields.await()
    }

    /** Launches a child into its own context's job (no scope waits for it) that sets [done] after a delay; returns at once. */
    public suspend fun leavesAChild(done: AtomicBoolean): Int {
        CoroutineScope(coroutineContext).launch {
            delay(20)
            done.set(true)
        }
        return 1
    }

    /**
     * Starts a coroutine outside its own job (a scope of its own, with the call's dispatcher) that,
     * after a delay, records the thread it runs on in [ranOn]; returns at once.
     */
    public suspend fun escapesWithItsDispatcher(ranOn: AtomicReference<Thread>): Int {
        CoroutineScope(coroutineContext[kotlin.coroutines.ContinuationInterceptor]!!).launch {
            delay(20)
            ranOn.set(Thread.currentThread())
        }
        return 1
    }

    /** Awaits [task] (an aio4j task) and returns its value plus one. */
    public suspend fun awaitsTask(task: Task<Int>): Int = task.await() + 1

    /** Records the Job of its context in [job], yields once, returns 1. */
    public suspend fun recordsJob(job: AtomicReference<Job>): Int {
        job.set(coroutineContext[Job])
        yield()
        return 1
    }

    /** Counts [started] down and waits until cancelled, then throws [x] instead of the cancellation: a clean-up that fails. */
    public suspend fun failsWhenCancelled(x: Throwable, started: CountDownLatch): Int {
        try {
            started.countDown()
            awaitCancellation()
        } catch (e: kotlinx.coroutines.CancellationException) {
            throw x
        }
    }

    /** [hang], recording in [seen] the exception that ended it. */
    public suspend fun hangRecording(started: CountDownLatch, finished: CountDownLatch, seen: AtomicReference<Throwable>): Int {
        try {
            return hang(started, finished)
        } catch (e: Throwable) {
            seen.set(e)
            throw e
        }
    }

    /** Waits for nothing within withTimeout([millis]): throws kotlinx's TimeoutCancellationException; [finished] in its finally. */
    public suspend fun timesOut(millis: Long, finished: CountDownLatch): Int = withTimeout(millis) {
        try {
            awaitCancellation()
        } finally {
            finished.countDown()
        }
    }

    /** Yields once in a try whose finally counts [finished] down; returns 1 if it got past the yield. */
    public suspend fun yieldsInTry(finished: CountDownLatch): Int {
        try {
            yield()
            return 1
        } finally {
            finished.countDown()
        }
    }

    /** Calls [java] (Java code, which may call Suspend.join itself) after a yield, and returns what it returns. */
    public suspend fun callsBack(java: java.util.concurrent.Callable<Int>): Int {
        yield()
        return java.call()
    }

    /** Awaits [stage] through a Kotlin interface method that Java implements. */
    public suspend fun viaInterface(source: JavaSource, id: Int): String = source.fetch(id)
}

/** A Kotlin interface with a suspend method, implemented in Java by the tests. */
public interface JavaSource {
    public suspend fun fetch(id: Int): String
}

/** How the Kotlin side of a cancellation-matrix case waits for (or cancels) the task. */
public object KotlinSide {
    /** A coroutine on [loop] awaiting [task]; what await() threw goes into [seen]. Started before this returns. */
    @JvmStatic
    public fun awaiter(loop: Loop, task: Task<*>, seen: AtomicReference<Throwable>): Deferred<Any?> =
        CoroutineScope(loop.asCoroutineDispatcher()).async(start = CoroutineStart.UNDISPATCHED) { record(seen) { task.await() } }

    /** [awaiter], with the await inside withTimeout([millis]). */
    @JvmStatic
    public fun awaiterWithTimeout(loop: Loop, task: Task<*>, millis: Long, seen: AtomicReference<Throwable>): Deferred<Any?> =
        CoroutineScope(loop.asCoroutineDispatcher()).async(start = CoroutineStart.UNDISPATCHED) {
            withTimeout(millis) { record(seen) { task.await() } }
        }

    /** A collection of two merged flows, the second awaiting [task], that ends after the first element. */
    @JvmStatic
    public fun firstOfMerge(loop: Loop, task: Task<*>, seen: AtomicReference<Throwable>): Deferred<Any?> =
        CoroutineScope(loop.asCoroutineDispatcher()).async(start = CoroutineStart.UNDISPATCHED) {
            merge(flow { emit(record(seen) { task.await() }) }, flow { yield(); yield(); emit("first") }).first()
        }

    private inline fun <T> record(seen: AtomicReference<Throwable>, block: () -> T): T = try {
        block()
    } catch (e: Throwable) {
        seen.set(e)
        throw e
    }
}
