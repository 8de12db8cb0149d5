/*
 * LoopTasks (white-box: which tasks and chunks it keeps, and what another thread reads of the
 * loop's own chain). The public behaviour of allTasks() and close() is the rest of the suite's.
 */
package dev.aio4j.internal

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.Promise
import dev.aio4j.Task
import java.lang.ref.WeakReference
import java.time.Duration
import java.util.concurrent.Callable
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
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
        // clears their slots in the loop's own chain, which only the loop's thread changes
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
                left.set(madeHereCompletedElsewhere(3))
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

    @Test
    fun blockingTasksThatEndedAreLetGoWhileTheRunGoesOn() {
        // a blocking task leaves its stripe without its lock, by clearing its own slot: a long run
        // that keeps starting blocking tasks does not keep those that ended
        val stillHeld = inBlockingTask {
            val ended = endedBlockingTasks(100)
            awaitLeft(ended) // join() does not wait for a task's completion handlers, after which it leaves
            heldAfterGc(ended)
        }
        assertEquals(0, stillHeld, "ended blocking tasks the loop still holds while it runs")
    }

    @Test
    fun aBlockingTaskThatEndedIsLetGoWhenTheLoopWaitsForWorkThoughNoTaskIsAddedAfterIt() {
        // no task is added after it
        val stillHeld = inBlockingTask {
            val ended = endedBlockingTasks(1)
            var rounds = 0
            while (ended[0].get() != null && rounds++ < 200) {
                System.gc()
                Async.sleepAsync(Duration.ofMillis(10)).join() // the loop waits: a timer wakes it
            }
            ended.count { it.get() != null }
        }
        assertEquals(0, stillHeld, "an ended blocking task the loop still holds while it runs")
    }

    @Test
    fun aFewBlockingTasksThatEndedAreLetGoWhenTheRunEnds() {
        // they have left when the run ends (their threads ran their completion handlers, which
        // join() does not wait for)
        val ended = inBlockingTask { endedBlockingTasks(3).also { awaitLeft(it) } }
        assertEquals(0, heldAfterGc(ended), "ended blocking tasks the loop still holds after its run")
    }

    @Test
    fun aBlockingTaskThatLeavesAfterTheRunEndedIsLetGo() {
        // the run ends before the task has left (its thread still runs its completion handler)
        val release = CountDownLatch(1)
        val ended = loop.runUntilComplete(
            loop.createTaskAsync {
                val registered = CountDownLatch(1)
                val t = loop.createTask(Callable { registered.await(); 1 }) as TaskImpl<Int>
                t.whenDone { release.await() } // on the task's thread, as it completes
                registered.countDown()
                CompletableFuture.completedFuture(listOf(WeakReference<Task<Int>>(t)))
            },
        )
        release.countDown() // the run has ended: the task leaves now
        awaitLeft(ended)
        assertEquals(0, heldAfterGc(ended), "a blocking task that left after a run ended is still held")
    }

    @Test
    fun pendingBlockingTasksAreListedWhileOthersStartAndEndOnManyThreads() {
        // four spawners start 20,000 short blocking tasks (which leave without the lock while the
        // spawners' adds and the loop prune the chunks) beside four keepers that stay pending; this
        // thread lists the loop's tasks meanwhile: a prune that dropped a chunk with a task that has
        // not left, or a leave that cleared another task's slot, would lose a keeper
        val release = CountDownLatch(1)
        val (listings, missed) = inBlockingTask {
            val keepers = List(4) { loop.createTask(Callable { release.await(); 0 }) }
            val spawners = List(4) {
                loop.createTask(
                    Callable {
                        repeat(50) { List(100) { i -> loop.createTask(Callable { i }) }.forEach { it.join() } }
                        0
                    },
                )
            }
            var listings = 0
            var missed = 0
            while (!spawners.all { it.isDone }) {
                val all = loop.allTasks()
                listings++
                if (!all.containsAll(keepers)) missed++
            }
            release.countDown()
            (keepers + spawners).forEach { it.join() }
            listings to missed
        }
        assertTrue(listings > 0)
        assertEquals(0, missed, "of $listings listings, those that missed a pending keeper")
    }

    @Test
    fun theChunksOfEndedTasksAreDroppedWhileTheRunGoesOnAndALongLivedTaskKeepsOnlyItsOwn() {
        // 10,000 blocking tasks, each joined and gone before the next starts (313 chunks of 32 if
        // none were dropped), with a keeper, which stays pending, every 1,000th: the adds' prunes
        // drop the chunks of the ended tasks. Each stripe's chain is at most twice what its last
        // prune kept (its keepers' chunks and its last) and 2 more. The keepers are 11: the ten and
        // this body's own task, in a stripe too (the bound first counted ten, and a CI run on JDK 25
        // held 34 chunks); so 2 x (11 + 3) + 3 x 2 in all, and the home chain's one. A prune that
        // dropped a chunk with a keeper in it fails the listing; a leave that cleared another
        // task's slot too.
        val release = CountDownLatch(1)
        val (chunksDuringRun, listed) = inBlockingTask {
            val keepers = ArrayList<Task<Int>>()
            repeat(10) {
                keepers.add(loop.createTask(Callable { release.await(); 0 }))
                repeat(999) { i ->
                    val t = loop.createTask(Callable { i }) as TaskImpl<Int>
                    t.join()
                    while (t.loopChunk != null) Thread.onSpinWait() // its thread runs its completion handlers, then leaves
                }
            }
            val chunks = (loop as EventLoop).tasks.chunks()
            val all = loop.allTasks()
            release.countDown()
            keepers.forEach { it.join() }
            chunks to keepers.count { it in all }
        }
        assertEquals(10, listed, "keepers that allTasks() listed")
        assertTrue(chunksDuringRun <= 2 * (11 + 3) + 3 * 2 + 1, "$chunksDuringRun chunks held during the run")
    }

    @Test
    fun tasksThatTheLoopsThreadStartsAndCompletesLeaveNoChunkBehind() {
        // 10,000 tasks started in one step of the loop's thread, each done in its first step: the
        // loop's thread counts the slots it clears and drops each chunk as its last slot is
        // cleared, with no prune (which would not come: no add follows, and the run goes on)
        val chunks = loop.runUntilComplete(
            loop.createTaskAsync {
                List(10_000) { i -> loop.createTaskAsync { CompletableFuture.completedFuture(i) } }
                // the next step, after those of the 10,000
                loop.createTaskAsync { CompletableFuture.completedFuture((loop as EventLoop).tasks.chunks()) }
            },
        )
        assertEquals(1 + 3, chunks, "chunks held after 10,000 tasks the loop's thread started and completed (one a chain)")
    }

    @Test
    fun theChunksOfTasksThatAnotherThreadCompletedArePrunedAtTheEndOfARun() {
        // 10,000 tasks started on the loop's thread and cancelled by another, which clears their
        // slots without counting them: it marks the chain, whose prune at the end of a run drops
        // their chunks (the second run's, as in the test below)
        loop.runUntilComplete(
            loop.createTaskAsync {
                madeHereCompletedElsewhere(10_000)
                loop.createTaskAsync { CompletableFuture.completedFuture(null) }
            },
        )
        Thread.sleep(10)
        loop.runUntilComplete(loop.createTaskAsync { CompletableFuture.completedFuture(null) })
        assertEquals(3 + 1, (loop as EventLoop).tasks.chunks(), "chunks held after the runs (one a chain)")
    }

    @Test
    fun theLoopsOwnChainDropsTheChunksOfABurstOnceItEnded() {
        // 10,000 tasks started in one step of the loop's thread (313 chunks of its own chain), all
        // done a few steps later: no add follows, the end of a run drops their chunks (one that
        // ends within 10 microseconds a chunk of the loop's making or of the last such prune, 3 ms
        // here, leaves them to the next: the second run, 10 ms later)
        val sum = loop.runUntilComplete(
            loop.createTaskAsync {
                val burst = List(10_000) { i -> loop.createTaskAsync { CompletableFuture.completedFuture(i) } }
                Async.gather(burst).thenApply { it.sum() }
            },
        )
        assertEquals(49_995_000, sum)
        Thread.sleep(10)
        loop.runUntilComplete(loop.createTaskAsync { CompletableFuture.completedFuture(null) })
        assertEquals(3 + 1, (loop as EventLoop).tasks.chunks(), "chunks held after the runs (one a chain)")
    }

    @Test
    fun closeCancelsTheTasksInEveryChunkAndDropsTheChunks() {
        // 10,000 pending tasks in the loop's own chain and 300 in the stripes (made from another
        // thread) when the run ends: close() cancels them all, and the closed loop keeps no chunk
        // but each chain's last (close() drops them; the end of one of its runs may have pruned them
        // first)
        val (own, fromOutside) = loop.runUntilComplete(
            loop.createTaskAsync {
                val own = List(10_000) { loop.createTaskAsync { loop.createPromise<Int>() } }
                val fromOutside = CompletableFuture.supplyAsync { List(300) { loop.createTaskAsync { loop.createPromise<Int>() } } }.join()
                CompletableFuture.completedFuture(own to fromOutside)
            },
        )
        loop.close()
        assertEquals(10_300, (own + fromOutside).count { it.isCancelled }, "tasks that close() cancelled")
        assertEquals(3 + 1, (loop as EventLoop).tasks.chunks(), "chunks held after close(): each chain's last")
    }

    @Test
    fun closeWaitsForABlockingTaskWhoseCompletionHandlersStillRun() {
        // the task is done (so not among those close() cancels) but its thread still runs its
        // handlers: close() ends only after they did, as the task has not left its stripe yet (on
        // JDK 17 the blocking tasks' pool, whose end close() waits for, covers it too; with
        // virtual threads on JDK 21+ only the stripe does)
        val handlerRunning = CountDownLatch(1)
        val handlerEnded = AtomicBoolean()
        val handlerOnLoopThread = AtomicBoolean(true)
        val task = loop.runUntilComplete(
            loop.createTaskAsync {
                val registered = CountDownLatch(1)
                val t = loop.createTask(Callable { registered.await(); 1 }) as TaskImpl<Int>
                t.whenDone { // on the task's thread, as it completes
                    handlerOnLoopThread.set((loop as EventLoop).inLoopThread())
                    handlerRunning.countDown()
                    Thread.sleep(200)
                    handlerEnded.set(true)
                }
                registered.countDown()
                CompletableFuture.completedFuture(t)
            },
        )
        assertTrue(handlerRunning.await(20, TimeUnit.SECONDS))
        assertTrue(task.isDone)
        assertFalse(handlerOnLoopThread.get(), "the handler ran on the loop's thread, not the task's")
        loop.close()
        assertTrue(handlerEnded.get(), "close() returned while a blocking task's completion handler still ran")
    }

    /** Runs the loop until [body], run in a blocking task, returns; what it returned. */
    private fun <T> inBlockingTask(body: () -> T): T = loop.runUntilComplete(loop.createTask(Callable { body() }))

    /** Waits until the tasks of [refs] have left LoopTasks (cleared their slots, after their completion handlers ran). */
    private fun awaitLeft(refs: List<WeakReference<Task<Int>>>) {
        val deadline = System.nanoTime() + 20_000_000_000L
        while (refs.any { (it.get() as TaskImpl<*>?)?.loopChunk != null }) {
            check(System.nanoTime() < deadline) { "a task did not leave in 20 s" }
            Thread.sleep(1)
        }
    }

    /** On a blocking task's thread: [n] blocking tasks started and joined; weak references to them. */
    private fun endedBlockingTasks(n: Int): List<WeakReference<Task<Int>>> {
        val made = MutableList(n) { i -> loop.createTask(Callable { i }) }
        made.forEach { it.join() }
        val refs = made.map { WeakReference(it) }
        made.clear()
        return refs
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
            // set when the run ends, whichever way: a run that timed out would otherwise leave the
            // churn going, and the close that follows would run it for ever
            val stop = AtomicBoolean()
            try {
                return runChurn(loop, snapshots, churned, keepers, stop)
            } finally {
                stop.set(true)
            }
        }

        private fun runChurn(loop: Loop, snapshots: Int, churned: AtomicInteger, keepers: ConcurrentLinkedQueue<Task<Int>>, stop: AtomicBoolean): IntArray =
            loop.runUntilComplete(
                loop.createTaskAsync {
                    val finished = loop.createPromise<IntArray>()
                    val leaving = ArrayDeque<Promise<Int>>()
                    lateinit var churn: Runnable
                    churn = Runnable {
                        if (!stop.get()) {
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
                            while ((taken < snapshots || churned.get() - from < snapshots) && !stop.get()) {
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
                        stop.set(true)
                        keepers.forEach { it.cancel() }
                    }
                    finished
                },
            )
    }
}
