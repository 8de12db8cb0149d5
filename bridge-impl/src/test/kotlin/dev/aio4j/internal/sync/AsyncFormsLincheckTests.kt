/*
 * Linearizability of the shipped non-blocking forms under lincheck: each waiting operation is the
 * public ...Async method (acquireAsync, getAsync, putAsync, joinAsync, the event's awaitAsync),
 * whose task is a WaiterTask completed in a step of its loop; a lincheck operation suspends until
 * that task is done ([awaitServed]) and returns what it was served with. The specifications are
 * SequentialSpecs.kt's, the same as for the internal forms (LincheckTests.kt). The loop is run by
 * the lincheck threads themselves, one at a time, after each operation ([AsyncForms.onLoop]): a
 * loop thread of its own would complete a served task after the operation that served it has
 * returned, and lincheck would see the served operation still suspended at the end of a run.
 *
 * What lincheck cannot drive, and why:
 *   - cancellation of these forms through lincheck's own cancellation of a suspended operation
 *     (through its continuation), which always succeeds and must leave no effect, while
 *     Task.cancel() on a served waiter is the task's choice (WaiterTask). Their cancellation is
 *     driven by CancelledWaitersLincheckTests.kt instead, which cancels the tasks from the lincheck
 *     threads and checks that no grant is lost or taken twice.
 *   - the blocking forms (lock(), get(), put(), await()): a blocking call that can never be
 *     served (a get() on an empty queue in a scenario without a put) parks its thread for ever,
 *     which lincheck reports as a hang (and its model checker cannot park real threads); it can
 *     only drive waits that suspend. Their waiter (ParkWaiter) is driven by
 *     CancelledWaiterStressTest and SyncStressTest, and its operation is the one lincheck checks.
 *   - withLockAsync/withPermitAsync: their result is the body's, not the primitive's; the permit
 *     they take is the same gate operation, and their release rules are SyncStressTest's and
 *     AsyncSemaphoreTest's.
 *
 * Lincheck's model checker can drive these forms too (no thread but lincheck's runs the loop), but
 * it explores the loop's own steps as well (the default 20 iterations took about two minutes for
 * the lock alone on two shared cores): a few iterations run in SyncLincheckStressTest (tag
 * "stress") only.
 *
 * The lincheck threads call the ...Async methods as code running on the loop does: the thread is
 * marked as the loop's (Current.enterLoop) for the call only; nothing else on the path of these
 * methods depends on which thread calls them.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Async
import dev.aio4j.Task
import dev.aio4j.internal.Current
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.TaskImpl
import kotlinx.coroutines.suspendCancellableCoroutine
import org.jetbrains.lincheck.datastructures.IntGen
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.Options
import org.jetbrains.lincheck.datastructures.StressOptions
import org.junit.jupiter.api.Test
import kotlin.coroutines.resume
import kotlin.reflect.KClass

/**
 * The loop the ...Async forms' tasks belong to. No thread runs it for good: each operation runs
 * its steps before it returns ([onLoop]), one lincheck thread at a time, so that a waiter served by
 * an operation has been completed (its loop step has run) when that operation returns; a loop
 * thread of its own would complete it later, and lincheck would see the served operation still
 * suspended at the end of a run.
 */
internal object AsyncForms {
    @Volatile private var current: EventLoop? = null
    private val stepping = Any()

    val loop: EventLoop get() = current!!

    /** Runs the check of [testClass] with a loop of its own; closes the loop after. */
    fun check(options: Options<*, *>, testClass: KClass<*>) {
        val loop = Async.newLoop() as EventLoop
        current = loop
        try {
            options.check(testClass)
        } finally {
            current = null
            loop.close()
        }
    }

    /** Calls an ...Async method as code on the loop does, then runs the loop's steps. */
    inline fun <T> onLoop(call: () -> Task<T>): Task<T> {
        val previous = Current.enterLoop(loop)
        val task = try {
            call()
        } finally {
            Current.exitLoop(previous)
        }
        runSteps()
        return task
    }

    /** Runs what the loop has ready (the deliveries of served waiters), on the calling thread. */
    fun runSteps() {
        val loop = loop
        synchronized(stepping) { loop.runUntilComplete(loop.doneVoid) }
    }

    /**
     * A non-waiting operation, then the loop's steps (a release or a put may serve a waiter). The
     * yield between leaves a served waiter's task not completed for a while: the time in which a
     * cancel of CancelledWaitersLincheckTests.kt meets a served waiter, the race it is there for.
     */
    inline fun <T> then(call: () -> T): T = call().also {
        Thread.yield()
        runSteps()
    }
}

/** Suspends until this task is done and returns its outcome (a failure thrown as join() throws it). */
internal suspend fun <T> Task<T>.awaitServed(): T {
    val task = this as TaskImpl<T>
    task.completion()
    return task.outcomeForAwait()
}

private suspend fun TaskImpl<*>.completion() {
    if (isDone) return
    suspendCancellableCoroutine { cont ->
        val handle = onDone { cont.resume(Unit) }
        cont.invokeOnCancellation { handle.dispose() }
    }
}

/** The default stress configuration of LincheckTests.kt. */
private fun stress(spec: KClass<*>): StressOptions = Lincheck.stress(spec)

class AsyncLockAsyncFormLincheckTest {
    private val lock = LockImpl()

    @Operation
    fun tryLock(): Boolean = lock.tryLock()

    @Operation(cancellableOnSuspension = false)
    suspend fun acquire() {
        AsyncForms.onLoop { lock.acquireAsync() }.awaitServed()
    }

    @Operation
    fun release() = AsyncForms.then { lock.release() }

    @Operation
    fun isLocked(): Boolean = lock.isLocked()

    @Test
    fun stress() = AsyncForms.check(stress(SequentialLock::class), this::class)
}

class AsyncSemaphoreAsyncFormLincheckTest {
    private val semaphore = SemaphoreImpl(1, bounded = false)

    @Operation
    fun tryAcquire(): Boolean = semaphore.tryAcquire()

    @Operation(cancellableOnSuspension = false)
    suspend fun acquire() {
        AsyncForms.onLoop { semaphore.acquireAsync() }.awaitServed()
    }

    @Operation
    fun release() = AsyncForms.then { semaphore.release() }

    @Operation
    fun availablePermits(): Int = semaphore.availablePermits()

    @Test
    fun stress() = AsyncForms.check(stress(SequentialSemaphoreOf1::class), this::class)
}

class AsyncEventAsyncFormLincheckTest {
    private val event = EventImpl()

    @Operation
    fun set() = AsyncForms.then { event.set() }

    @Operation
    fun clear() = event.clear()

    @Operation
    fun isSet(): Boolean = event.isSet()

    @Operation(cancellableOnSuspension = false)
    suspend fun await() {
        AsyncForms.onLoop { event.awaitAsync() }.awaitServed()
    }

    /** The wait cancelled if not served at once: CancelledWaitersLincheckTests.kt. */
    @Operation
    fun awaitOrGiveUp(): Boolean = served(giveUpIfWaiting { event.awaitAsync() })

    @Test
    fun stress() = AsyncForms.check(stress(SequentialEvent::class), this::class)
}

@Param(name = "item", gen = IntGen::class, conf = "1:4")
class AsyncQueueAsyncFormLincheckTest {
    private val queue = QueueImpl<Int>(QueueStore.Fifo(), 2)

    @Operation
    fun putNow(@Param(name = "item") item: Int) = AsyncForms.then { queue.putNow(item) }

    @Operation
    fun getNow(): Int = AsyncForms.then { queue.getNow() }

    @Operation(cancellableOnSuspension = false)
    suspend fun put(@Param(name = "item") item: Int) {
        AsyncForms.onLoop { queue.putAsync(item) }.awaitServed()
    }

    @Operation(cancellableOnSuspension = false)
    suspend fun get(): Int = AsyncForms.onLoop { queue.getAsync() }.awaitServed()

    @Operation
    fun size(): Int = queue.size()

    @Operation
    fun taskDone() = AsyncForms.then { queue.taskDone() }

    @Operation(cancellableOnSuspension = false)
    suspend fun join() {
        AsyncForms.onLoop { queue.joinAsync() }.awaitServed()
    }

    @Operation(nonParallelGroup = "shutdown")
    fun shutdown() = AsyncForms.then { queue.shutdown() }

    @Test
    fun stress() = AsyncForms.check(stress(SequentialFifoQueueOf2::class), this::class)
}
