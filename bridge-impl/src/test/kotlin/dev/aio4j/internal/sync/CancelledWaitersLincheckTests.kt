/*
 * The cancellation of the shipped non-blocking waits under lincheck's stress mode: each
 * "...OrGiveUp" operation makes the ...Async call on the loop (AsyncForms.onLoop, the loop's steps
 * run), and, if its task is not done then, cancels it with Task.cancel() from the lincheck thread
 * and runs the loop's steps until the task is done (a grant that the cancel gave back serves the
 * next waiter in those steps). The race it is there for is a cancel that meets a waiter served by
 * another thread's release, put or set whose loop step has not completed it yet: WaiterTask gives
 * such a grant back (a lock's or a semaphore's permit, a queue's item), or keeps it when it cannot
 * be given back (an event's wake-up). AsyncForms.then yields between an operation and its steps, and
 * the give-up yields before its cancel, so that the race happens hundreds of times a run.
 *
 * What is checked, and why not always against a sequential specification:
 *   - the event: its give-up against SequentialEvent, where it is isSet() (a wake-up is kept for
 *     good), among the operations of AsyncEventAsyncFormLincheckTest (AsyncFormsLincheckTests.kt).
 *   - the lock, the semaphore and the queue: a give-up is not one atomic step. Between a release
 *     that hands the permit to a waiter and the cancel that gives it back, the permit is the
 *     waiter's, and a tryLock() of another thread fails even though the give-up ends with nothing
 *     (a kotlinx Mutex's waiter resumed and then cancelled holds the lock the same way until its
 *     onCancellation unlocks it); no order of atomic operations explains that run, and lincheck
 *     rightly rejects it (the first version of this test did). What must hold is conservation:
 *     the operations count who holds what (a permit taken is counted before it can be released,
 *     released after it is counted down), and no two holders of the lock or more holders than
 *     permits are ever counted at once; after each part of a scenario (lincheck's @Validate, once
 *     every operation has returned) the primitive's state equals the count and no waiter is left
 *     linked. For the queue, every item is unique, none is got twice, and what was put is exactly
 *     what was got plus what is left. The results themselves are not compared (EpsilonVerifier).
 *
 * Checked to fail (2026-12-07): with WaiterTask.giveBack not calling the op's undo (a grant given
 * back is lost), the lock's, the semaphore's and the queue's checks each fail within a run; with a
 * withdrawn waiter left linked (claimForCancel not unlinking it), the lock's and the semaphore's
 * fail within a run and the queue's in one run of two.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.TaskState
import dev.aio4j.sync.QueueEmptyException
import dev.aio4j.sync.QueueFullException
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.StressOptions
import org.jetbrains.lincheck.datastructures.Validate
import org.jetbrains.lincheck.datastructures.verifier.EpsilonVerifier
import org.junit.jupiter.api.Test
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference

/**
 * Makes [call]'s wait as a give-up operation does (the file's comment): on the loop, its steps run;
 * then, if the task is not done, it is cancelled from this thread and the steps run until it is
 * done (a waiter that another operation served just before the cancel is completed in a step that
 * operation enqueues, which may come after this thread's steps). The task, done.
 */
internal inline fun <T> giveUpIfWaiting(call: () -> Task<T>): Task<T> {
    val task = AsyncForms.onLoop(call)
    if (!task.isDone) {
        Thread.yield() // room for another operation to serve the waiter first: the race this is for
        task.cancel()
        val start = System.nanoTime()
        while (true) {
            AsyncForms.runSteps()
            if (task.isDone) break
            check(System.nanoTime() - start < GIVE_UP_WAIT_NANOS) { "a cancelled waiter not done ten seconds after its cancel: $task" }
            Thread.yield()
        }
    }
    return task
}

/** How long [giveUpIfWaiting] waits for a cancelled waiter to be done: ten seconds, in nanoseconds. */
internal const val GIVE_UP_WAIT_NANOS = 10_000_000_000L

/** Whether [task] (done) succeeded: its waiter was served and kept what it was served with. */
internal fun served(task: Task<*>): Boolean = task.state() == TaskState.SUCCESS

/**
 * The stress configuration of the conservation checks: LincheckTests.kt's, with operations after the
 * parallel part (none of these operations waits for ever) and no comparison of results; [scale]
 * multiplies the iterations (SyncLincheckStressTest).
 */
internal fun giveUpStress(scale: Int = 1): StressOptions =
    StressOptions().iterations(10 * scale).invocationsPerIteration(500)
        .threads(3).actorsPerThread(2).actorsBefore(2).actorsAfter(2)
        .verifier(EpsilonVerifier::class.java)

/**
 * The count of a conservation check, and the first broken rule it saw: an operation that saw one
 * records it (an exception of an operation would only be a result, which EpsilonVerifier accepts),
 * and [validate] throws it.
 */
internal class Holders(private val most: Int) {
    private val held = AtomicInteger()
    private val broken = AtomicReference<String?>()

    fun get(): Int = held.get()

    /** A permit (or the lock) was taken: counted, and never more holders than [most]. */
    fun took(how: String) {
        val now = held.incrementAndGet()
        if (now > most) broke("$now holders counted after $how, at most $most")
    }

    /** Counts a holder down before its permit is released; false if none was counted (nothing to release). */
    fun willRelease(): Boolean {
        if (held.decrementAndGet() >= 0) return true
        held.incrementAndGet()
        return false
    }

    fun broke(rule: String) {
        broken.compareAndSet(null, rule)
    }

    /** Throws the first broken rule, or [rule] if [holds] is false. */
    fun validate(holds: Boolean, rule: () -> String) {
        broken.get()?.let { throw AssertionError(it) }
        if (!holds) throw AssertionError(rule())
    }
}

/**
 * A lock's or a semaphore's give-up test: the operations take a permit at once, take one or give up,
 * and release one counted as held; the hooks say how for each primitive.
 */
internal abstract class PermitGiveUpLincheckTest(most: Int) {
    protected val holders = Holders(most)

    protected abstract fun tryTake(): Boolean

    protected abstract fun takeAsync(): Task<Void?>

    /** Releases a permit; an IllegalStateException if the primitive says nothing is held. */
    protected abstract fun releaseOne()

    /** Whether the primitive's state equals [holders]'s count, with no waiter left linked. */
    protected abstract fun matchesCount(): Boolean

    @Operation
    fun tryTakeNow() {
        if (tryTake()) holders.took("a try")
    }

    @Operation
    fun takeOrGiveUp() {
        if (served(giveUpIfWaiting { takeAsync() })) holders.took("a served ...Async() wait")
    }

    @Operation
    fun release() {
        if (!holders.willRelease()) return
        try {
            AsyncForms.then { releaseOne() }
        } catch (e: IllegalStateException) {
            holders.broke("release() of a permit counted as held failed: $e") // a lock not locked, a bounded semaphore full
        }
    }

    @Validate
    fun conserved() = holders.validate(matchesCount()) { "$this, ${holders.get()} holders counted" }

    @Test
    fun stress() = AsyncForms.check(giveUpStress(), this::class)
}

internal class AsyncLockGiveUpLincheckTest : PermitGiveUpLincheckTest(1) {
    private val lock = LockImpl()

    override fun tryTake(): Boolean = lock.tryLock()

    override fun takeAsync(): Task<Void?> = lock.acquireAsync()

    override fun releaseOne() = lock.release()

    override fun matchesCount(): Boolean = lock.isLocked() == (holders.get() == 1) && lock.gate.waiting() == 0

    override fun toString(): String = lock.toString()
}

internal class AsyncSemaphoreGiveUpLincheckTest : PermitGiveUpLincheckTest(PERMITS) {
    private val semaphore = SemaphoreImpl(PERMITS, bounded = true)

    override fun tryTake(): Boolean = semaphore.tryAcquire()

    override fun takeAsync(): Task<Void?> = semaphore.acquireAsync()

    override fun releaseOne() = semaphore.release()

    override fun matchesCount(): Boolean = semaphore.availablePermits() == PERMITS - holders.get() && semaphore.gate.waiting() == 0

    override fun toString(): String = semaphore.toString()

    private companion object {
        /** Bounded: a permit given back twice fails the release that overflows it. */
        const val PERMITS = 2
    }
}

/** Items are unique (a counter, not lincheck's parameters), so that one got twice or lost shows. */
class AsyncQueueGiveUpLincheckTest {
    private val queue = QueueImpl<Int>(QueueStore.Fifo(), 2)
    private val next = AtomicInteger()
    private val put = ConcurrentHashMap.newKeySet<Int>()
    private val got = ConcurrentHashMap.newKeySet<Int>()
    private val holders = Holders(Int.MAX_VALUE) // only its broken rules

    private fun gotItem(item: Int, how: String) {
        if (!got.add(item)) holders.broke("item $item got twice, the second time by $how")
    }

    @Operation
    fun putNow() {
        val item = next.incrementAndGet()
        try {
            AsyncForms.then { queue.putNow(item) }
            put.add(item)
        } catch (_: QueueFullException) {
        }
    }

    @Operation
    fun putOrGiveUp() {
        val item = next.incrementAndGet()
        put.add(item) // before it can be got
        if (!served(giveUpIfWaiting { queue.putAsync(item) })) put.remove(item)
    }

    @Operation
    fun getNow() {
        try {
            gotItem(AsyncForms.then { queue.getNow() }, "getNow()")
        } catch (_: QueueEmptyException) {
        }
    }

    @Operation
    fun getOrGiveUp() {
        val task = giveUpIfWaiting { queue.getAsync() }
        if (served(task)) gotItem(task.resultNow(), "a served getAsync()")
    }

    @Validate
    fun conserved() {
        val left = ArrayList<Int>()
        while (queue.size() > 0) left.add(queue.getNow())
        left.forEach { queue.putNow(it) } // as it was, for the parts that follow
        val waiters = queue.toString()
        holders.validate(got.none { it in left } && (got + left).toSet() == put.toSet() && waiters.endsWith("getters=0, putters=0)")) {
            "put $put, got $got, left $left; $waiters"
        }
    }

    @Test
    fun stress() = AsyncForms.check(giveUpStress(), this::class)
}
