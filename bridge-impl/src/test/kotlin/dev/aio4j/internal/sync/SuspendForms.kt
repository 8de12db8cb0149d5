/*
 * The primitives' waiting operations as suspend functions, for lincheck, which drives suspending
 * operations (and checks that one cancelled while suspended took no effect). They are not API:
 * each calls the one internal operation that the blocking and ...Async methods call, with a
 * third WaitForm whose waiter is a suspended coroutine ([ContForm]).
 *
 * A coroutine is served with kotlinx's tryResume, which fails once it is cancelled. One cancelled
 * after tryResume succeeded is resumed with the cancellation (kotlinx's prompt cancellation); the
 * operation took effect, so [waitIn] catches it and returns what it was served with, as the
 * blocking form returns with the interrupt pending.
 */
package dev.aio4j.internal.sync

import dev.aio4j.internal.EventLoop
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume

/** A suspended coroutine as a waiting caller: the form of one call, and its waiter. */
@OptIn(InternalCoroutinesApi::class)
internal class ContForm(private val cont: CancellableContinuation<Any?>) : WaitForm, Waiter {
    override var putItem: Any? = null
    override var list: WaiterList? = null
    override var prev: Waiter? = null
    override var next: Waiter? = null
    private var token: Any? = null

    /** Whether the operation took effect, and with what. */
    @Volatile var granted = false
    var value: Any? = null
    var failure: Throwable? = null

    override fun waiter(op: WaitOp, putItem: Any?, loop: EventLoop?): Waiter {
        this.putItem = putItem
        return this
    }

    override fun now(op: WaitOp, value: Any?, loop: EventLoop?): Any? {
        this.value = value
        granted = true
        cont.resume(value)
        return null
    }

    override fun waitFor(op: WaitOp, waiter: Waiter): Any? {
        cont.invokeOnCancellation { unlink(op.monitor) }
        return null
    }

    override fun tryGrant(value: Any?): Boolean {
        token = cont.tryResume(value, null) ?: return false
        this.value = value
        granted = true
        return true
    }

    override fun fail(exception: Throwable) {
        failure = exception
    }

    override fun deliver() {
        cont.completeResume(token!!)
    }
}

/** Runs [operation] with a [ContForm] and suspends until it took effect; returns what [op] makes of it. */
internal suspend fun waitIn(op: WaitOp, operation: (WaitForm) -> Any?): Any? {
    var form: ContForm? = null
    try {
        suspendCancellableCoroutine<Any?> { cont -> operation(ContForm(cont).also { form = it }) }
    } catch (e: CancellationException) {
        val f = form!!
        if (!f.granted || f.value === SHUT_DOWN) throw e
    }
    val f = form!!
    f.failure?.let { throw it }
    return op.outcome(f.value).getOrThrow()
}

@Suppress("UNCHECKED_CAST")
internal suspend fun <T : Any> QueueImpl<T>.getSuspending(): T = waitIn(getOp) { get(it, null) } as T

internal suspend fun <T : Any> QueueImpl<T>.putSuspending(item: T) {
    waitIn(putOp) { put(item, it, null) }
}

internal suspend fun QueueImpl<*>.joinSuspending() {
    waitIn(joinOp) { join(it, null) }
}

internal suspend fun LockImpl.acquireSuspending() {
    waitIn(gate) { gate.take(it, null) }
}

internal suspend fun SemaphoreImpl.acquireSuspending() {
    waitIn(gate) { gate.take(it, null) }
}

internal suspend fun EventImpl.awaitSet() {
    waitIn(waitOp) { await(it, null) }
}
