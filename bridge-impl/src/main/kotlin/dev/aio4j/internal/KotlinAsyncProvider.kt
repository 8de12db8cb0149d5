/*
 * aio4j's implementation on kotlinx.coroutines, found by dev.aio4j.spi.AsyncProvider's lookup
 * (module-info provides, META-INF/services). Arguments arrive checked by the API (non-null,
 * durations non-negative, lists copied); this class finds the loop, adopts stages and builds the
 * task of each combinator.
 */
package dev.aio4j.internal

import dev.aio4j.Done
import dev.aio4j.Loop
import dev.aio4j.LoopOptions
import dev.aio4j.Outcome
import dev.aio4j.ReturnWhen
import dev.aio4j.Task
import dev.aio4j.TaskGroup
import dev.aio4j.ThrowingConsumer
import dev.aio4j.ThrowingFunction
import dev.aio4j.ThrowingPredicate
import dev.aio4j.TimeoutScope
import dev.aio4j.spi.AsyncProvider
import dev.aio4j.stream.AsyncCloseable
import dev.aio4j.stream.AsyncEmitter
import dev.aio4j.stream.AsyncExitStack
import dev.aio4j.stream.AsyncIterable
import dev.aio4j.stream.BlockingIterable
import dev.aio4j.stream.Generator
import dev.aio4j.internal.stream.AsyncGenerator
import dev.aio4j.internal.stream.BlockingGenerator
import dev.aio4j.internal.stream.BlockingView
import dev.aio4j.internal.stream.ExitStackImpl
import dev.aio4j.internal.stream.IterablePublisher
import dev.aio4j.internal.stream.TakeIterable
import dev.aio4j.internal.stream.TransformIterable
import dev.aio4j.internal.stream.Using
import dev.aio4j.internal.stream.Walks
import dev.aio4j.internal.sync.ConditionImpl
import dev.aio4j.internal.sync.EventImpl
import dev.aio4j.internal.sync.LockImpl
import dev.aio4j.internal.sync.QueueImpl
import dev.aio4j.internal.sync.QueueStore
import dev.aio4j.internal.sync.SemaphoreImpl
import dev.aio4j.sync.AsyncCondition
import dev.aio4j.sync.AsyncEvent
import dev.aio4j.sync.AsyncLock
import dev.aio4j.sync.AsyncQueue
import dev.aio4j.sync.AsyncSemaphore
import java.time.Duration
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import java.util.concurrent.Flow
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.jdk9.asFlow

/** The provider of dev.aio4j:bridge-impl. Public only for ServiceLoader. */
public class KotlinAsyncProvider : AsyncProvider {
    override fun apiVersion(): Int = AsyncProvider.API_VERSION
    override fun priority(): Int = 0

    override fun newLoop(options: LoopOptions): Loop = EventLoop(options)
    override fun currentLoop(): Loop = Current.loop()
    override fun currentTask(): Task<*>? = Current.task()

    override fun <T> run(options: LoopOptions, main: ThrowingFunction<in Loop, out T>): T = Runs.run(options, main)

    override fun <T> runAsync(options: LoopOptions, main: ThrowingFunction<in Loop, out CompletionStage<out T>>): T = Runs.runAsync(options, main)

    override fun sleep(delay: Duration) {
        Current.checkMayBlock("Async.sleep()")
        if (delay.isZero) {
            yieldOneStep()
            return
        }
        try {
            TimeUnit.NANOSECONDS.sleep(delay.saturatedNanos())
        } catch (e: InterruptedException) {
            throw Current.cancellationForInterrupt("Async.sleep()")
        }
    }

    /**
     * sleep(0) on a task's thread: waits for one step of the task's loop (a SleepTask of no delay),
     * so that what was scheduled before has run, and throws a cancellation that is pending or that
     * arrives in that step (a deadline that expired fires before the step completes the wait).
     * On a thread that belongs to no loop it only checks for an interrupt, as Thread.sleep(0) does.
     */
    private fun yieldOneStep() {
        if (Thread.interrupted()) throw Current.cancellationForInterrupt("Async.sleep()")
        val loop = Current.loopOrNull() ?: return
        val step = SleepTask(loop, 0).also { it.start(loop.taskContext) }
        try {
            Blocking.joinInterruptibly(step)
        } catch (e: InterruptedException) {
            step.cancel()
            throw Current.cancellationForInterrupt("Async.sleep()")
        }
        if (Thread.interrupted()) throw Current.cancellationForInterrupt("Async.sleep()")
    }

    override fun sleepAsync(delay: Duration): Task<Void?> {
        val loop = Current.loop()
        loop.checkOpen()
        return SleepTask(loop, delay.saturatedNanos()).also { it.start(loop.taskContext) }
    }

    override fun <T> gather(tasks: List<CompletionStage<out T>>): Task<List<T>> = gather(tasks, outcomes = false)

    override fun <T> gatherOutcomes(tasks: List<CompletionStage<out T>>): Task<List<Outcome<T>>> = gather(tasks, outcomes = true)

    /**
     * A gather of [stages]: one pass finds their loop and their tasks and takes the results of the
     * tasks that succeeded already (a large gather's tasks are out of the cache: the gather's own
     * pass then reads only the others).
     */
    private fun <R> gather(stages: List<CompletionStage<*>>, outcomes: Boolean): Task<List<R>> {
        val children = arrayOfNulls<TaskImpl<*>>(stages.size)
        val values = arrayOfNulls<Any?>(stages.size)
        val loop = loopOf(stages) { i, task ->
            children[i] = task
            values[i] = GatherTask.resultIfSucceeded(task, outcomes)
        }
        for (i in children.indices) {
            if (children[i] == null) {
                children[i] = loop.adoptStage(stages[i])
                values[i] = GatherTask.PENDING
            }
        }
        @Suppress("UNCHECKED_CAST")
        return GatherTask<R>(loop, children as Array<TaskImpl<*>>, values, outcomes).also { it.start(loop.taskContext) }
    }

    override fun <T> wait(tasks: List<Task<T>>, returnWhen: ReturnWhen, timeout: Duration?): Task<Done<T>> {
        require(tasks.isNotEmpty()) { "tasks must not be empty" }
        val loop = loopOf(tasks)
        return WaitTask(loop, distinctTasks(tasks), returnWhen, timeout?.saturatedNanos()).also { it.start(loop.taskContext) }
    }

    override fun <T> asCompleted(tasks: List<Task<T>>, timeout: Duration?): Iterable<Task<T>> {
        if (tasks.isNotEmpty()) loopOf(tasks)
        return AsCompletedIterable(distinctTasks(tasks), timeout)
    }

    override fun <T> asCompletedAsync(tasks: List<Task<T>>, timeout: Duration?): AsyncIterable<Task<T>> {
        val loop = loopOf(tasks)
        return AsCompletedAsyncIterable(loop, distinctTasks(tasks), timeout)
    }

    override fun <T> waitFor(task: CompletionStage<T>, timeout: Duration): Task<T> {
        val loop = loopOf(listOf(task))
        val inner = loop.adoptStage(task)
        val waitFor = WaitForTask<T>(loop, timeout).also { it.start(loop.taskContext) }
        if (!inner.isDone) waitFor.startDeadline()
        return waitFor.followInner(inner)
    }

    override fun <T> timeout(timeout: Duration, body: Callable<out T>): T = Runs.timeout(timeout, "Async.timeout()") { body.call() }

    override fun <T> timeoutScope(timeout: Duration, body: ThrowingFunction<in TimeoutScope, out T>): T = Runs.timeout(timeout, "Async.timeoutScope()", body)

    override fun <T> timeoutAsync(timeout: Duration, body: Callable<out CompletionStage<out T>>): Task<T> =
        timeoutScopeAsync(timeout) { body.call() }

    override fun <T> timeoutScopeAsync(timeout: Duration, body: ThrowingFunction<in TimeoutScope, out CompletionStage<out T>>): Task<T> {
        val loop = Current.loop()
        // asyncio.timeout() acts on its deadline in a callback of the loop, which cannot run before
        // the body's first await: the body is called, and may finish or move the deadline, first.
        // Before, a deadline that had passed when the body's step came (a zero timeout: always, by
        // wait_for's zero rule; from another thread, whenever the loop acted on the timer before the
        // body's step) cancelled the body's task before it ran, and the body was never called
        val waitFor = WaitForTask<T>(loop, timeout, zeroCancelsAtOnce = false, subject = "the body").also { it.start(loop.taskContext) }.startDeadline(armed = false)
        return waitFor.followInner(loop.newAsyncTask(null, Callable {
            // armed once the body has returned a stage still to wait for; a body that threw, or
            // returned a done stage, is over before any deadline (under DEFAULT_DISPATCHER the
            // timer, armed before the task took a done stage, cancelled it on the loop's thread as
            // a worker was taking it: 129 of 3,000 results lost)
            val stage: CompletionStage<out T>? = body.apply(waitFor.scope)
            if (stage != null && !isDoneStage(stage)) waitFor.scope.arm()
            stage
        }, loop.taskContext))
    }

    override fun <T> shield(task: CompletionStage<T>): Task<T> {
        val loop = loopOf(listOf(task))
        return ShieldTask(loop, loop.adoptStage(task)).also { it.start(loop.taskContext) }
    }

    override fun <T> toThread(body: Callable<out T>): Task<T> {
        val loop = Current.loop()
        return loop.newBlockingTask(null, body, loop.taskContext, loop.defaultExecutor())
    }

    override fun <T> taskGroup(body: ThrowingFunction<in TaskGroup, out T>): T = Runs.taskGroup(body)

    override fun <T> taskGroupAsync(body: ThrowingFunction<in TaskGroup, out CompletionStage<out T>>): Task<T> = Runs.taskGroupAsync(body)

    override fun <T> forEach(iterable: AsyncIterable<T>, action: ThrowingConsumer<in T>): Task<Void?> = Walks.forEach(iterable, action)

    override fun <T> forEachAsync(iterable: AsyncIterable<T>, action: ThrowingFunction<in T, out CompletionStage<*>>): Task<Void?> =
        Walks.forEachAsync(iterable, action)

    override fun <T> toList(iterable: AsyncIterable<T>): Task<List<T>> = Walks.toList(iterable)

    override fun <T> blocking(iterable: AsyncIterable<T>): BlockingIterable<T> = BlockingView(iterable)

    override fun <T, R> map(iterable: AsyncIterable<T>, mapper: ThrowingFunction<in T, out R>): AsyncIterable<R> = TransformIterable(iterable) { mapper.apply(it) }

    override fun <T> filter(iterable: AsyncIterable<T>, predicate: ThrowingPredicate<in T>): AsyncIterable<T> =
        TransformIterable(iterable) { if (predicate.test(it)) it else TransformIterable.SKIP }

    override fun <T> take(iterable: AsyncIterable<T>, n: Long): AsyncIterable<T> = TakeIterable(iterable, n)

    override fun <T> generate(buffer: Int, body: Generator<T>): AsyncIterable<T> = BlockingGenerator(buffer, body)

    override fun <T> generateAsync(buffer: Int, body: ThrowingFunction<in AsyncEmitter<T>, out CompletionStage<*>>): AsyncIterable<T> =
        AsyncGenerator(buffer, body)

    // kotlinx's asFlow() requests in batches of its buffer (64), the walk's buffer matches it
    override fun <T : Any> fromPublisher(publisher: Flow.Publisher<T>): AsyncIterable<T> = FlowIterable(publisher.asFlow(), 64)

    override fun <T> toPublisher(iterable: AsyncIterable<T>): Flow.Publisher<T> = IterablePublisher(iterable)

    override fun <R : AsyncCloseable, T> using(open: Callable<out R>, body: ThrowingFunction<in R, out T>): T = Using.using(open, body)

    override fun <R : AsyncCloseable, T> usingAsync(
        open: Callable<out CompletionStage<out R>>,
        body: ThrowingFunction<in R, out CompletionStage<out T>>,
    ): Task<T> = Using.usingAsync(open, body)

    override fun closeAndWait(resource: AsyncCloseable): Unit = Using.closeAndWait(resource)

    override fun newExitStack(): AsyncExitStack = ExitStackImpl()

    override fun newLock(): AsyncLock = LockImpl()

    override fun newEvent(): AsyncEvent = EventImpl()

    override fun newCondition(lock: AsyncLock?): AsyncCondition = ConditionImpl(
        when (lock) {
            null -> LockImpl()
            is LockImpl -> lock
            is ConditionImpl -> lock.lockImpl
            else -> throw IllegalArgumentException("the lock of an AsyncCondition must be made by AsyncLock.create(): $lock")
        },
    )

    override fun newSemaphore(permits: Int, bounded: Boolean): AsyncSemaphore = SemaphoreImpl(permits, bounded)

    override fun <T : Any> newFifoQueue(maxSize: Int): AsyncQueue<T> = QueueImpl(QueueStore.Fifo(), maxSize)

    override fun <T : Any> newLifoQueue(maxSize: Int): AsyncQueue<T> = QueueImpl(QueueStore.Lifo(), maxSize)

    override fun <T : Any> newPriorityQueue(maxSize: Int, comparator: Comparator<in T>?): AsyncQueue<T> =
        QueueImpl(QueueStore.Priority(comparator), maxSize)

    /** The loop that the tasks among [stages] share (else the current one), open. */
    private fun loopOf(stages: List<CompletionStage<*>>): EventLoop = loopOf(stages) { _, _ -> }

    /**
     * The loop that the tasks among [stages] share (else the current one), open; [each] is called
     * with each task and its index, in the same pass (it must have no effect that outlives an
     * IllegalArgumentException for tasks of different loops).
     */
    private inline fun loopOf(stages: List<CompletionStage<*>>, each: (Int, TaskImpl<*>) -> Unit): EventLoop {
        var loop: EventLoop? = null
        stages.forEachIndexed { i, s ->
            if (s is TaskImpl<*>) {
                if (loop == null) {
                    loop = s.eventLoop
                } else if (loop !== s.eventLoop) {
                    throw IllegalArgumentException("the tasks belong to different loops: ${loop} and ${s.eventLoop}")
                }
                each(i, s)
            }
        }
        val result = loop ?: Current.loop()
        result.checkOpen()
        return result
    }

    @Suppress("UNCHECKED_CAST")
    private fun <T> distinctTasks(tasks: List<Task<T>>): List<TaskImpl<T>> =
        LinkedHashSet(tasks).map { it as? TaskImpl<T> ?: throw IllegalArgumentException("not a task of aio4j: $it") }
}

/** Whether [stage] is already done, as far as can be told without waiting (a task, or a CompletableFuture). */
private fun isDoneStage(stage: CompletionStage<*>): Boolean =
    (stage is TaskImpl<*> && stage.isDone) || (stage is java.util.concurrent.Future<*> && stage.isDone)
