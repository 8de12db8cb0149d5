/*
 * The prompt-cancellation trap (docs/ARCHITECTURE.md, Traps), tested where it lives: kotlinx's prompt cancellation. A coroutine that is
 * handed an item (or whose item is let in) and cancelled before it resumes must lose nothing: the
 * operation has taken effect, so it returns normally (the item in hand) and the cancellation
 * shows at the coroutine's next suspension. runBlocking's single thread makes the interleaving
 * exact: the hand-over only schedules the waiter's resumption, and the cancel comes before the
 * event loop runs it.
 *
 * This is the rule of the test tree's suspending form (SuspendForms.kt, lincheck's), unchanged.
 * The shipped Kotlin path, Task.await() of a getAsync() task, gives the item back instead when its
 * coroutine is cancelled before it resumes (since 2026-12-06: CancelledAwaiterGivesTheGrantBackTest).
 */
package dev.aio4j.internal.sync

import dev.aio4j.sync.QueueShutDownException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class QueuePromptCancellationTest {

    @Test
    fun anItemHandedToAGetterCancelledBeforeItResumesIsStillReturned(): Unit = runBlocking {
        val q = QueueImpl<Int>(QueueStore.Fifo(), 0)
        var got: Int? = null
        var cancelledAfter = false
        val getter = launch(start = CoroutineStart.UNDISPATCHED) {
            got = q.getSuspending()
            try {
                yield()
            } catch (e: CancellationException) {
                cancelledAfter = true
                throw e
            }
        }
        q.putNow(1) // handed to the getter, whose resumption is only scheduled
        q.putNow(2)
        getter.cancel()
        getter.join()
        assertEquals(1, got, "the item handed over is returned, not dropped")
        assertTrue(cancelledAfter, "the cancellation shows at the next suspension")
        assertEquals(listOf(2), listOf(q.getNow()))
        assertTrue(q.isEmpty())
    }

    @Test
    fun aGetterCancelledBeforeAnyItemCameTakesNone(): Unit = runBlocking {
        val q = QueueImpl<String>(QueueStore.Lifo(), 0)
        var got: String? = null
        val cancelled = launch(start = CoroutineStart.UNDISPATCHED) { got = q.getSuspending() }
        cancelled.cancel()
        cancelled.join()
        q.putNow("x")
        assertNull(got)
        assertEquals("x", q.getNow())
    }

    @Test
    fun aPutLetInForACoroutineCancelledBeforeItResumesHasPut(): Unit = runBlocking {
        val q = QueueImpl<String>(QueueStore.Fifo(), 1)
        q.putNow("a")
        var returned = false
        val putter = launch(start = CoroutineStart.UNDISPATCHED) {
            q.putSuspending("b")
            returned = true
        }
        assertEquals("a", q.getNow()) // lets "b" in; the putter's resumption is only scheduled
        assertEquals(1, q.size())
        putter.cancel()
        putter.join()
        assertTrue(returned, "put returned normally: its item is in")
        assertEquals("b", q.getNow())
    }

    @Test
    fun aPutterCancelledWhileWaitingPutsNothing(): Unit = runBlocking {
        val q = QueueImpl<String>(QueueStore.Fifo(), 1)
        q.putNow("a")
        val putter = launch(start = CoroutineStart.UNDISPATCHED) { q.putSuspending("b") }
        putter.cancel()
        putter.join()
        assertEquals("a", q.getNow())
        assertTrue(q.isEmpty())
        assertFalse(q.isFull())
    }

    @Test
    fun aShutdownReleasesWaitingPuttersButNotThoseLetInBefore(): Unit = runBlocking {
        val q = QueueImpl<String>(QueueStore.Fifo(), 1)
        q.putNow("a")
        val putter = launch(start = CoroutineStart.UNDISPATCHED) { q.putSuspending("b") }
        var refusal: Throwable? = null
        val refused = launch(start = CoroutineStart.UNDISPATCHED) {
            try {
                q.putSuspending("c")
            } catch (e: QueueShutDownException) {
                refusal = e
            }
        }
        assertEquals("a", q.getNow()) // lets "b" in
        q.shutdown()
        putter.join()
        refused.join()
        assertTrue(refusal is QueueShutDownException, "a waiting putter is released by the shutdown")
        assertEquals("b", q.getNow(), "a put let in before the shutdown took effect")
        assertTrue(runCatching { q.getNow() }.exceptionOrNull() is QueueShutDownException)
    }
}
