/*
 * asyncio.Event: a flag and one line of waiters (Waiters.kt) under one monitor. set() raises the
 * flag and serves every waiter in the line, so every waiter present at a set() wakes, even if
 * clear() follows at once (asyncio's rule: set() resolves the futures of the waiters present);
 * a wait on a set event takes effect at once. Each operation takes effect under the monitor,
 * which makes the event linearizable.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.internal.EventLoop
import dev.aio4j.sync.AsyncEvent
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock

internal class EventImpl : AsyncEvent {
    @Volatile private var flag = false
    private val waiters = WaiterList()

    /** The wait, as its waiters see it. */
    @JvmField val waitOp = object : WaitOp(ReentrantLock(), "AsyncEvent.await()") {}

    override fun set() {
        deliverAll(
            waitOp.monitor.withLock {
                flag = true
                waiters.grantUpTo(Int.MAX_VALUE, Unit)
            },
        )
    }

    override fun clear() {
        flag = false
    }

    override fun isSet(): Boolean = flag

    /** asyncio's wait: waits as [form] says until the event is set. */
    fun await(form: WaitForm, loop: EventLoop?): Any? {
        if (flag) return form.now(waitOp, null, loop)
        val waiter = waitOp.monitor.withLock {
            if (flag) null else form.waiter(waitOp, null, loop).also { waiters.add(it) }
        }
        return if (waiter == null) form.now(waitOp, null, loop) else form.waitFor(waitOp, waiter)
    }

    override fun await() {
        SyncBlocking.enter(waitOp.what)
        await(PARK, null)
    }

    @Suppress("UNCHECKED_CAST")
    override fun awaitAsync(): Task<Void?> = await(TASK, openCurrentLoop()) as Task<Void?>

    override fun toString(): String = "AsyncEvent(${if (isSet()) "set" else "unset"})"
}
