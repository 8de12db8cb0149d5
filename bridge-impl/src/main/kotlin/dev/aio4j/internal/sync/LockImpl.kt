/*
 * asyncio.Lock: a PermitGate of one permit. FIFO waiters, no barging past them, no owner, and a
 * release that hands the lock straight to the first waiter still waiting.
 *
 * It stood on kotlinx's Mutex until the lock hand-off benchmark showed what that costs a Java
 * caller (withLockAsync was a coroutine, a waiting lock() ran in runBlocking): see PermitGate.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.requireArgument

import dev.aio4j.Task
import dev.aio4j.sync.AsyncLock
import dev.aio4j.sync.Held
import java.util.Objects
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage

internal class LockImpl : AsyncLock {
    @JvmField val gate = PermitGate(1, 1, "AsyncLock.lock()")
    private val releaser = Runnable { release() }

    override fun lock(): Held {
        SyncBlocking.enter(gate.what)
        gate.take(PARK, null)
        return HeldHandle(releaser, "lock")
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun <T> withLock(body: Callable<out T>?): T {
        requireArgument(body, "body", "AsyncLock.withLock")
        SyncBlocking.enter("AsyncLock.withLock()")
        gate.take(PARK, null)
        return SyncBlocking.guarded("AsyncLock.withLock()", body) { release() }
    }

    @Suppress("UNCHECKED_CAST")
    override fun acquireAsync(): Task<Void?> = gate.take(TASK, openCurrentLoop()) as Task<Void?>

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun <T> withLockAsync(body: Callable<out CompletionStage<out T>>?): Task<T> {
        requireArgument(body, "body", "AsyncLock.withLockAsync")
        return gate.guardedAsync(openCurrentLoop(), "AsyncLock.withLockAsync()", body)
    }

    override fun tryLock(): Boolean = gate.tryTake()

    override fun release() {
        check(gate.give()) { "release() of an AsyncLock that is not locked" }
    }

    override fun isLocked(): Boolean = gate.available == 0

    override fun toString(): String = "AsyncLock(${if (isLocked()) "locked" else "unlocked"}, waiters=${gate.waiting()})"
}
