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
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage

internal class LockImpl : AsyncLock {
    @JvmField val gate = PermitGate(1, 1, "AsyncLock.lock()", "AsyncLock.withLockAsync()")
    private val releaser = Runnable { release() }

    override fun lock(): Held = gate.acquireHeld(releaser, "lock")

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun <T> withLock(body: Callable<out T>?): T {
        requireArgument(body, "body", "AsyncLock.withLock")
        return gate.withPermit("AsyncLock.withLock()", body) { release() }
    }

    override fun acquireAsync(): Task<Void?> = gate.acquireAsync()

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked below: see Arguments.kt
    override fun <T> withLockAsync(body: Callable<out CompletionStage<out T>>?): Task<T> {
        requireArgument(body, "body", "AsyncLock.withLockAsync")
        return gate.guardedAsync(body)
    }

    override fun tryLock(): Boolean = gate.tryTake()

    override fun release() {
        check(gate.give()) { "release() of an AsyncLock that is not locked" }
    }

    override fun isLocked(): Boolean = gate.available == 0

    override fun toString(): String = "AsyncLock(${if (isLocked()) "locked" else "unlocked"}, waiters=${gate.waiting()})"
}
