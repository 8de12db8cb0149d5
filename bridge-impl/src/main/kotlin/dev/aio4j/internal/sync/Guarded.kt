/*
 * Holding a lock or a permit around a body: the Held handle of try-with-resources, and the task
 * of withLockAsync/withPermitAsync, asyncio's `async with lock: await body()`.
 *
 * The task is one coroutine: acquire (queued at call time, see OpTask), hop to the loop's thread
 * if the acquire did not suspend, call the body there, wait for its stage, release. A
 * cancellation while the stage runs goes down to it as asyncio's does to an awaited task: the
 * stage is cancelled and waited for, and only then is the lock released, so that the body never
 * runs unguarded.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.TaskImpl
import dev.aio4j.sync.Held
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletionStage
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.function.Supplier
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

/** The task of withLockAsync/withPermitAsync on [loop]. */
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
