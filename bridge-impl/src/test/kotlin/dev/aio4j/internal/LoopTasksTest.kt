/*
 * LoopTasks' own list, the one that only the loop's thread changes (white-box: which tasks it
 * keeps, and what another thread reads of it). The public behaviour of allTasks() and close() is
 * the rest of the suite's.
 */
package dev.aio4j.internal

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.Promise
import dev.aio4j.Task
import java.lang.ref.WeakReference
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

@Timeout(60)
class LoopTasksTest {
    private val loop: Loop = Async.newLoop()

    @AfterEach
    fun close() = loop.close()

    @Test
    fun tasksTheLoopStartedAndAnotherThreadCompletedAreLetGoDuringTheRun() {
        // 100 tasks made on the loop's thread, cancelled (so completed) by another thread, which
        // cannot unlink them from the loop's own list: the next task the loop starts sweeps them
        val left = AtomicReference<List<WeakReference<Task<Int>>>>()
        val stillHeld = loop.runUntilComplete(
            loop.createTaskAsync {
                left.set(madeHereCompletedElsewhere(100))
                // the next step, after the cancelled tasks' own (they are in the ready queue until then)
                loop.createTaskAsync { CompletableFuture.completedFuture(heldAfterGc(left.get())) }
            },
        )
        assertEquals(0, stillHeld, "done tasks the loop still holds while it runs")
    }

    @Test
    fun aFewSuchTasksAreLetGoWhenTheRunEnds() {
        val left = AtomicReference<List<WeakReference<Task<Int>>>>()
        loop.runUntilComplete(
            loop.createTaskAsync {
                left.set(madeHereCompletedElsewhere(3)) // fewer than a sweep during the run waits for
                loop.createTaskAsync { CompletableFuture.completedFuture(null) }
            },
        )
        assertEquals(0, heldAfterGc(left.get()), "done tasks the loop still holds after its run")
    }

    @Test
    fun anotherThreadListsTheLoopsOwnTasksWhileTheLoopsThreadIsBlocked() {
        // the loop's thread waits for the thread that calls allTasks(): the list does not change
        // meanwhile, so the reader needs nothing from the loop's thread
        val listed = loop.runUntilComplete(
            loop.createTaskAsync {
                val pending = List(3) { loop.createTaskAsync { loop.createPromise<Int>() } }
                val seen = AtomicReference<Set<Task<*>>>()
                val reader = Thread { seen.set(loop.allTasks()) }
                reader.start()
                reader.join(20_000)
                val found = pending.count { it in seen.get().orEmpty() }
                pending.forEach { it.cancel() }
                CompletableFuture.completedFuture(found)
            },
        )
        assertEquals(3, listed, "the loop's pending tasks that allTasks() listed from another thread")
    }

    @Test
    fun anotherThreadListsTheLoopsOwnTasksWhileTheLoopKeepsChangingThem() {
        val (taken, good) = snapshotsUnderChurn(loop, 20_000)
        assertEquals(taken, good, "of $taken snapshots, those that held every keeper")
    }

    @Test
    fun aSnapshotTakenWhileTheLoopIsNotRunningHoldsItsPendingTasksAndNoTaskDoneBefore() {
        // read from another thread between runs (under the loop's monitor): the loop's own list
        // holds a pending task and 50 that were done (and left) before
        val made = loop.runUntilComplete(
            loop.createTaskAsync {
                val pending = loop.createTaskAsync { loop.createPromise<Int>() }
                val done = List(50) { loop.createTaskAsync { CompletableFuture.completedFuture(it) } }
                loop.createTaskAsync { CompletableFuture.completedFuture(pending to done) } // the next step: the 50 ran
            },
        )
        val (pending, doneBefore) = made
        assertTrue(doneBefore.all { it.isDone })
        val listed = CompletableFuture.supplyAsync { loop.allTasks() }.join() // another thread, the loop not running
        assertTrue(pending in listed, "the pending task the loop's thread started is not listed")
        assertFalse(doneBefore.any { it in listed }, "a done task listed")
        pending.cancel()
    }

    /**
     * On the loop's thread: [n] tasks started here, then cancelled by another thread before their
     * body ran (the cancelling thread completes them); weak references to them.
     */
    private fun madeHereCompletedElsewhere(n: Int): List<WeakReference<Task<Int>>> {
        val made = MutableList(n) { loop.createTaskAsync { CompletableFuture.completedFuture(it) } }
        val other = Thread { made.forEach { it.cancel() } }
        other.start()
        other.join()
        assertTrue(made.all { it.isCancelled })
        val refs = made.map { WeakReference(it) }
        made.clear()
        return refs
    }

    /** How many of [refs] are still reachable after a few collections. */
    private fun heldAfterGc(refs: List<WeakReference<Task<Int>>>): Int {
        var rounds = 0
        while (refs.any { it.get() != null } && rounds++ < 50) {
            System.gc()
            Thread.sleep(10)
        }
        return refs.count { it.get() != null }
    }

    internal companion object {
        /**
         * [loop]'s thread starts a task a step that ends (and leaves the loop's own list) 50 steps
         * later, and every 5th step a task that stays pending (a keeper) until, 200 keepers later,
         * it is cancelled (and leaves): the list changes all the time, and the keepers sit between
         * tasks that leave. Another thread takes at least [snapshots] snapshots with allTasks(),
         * over at least as many steps; returns how many it took and how many held every keeper made
         * before the snapshot was asked for and still pending after it. A reader that followed the
         * link of a task as it left would stop there and miss the keepers after it: a race (a reader
         * without the sequence check missed keepers in 12 to 24 of 20,000 snapshots, in each of three runs).
         */
        fun snapshotsUnderChurn(loop: Loop, snapshots: Int): IntArray {
            val churned = AtomicInteger()
            val keepers = ConcurrentLinkedQueue<Task<Int>>()
            return loop.runUntilComplete(
                loop.createTaskAsync {
                    val finished = loop.createPromise<IntArray>()
                    val leaving = ArrayDeque<Promise<Int>>()
                    var stop = false
                    lateinit var churn: Runnable
                    churn = Runnable {
                        if (!stop) {
                            if (leaving.size == 50) leaving.removeFirst().complete(1) // its task leaves now
                            val promise = loop.createPromise<Int>()
                            leaving.addLast(promise)
                            loop.createTaskAsync { promise }
                            if (churned.incrementAndGet() % 5 == 0) {
                                keepers.add(loop.createTaskAsync { loop.createPromise<Int>() })
                                if (keepers.size > 200) keepers.poll().cancel() // the oldest keeper leaves
                            }
                            loop.callSoon(churn)
                        } else {
                            leaving.forEach { it.complete(0) }
                        }
                    }
                    loop.callSoon(churn)
                    val reader = Thread {
                        try {
                            while (churned.get() < 100) Thread.sleep(1)
                            val from = churned.get()
                            var taken = 0
                            var good = 0
                            while (taken < snapshots || churned.get() - from < snapshots) {
                                val before = keepers.toList()
                                val all = loop.allTasks()
                                if (before.all { it in all || it.isDone }) good++ // pending after the call: pending all through it
                                taken++
                            }
                            finished.complete(intArrayOf(taken, good))
                        } catch (e: Throwable) {
                            finished.fail(e)
                        }
                    }
                    reader.start()
                    finished.whenComplete { _, _ ->
                        stop = true
                        keepers.forEach { it.cancel() }
                    }
                    finished
                },
            )
        }
    }
}
