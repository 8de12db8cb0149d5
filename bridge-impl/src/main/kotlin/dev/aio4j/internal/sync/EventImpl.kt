/*
 * asyncio.Event on kotlinx Jobs: the current generation is a CompletableJob that set() completes
 * and clear() replaces with a new one once it is complete. A waiter joins the generation it read,
 * so every waiter present at a set() wakes, even if clear() follows at once (asyncio's rule:
 * set() resolves the futures of the waiters present). Both operations are one CAS on [gate],
 * which makes them linearizable: set at its read of a completed gate or its complete(), clear
 * at its CAS or its read of a gate not completed.
 */
package dev.aio4j.internal.sync

import dev.aio4j.Task
import dev.aio4j.sync.AsyncEvent
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CompletableJob
import kotlinx.coroutines.Job

internal class EventImpl : AsyncEvent {
    private val gate = AtomicReference<CompletableJob>(Job())

    override fun set() {
        gate.get().complete()
    }

    override fun clear() {
        val current = gate.get()
        if (current.isCompleted) gate.compareAndSet(current, Job())
    }

    override fun isSet(): Boolean = gate.get().isCompleted

    /** Waits until set: the suspend form that both styles run. */
    suspend fun awaitSet() {
        gate.get().join()
    }

    override fun await() {
        SyncBlocking.enter("AsyncEvent.await()")
        if (!isSet()) SyncBlocking.await("AsyncEvent.await()") { awaitSet() }
    }

    override fun awaitAsync(): Task<Void?> {
        val loop = openCurrentLoop()
        if (isSet()) return loop.doneVoid
        return OpTask(loop, null) {
            awaitSet()
            null
        }
    }

    override fun toString(): String = "AsyncEvent(${if (isSet()) "set" else "unset"})"
}
