/*
 * Holding a lock or a permit around a body: the Held handle of try-with-resources, and the task of
 * withLockAsync/withPermitAsync (GuardedTask), asyncio's `async with lock: return await body()`.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.callAsyncBody
import dev.aio4j.internal.TaskImpl
import dev.aio4j.sync.Held
import java.util.concurrent.CompletionStage
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import java.util.function.Supplier

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

/**
 * The task of withLockAsync/withPermitAsync, without a coroutine: it waits for a permit of [gate]
 * as itself (a waiter of the gate), then, holding it, calls the body on the loop's thread (at once
 * if a permit was free and the caller is on the loop's thread, else in a step of the loop),
 * follows the stage the body returns, and gives the permit back when that stage is done, before
 * the task completes. A cancellation while it waits withdraws it; once it holds the permit, the
 * cancellation goes down to the body's stage (asyncio's chain rule), and the permit is given back
 * only when that stage is done, so that the body never runs unguarded. Cancelled before the body
 * was called, the body is never called.
 */
internal class GuardedTask<T>(
    loop: EventLoop,
    private val gate: PermitGate,
    private val what: String,
    private var body: Supplier<out CompletionStage<out T>>?,
) : TaskImpl<T>(loop, null, RUNNING), Waiter, Runnable, (Throwable?) -> Unit {
    @Volatile private var state = WAITING
    @Volatile private var followed: TaskImpl<out T>? = null
    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null

    init {
        start(loop.taskContext) // in the constructor, as before the start protocol: the wait structure's rework moves it to the factories
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
            gate.giveBack()
            tryFinish(Result.failure(job.getCancellationException()))
            return
        }
        val stage = try {
            callAsyncBody(this, b) { what }
        } catch (e: Throwable) {
            gate.giveBack()
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
        gate.giveBack()
        tryFinish(followed!!.resultNow0())
    }

    override fun onCancelRequested(cause: Throwable) {
        if (STATE.compareAndSet(this, WAITING, WITHDRAWN)) {
            unlink(gate.monitor)
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
