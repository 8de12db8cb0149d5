/*
 * Holding a lock or a permit around a body: the Held handle of try-with-resources, and the task of
 * withLockAsync/withPermitAsync (GuardedTask), asyncio's `async with lock: return await body()`.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.callAsyncBody
import dev.aio4j.internal.FollowingTask
import dev.aio4j.sync.Held
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater

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
 * if a permit was free and the caller is on the loop's thread, else in a step of the loop) and
 * follows the stage the body returns as every FollowingTask does; the permit is given back when
 * that stage is done ([onFollowedDone]), before the task completes. A cancellation while it waits
 * withdraws it; once it holds the permit, the cancellation goes down to the body's stage (the
 * chain rule), and the permit is given back only when that stage is done, so that the body never
 * runs unguarded. Cancelled before the body was called, the body is never called. The permit is
 * given back exactly once: by [run] when the body is not called or throws, else by
 * [onFollowedDone], which runs once. [what] names withLockAsync/withPermitAsync (the gate's
 * [PermitGate.guardedWhat]).
 *
 *   WAITING ──granted (tookAtOnce, tryGrant)──▶ HOLDING ──run: body, follow──▶ ... ──followed done: give back──▶ completed
 *      └──cancel──▶ WITHDRAWN (unlinked, completes cancelled at once)
 *
 * The three are phases of the task's status (RUNNING, BODY_DONE: the body's turn, CANCELLED_EARLY:
 * the body never runs), as a derived stage keeps its own, not a field: 4 bytes less, 72 bytes to 64.
 */
internal class GuardedTask<T>(
    loop: EventLoop,
    private val gate: PermitGate,
    private var body: Callable<out CompletionStage<out T>>?,
) : FollowingTask<T>(loop, null, WAITING), Waiter, Runnable {
    /** The gate's, not a field of the task's: with the give-back's failure returned, not kept (onFollowedDone), 80 bytes became 72. */
    private val what: String get() = gate.guardedWhat

    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null

    /** The lock was taken for this task when it was made. */
    fun tookAtOnce() {
        casPhase(WAITING, HOLDING) // fails only if a cancel() withdrew it first: then run() gives the permit back
        if (eventLoop.isLoopThread()) run() else eventLoop.enqueue(this)
    }

    override fun tryGrant(value: Any?): Boolean = casPhase(WAITING, HOLDING)

    override fun fail(exception: Throwable) {} // a lock hands over nothing that can fail

    override fun deliver() {
        eventLoop.enqueue(this)
    }

    /** Holding the lock, on the loop's thread: calls the body and follows its stage. */
    override fun run() {
        val b = body ?: return
        body = null
        val stage = try {
            if (isCancelling()) throw cancellationCause()
            callAsyncBody(this, b) { what }
        } catch (e: Throwable) {
            tryFinish(Result.failure(giveBackFailure()?.also { it.addSuppressed(e) } ?: e))
            return
        }
        follow(stage)
    }

    /**
     * Gives the permit back; null, or, when the body released it already (the gate is at its
     * bound: a release() too many), the IllegalStateException that the task fails with, as
     * asyncio's `async with lock:` fails with the RuntimeError of the release in its __aexit__.
     * Never throws: a throw here would leave the task unfinished for ever, and the loop's close with it.
     */
    private fun giveBackFailure(): Throwable? =
        if (gate.give()) null else IllegalStateException("$what: the lock or permit was released already, by the body (a release() too many)")

    /**
     * The followed stage is done: the permit goes back before the task completes as the stage did;
     * a failure to give it back is the task's failure (FollowingTask adds the stage's to it).
     */
    override fun onFollowedDone(): Throwable? = giveBackFailure()

    override fun onCancelRequested(cause: Throwable) {
        if (casPhase(WAITING, WITHDRAWN)) {
            unlink(gate.monitor)
            tryFinish(Result.failure(cause))
        } else {
            super.onCancelRequested(cause) // holding the lock: down to the body's stage (before the body, run() sees the cancellation)
        }
    }

    override val completesInTryFinish: Boolean get() = true

    override fun toString(): String = super.toString()

    private companion object {
        const val WAITING = RUNNING
        const val HOLDING = BODY_DONE
        const val WITHDRAWN = CANCELLED_EARLY
    }
}
