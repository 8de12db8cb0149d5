/*
 * Linearizability of the primitives under lincheck's model checker: the one internal operation of
 * each (the queue's get/put/join, the permit gate's take, the event's await) that the blocking and
 * ...Async methods call, driven through a suspending WaitForm (SuspendForms.kt), with the shipped
 * non-waiting methods, against sequential specifications written independently
 * (SequentialSpecs.kt). Suspending operations may be cancelled while suspended: lincheck then
 * checks that the cancelled operation took no effect. The model checker cannot drive the shipped
 * ...Async forms (their tasks complete on the loop's thread, which is not lincheck's): lincheck's
 * stress mode drives those (AsyncFormsLincheckTests.kt) and their cancellation
 * (CancelledWaitersLincheckTests.kt), and why the blocking forms are not driven by lincheck at all
 * is said there. The configuration is kept small (about a minute and a half for
 * all of them on two cores); SyncLincheckStressTest (tag "stress") runs ten times more, times
 * -Dstress, and adds the suspend forms under stress mode.
 */
package dev.aio4j.internal.sync

import org.jetbrains.lincheck.datastructures.IntGen
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.StressOptions
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import kotlin.reflect.KClass

/**
 * The default, modest lincheck configurations; [scale] multiplies the iterations. No operations
 * after the parallel part: lincheck 3.7's runner fails with an IndexOutOfBoundsException of its
 * own when an operation there suspends for ever (an await on an event nobody sets).
 */
internal object Lincheck {
    fun modelChecking(spec: KClass<*>, scale: Int = 1): ModelCheckingOptions =
        ModelCheckingOptions().iterations(20 * scale).invocationsPerIteration(100)
            .threads(3).actorsPerThread(2).actorsBefore(2).actorsAfter(0)
            .sequentialSpecification(spec.java)

    fun stress(spec: KClass<*>, scale: Int = 1): StressOptions =
        StressOptions().iterations(10 * scale).invocationsPerIteration(500)
            .threads(3).actorsPerThread(2).actorsBefore(2).actorsAfter(0)
            .sequentialSpecification(spec.java)
}

class AsyncLockLincheckTest {
    private val lock = LockImpl()

    @Operation
    fun tryLock(): Boolean = lock.tryLock()

    @Operation(cancellableOnSuspension = true)
    suspend fun acquire() = lock.acquireSuspending()

    @Operation
    fun release() = lock.release()

    @Operation
    fun isLocked(): Boolean = lock.isLocked()

    @Test
    fun modelChecking() = Lincheck.modelChecking(SequentialLock::class).check(this::class)
}

class AsyncSemaphoreLincheckTest {
    private val semaphore = SemaphoreImpl(1, bounded = false)

    @Operation
    fun tryAcquire(): Boolean = semaphore.tryAcquire()

    @Operation(cancellableOnSuspension = true)
    suspend fun acquire() = semaphore.acquireSuspending()

    @Operation
    fun release() = semaphore.release()

    @Operation
    fun availablePermits(): Int = semaphore.availablePermits()

    @Test
    fun modelChecking() = Lincheck.modelChecking(SequentialSemaphoreOf1::class).check(this::class)
}

class AsyncBoundedSemaphoreLincheckTest {
    private val semaphore = SemaphoreImpl(2, bounded = true)

    @Operation
    fun tryAcquire(): Boolean = semaphore.tryAcquire()

    @Operation(cancellableOnSuspension = true)
    suspend fun acquire() = semaphore.acquireSuspending()

    @Operation
    fun release() = semaphore.release() // throws IllegalStateException above the bound

    @Operation
    fun availablePermits(): Int = semaphore.availablePermits()

    @Test
    fun modelChecking() = Lincheck.modelChecking(SequentialBoundedSemaphoreOf2::class).check(this::class)
}

class AsyncEventLincheckTest {
    private val event = EventImpl()

    @Operation
    fun set() = event.set()

    @Operation
    fun clear() = event.clear()

    @Operation
    fun isSet(): Boolean = event.isSet()

    @Operation(cancellableOnSuspension = true)
    suspend fun await() = event.awaitSet()

    @Test
    fun modelChecking() = Lincheck.modelChecking(SequentialEvent::class).check(this::class)
}

@Param(name = "item", gen = IntGen::class, conf = "1:4")
class AsyncQueueLincheckTest {
    private val queue = QueueImpl<Int>(QueueStore.Fifo(), 2)

    @Operation
    fun putNow(@Param(name = "item") item: Int) = queue.putNow(item)

    @Operation
    fun getNow(): Int = queue.getNow()

    @Operation(cancellableOnSuspension = true)
    suspend fun put(@Param(name = "item") item: Int) = queue.putSuspending(item)

    @Operation(cancellableOnSuspension = true)
    suspend fun get(): Int = queue.getSuspending()

    @Operation
    fun size(): Int = queue.size()

    @Operation
    fun taskDone() = queue.taskDone()

    @Operation(cancellableOnSuspension = true)
    suspend fun join() = queue.joinSuspending()

    @Operation(nonParallelGroup = "shutdown")
    fun shutdown() = queue.shutdown()

    @Test
    fun modelChecking() = Lincheck.modelChecking(SequentialFifoQueueOf2::class).check(this::class)
}

@Param(name = "item", gen = IntGen::class, conf = "1:4")
class AsyncPriorityQueueLincheckTest {
    private val queue = QueueImpl<Int>(QueueStore.Priority(null), 2)

    @Operation
    fun putNow(@Param(name = "item") item: Int) = queue.putNow(item)

    @Operation(cancellableOnSuspension = true)
    suspend fun put(@Param(name = "item") item: Int) = queue.putSuspending(item)

    @Operation(cancellableOnSuspension = true)
    suspend fun get(): Int = queue.getSuspending()

    @Operation
    fun shutdownNow() = queue.shutdown(true)

    @Test
    fun modelChecking() = Lincheck.modelChecking(SequentialPriorityQueueOf2::class).iterations(8).check(this::class)
}

/**
 * The same checks, ten times longer (times -Dstress=N), the suspend forms under stress mode too,
 * the shipped ...Async forms under the model checker (3 iterations, times -Dstress), and the
 * cancellations of CancelledWaitersLincheckTests.kt ten times longer: off by default.
 */
@Tag("stress")
class SyncLincheckStressTest {
    private val scale = 10 * Integer.getInteger("stress", 1)

    /** The model checker explores the loop's steps too: a few iterations take about as long as the others' 20. */
    private val asyncFormIterations = 3 * Integer.getInteger("stress", 1)

    @Test
    fun lock() {
        Lincheck.modelChecking(SequentialLock::class, scale).check(AsyncLockLincheckTest::class)
        Lincheck.stress(SequentialLock::class, scale).check(AsyncLockLincheckTest::class)
        AsyncForms.check(Lincheck.stress(SequentialLock::class, scale), AsyncLockAsyncFormLincheckTest::class)
        AsyncForms.check(Lincheck.modelChecking(SequentialLock::class).iterations(asyncFormIterations), AsyncLockAsyncFormLincheckTest::class)
        AsyncForms.check(giveUpStress(scale), AsyncLockGiveUpLincheckTest::class)
    }

    @Test
    fun semaphores() {
        Lincheck.modelChecking(SequentialSemaphoreOf1::class, scale).check(AsyncSemaphoreLincheckTest::class)
        Lincheck.stress(SequentialSemaphoreOf1::class, scale).check(AsyncSemaphoreLincheckTest::class)
        AsyncForms.check(Lincheck.stress(SequentialSemaphoreOf1::class, scale), AsyncSemaphoreAsyncFormLincheckTest::class)
        AsyncForms.check(Lincheck.modelChecking(SequentialSemaphoreOf1::class).iterations(asyncFormIterations), AsyncSemaphoreAsyncFormLincheckTest::class)
        AsyncForms.check(giveUpStress(scale), AsyncSemaphoreGiveUpLincheckTest::class)
        Lincheck.modelChecking(SequentialBoundedSemaphoreOf2::class, scale).check(AsyncBoundedSemaphoreLincheckTest::class)
        Lincheck.stress(SequentialBoundedSemaphoreOf2::class, scale).check(AsyncBoundedSemaphoreLincheckTest::class)
    }

    @Test
    fun event() {
        Lincheck.modelChecking(SequentialEvent::class, scale).check(AsyncEventLincheckTest::class)
        Lincheck.stress(SequentialEvent::class, scale).check(AsyncEventLincheckTest::class)
        AsyncForms.check(Lincheck.stress(SequentialEvent::class, scale), AsyncEventAsyncFormLincheckTest::class)
        AsyncForms.check(Lincheck.modelChecking(SequentialEvent::class).iterations(asyncFormIterations), AsyncEventAsyncFormLincheckTest::class)
    }

    @Test
    fun queues() {
        Lincheck.modelChecking(SequentialFifoQueueOf2::class, scale).check(AsyncQueueLincheckTest::class)
        Lincheck.stress(SequentialFifoQueueOf2::class, scale).check(AsyncQueueLincheckTest::class)
        AsyncForms.check(Lincheck.stress(SequentialFifoQueueOf2::class, scale), AsyncQueueAsyncFormLincheckTest::class)
        AsyncForms.check(Lincheck.modelChecking(SequentialFifoQueueOf2::class).iterations(asyncFormIterations), AsyncQueueAsyncFormLincheckTest::class)
        AsyncForms.check(giveUpStress(scale), AsyncQueueGiveUpLincheckTest::class)
        Lincheck.modelChecking(SequentialPriorityQueueOf2::class, scale).check(AsyncPriorityQueueLincheckTest::class)
        Lincheck.stress(SequentialPriorityQueueOf2::class, scale).check(AsyncPriorityQueueLincheckTest::class)
    }
}
