/*
 * Holding a lock or a permit around a body: the Held handle of try-with-resources, and the tasks
 * of withLockAsync (GuardedTask, below) and withPermitAsync, asyncio's `async with lock: await body()`.
 *
 * withPermitAsync's task is one coroutine: acquire (queued at call time, see OpTask), hop to the loop's thread
 * if the acquire did not suspend, call the body there, wait for its stage, release. A
 * cancellation while the stage runs goes down to it as asyncio's does to an awaited task: the
 * stage is cancelled and waited for, and only then is the lock released, so that the body never
 * runs unguarded.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.callAsyncBody
import dev.aio4j.internal.TaskImpl
import dev.aio4j.sync.Held
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletionStage
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.function.Supplier
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield

/** A held lock or permit: releases it on the first close() only. */
internal class HeldHandle(private val release: Runnable, private val what: String) : Held {
    @Volatile private var closed = 0

    override fun close() {
        if (CLOSED.compareAndSet(this, 0, 1)) release.run()
    }

    override fun toString(): String = "Held($what${if (closed != 0) ", released" else ""})"

    private companion object {
        val CLOSED: AtomicIntegerFieldUpdater<HeldHandle> = AtomicIntegerFieldUpdater.newUpdater(HeldHandle::class.java, "closed")
    }
}

/** The task of withPermitAsync on [loop] (a coroutine: the semaphore is kotlinx's; withLockAsync's is [GuardedTask]). */
internal fun <T> guardedTask(
    loop: EventLoop,
    what: String,
    acquire: suspend () -> Unit,
    release: () -> Unit,
    body: Supplier<out CompletionStage<out T>>,
): Task<T> = OpTask(loop, null) {
    acquire()
    try {
        if (!loop.isLoopThread()) yield() // the body is called on the loop's thread, as createTaskAsync's
        val stage: CompletionStage<out T>? = body.get() // null from Java despite the contract
        awaitChained(loop.adoptStage(stage ?: throw NullPointerException("the body of $what returned null instead of a CompletionStage")))
    } finally {
        release()
    }
}

/**
 * Waits for [task] from a coroutine, with asyncio's chain rule: if the coroutine is cancelled,
 * [task] is cancelled and waited for before the cancellation goes on. Its outcome is returned or
 * thrown as the same instance.
 */
internal suspend fun <T> awaitChained(task: TaskImpl<T>): T {
    task.markRetrieved()
    try {
        task.job.join()
    } catch (e: CancellationException) {
        task.cancel()
        withContext(NonCancellable) { task.job.join() }
        throw e
    }
    return task.resultNow0().getOrThrow()
}

/**
 * The task of AsyncLock.withLockAsync, without a coroutine: it waits for the lock as itself (a
 * waiter of the lock), then, holding it, calls the body on the loop's thread (at once if the lock
 * was free and the caller is on the loop's thread, else in a step of the loop), follows the stage
 * the body returns, and releases the lock when that stage is done, before the task completes.
 * A cancellation while it waits withdraws it; once it holds the lock, the cancellation goes down
 * to the body's stage (asyncio's chain rule), and the lock is released only when that stage is
 * done, so that the body never runs unguarded. Cancelled before the body was called, the body is
 * never called.
 */
internal class GuardedTask<T>(
    loop: EventLoop,
    private val lock: LockImpl,
    private val what: String,
    private var body: Supplier<out CompletionStage<out T>>?,
) : TaskImpl<T>(loop, loop.taskContext, null, RUNNING, runsCoroutine = false), Waiter, Runnable, (Throwable?) -> Unit {
    @Volatile private var state = WAITING
    @Volatile private var followed: TaskImpl<out T>? = null
    override val putItem: Any? get() = null
    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null

    init {
        job.attach(loop.taskContext[Job])
    }

    /** The lock was taken for this task when it was made. */
    fun tookAtOnce() {
        state = HOLDING
        if (eventLoop.isLoopThread()) run() else eventLoop.enqueue(this)
    }

    override fun tryGrant(value: Any?): Boolean = STATE.compareAndSet(this, WAITING, HOLDING)

    override fun fail(exception: Throwable) {} // a lock hands over nothing that can fail

    override fun deliver() {
        eventLoop.enqueue(this)
    }

    /** Holding the lock, on the loop's thread: calls the body and follows its stage. */
    override fun run() {
        val b = body ?: return
        body = null
        if (job.isCancelled) {
            lock.release()
            tryFinish(Result.failure(job.getCancellationException()))
            return
        }
        val stage = try {
            callAsyncBody(this, b) { what }
        } catch (e: Throwable) {
            lock.release()
            tryFinish(Result.failure(e))
            return
        }
        val task = eventLoop.adoptStage(stage)
        task.markRetrieved()
        followed = task
        task.job.invokeOnCompletion(this)
        if (job.isCancelled) task.cancel() // a cancellation that came while the body ran
    }

    /** The followed stage is done: release, then complete as it did. */
    override fun invoke(cause: Throwable?) {
        lock.release()
        tryFinish(followed!!.resultNow0())
    }

    override fun onCancelRequested(cause: Throwable) {
        if (STATE.compareAndSet(this, WAITING, WITHDRAWN)) {
            unlink(lock.monitor)
            tryFinish(Result.failure(cause))
            return
        }
        followed?.cancel() // holding the lock: down to the body's stage (before the body, run() sees the cancellation)
    }

    override fun toString(): String = super.toString()

    private companion object {
        const val WAITING = 0
        const val HOLDING = 1
        const val WITHDRAWN = 2
        val STATE: AtomicIntegerFieldUpdater<GuardedTask<*>> = AtomicIntegerFieldUpdater.newUpdater(GuardedTask::class.java, "state")
    }
}
