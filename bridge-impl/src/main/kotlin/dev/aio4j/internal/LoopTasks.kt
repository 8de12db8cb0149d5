/*
 * The loop's top-level tasks: the tasks that close() cancels and waits for and allTasks() lists.
 * Every task started on the loop is one (a task with a kotlinx Job, a coroutine body's, has a job
 * without a parent); a task of a TaskGroup is not (its group's job keeps it), nor is a task born
 * done (DoneTask: nothing to cancel or wait for). The root job's children (kotlinx coroutines
 * started on the loop's context by Kotlin code) are the other top-level work; close() and
 * allTasks() read both.
 *
 * A task is written into a slot of a chunk, a small array ([SlotList]: chunks of 32 slots, chained
 * oldest first), and it knows its slot ([TaskImpl.loopChunk], [TaskImpl.loopSlot]). It leaves by
 * clearing its slot, on whatever thread completes it, with a plain store after a release fence: no
 * lock, no atomic update, nothing of another task written or read, nothing but the chunk read (the
 * carriers of a burst of short blocking tasks that complete at once only share a chunk's cache line
 * now and then). A slot is never used again, so a second leave (a task's start and its completion
 * may both make it) clears nothing else. On the loop's own chain the loop's thread also counts the
 * slots it clears and drops a chunk as its last slot is cleared; another thread's clear marks that
 * chain strayed. A prune drops the chunks whose slots are all clear, reading only the chunks (16
 * slots a cache line), never the tasks (the loop's own chain only when strayed): in an add that
 * needs a new chunk when the chain is twice as long as after its last prune (and 2 more), and at
 * the end of a run and when the loop's thread waits for work ([tidy]). close() drops them all. A
 * chunk that holds a task which lives on stays (170 bytes beside it).
 *
 * Before 2026-12-07 the lists were linked through the tasks' own fields: a blocking task that
 * completed on its carrier only marked itself, and a sweep on the spawning thread unlinked the marked
 * ones, reading every linked task, cold in a burst of a million: 21 % of a blocking spawn + gather
 * (JFR), and the loop kept an ended task until that sweep.
 *
 * Two kinds of chain:
 * - the loop's own ([home]): the tasks that the loop's thread starts during a run (a SINGLE_THREAD
 *   loop; blocking tasks excepted, see [holdsBlockingTask]), which is nearly every non-blocking
 *   task. Only the thread running the loop adds to it, drops its chunks or prunes it, with plain
 *   stores. Another thread reads it under a sequence number ([version], odd meanwhile;
 *   a reader whose number changed reads again), or under the loop's monitor while the loop is not
 *   running (a run takes it to begin), or, when the running loop keeps changing the chain, has the
 *   loop's thread read it.
 * - three stripes ([stripes]), each under a spin lock held to add and to prune, for the tasks that
 *   other threads start: blocking tasks, and tasks made from outside the loop.
 */
package dev.aio4j.internal

import java.lang.invoke.VarHandle
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater

internal class LoopTasks(private val loop: EventLoop) {
    /** The loop's own chain: see the file's comment. */
    private val home = SlotList(ownedByOneThread = true)
    /** [home]'s sequence number: odd while the loop's thread changes it (see [changeHome]). */
    @Volatile private var version = 0

    /**
     * The stripes of the other threads: several threads may start tasks at once (blocking tasks
     * that spawn blocking tasks), so one lock would be contended by all of them. A task goes to
     * the next stripe in turn (a plain counter: a lost increment only evens out less).
     */
    private val stripes = Array(3) { Stripe() }
    private var turn = 0

    /** Adds [task]; it must not be in yet. */
    fun add(task: TaskImpl<*>) {
        if (task !is BlockingTask<*> && loop.inLoopThread()) {
            changeHome { home.add(task) }
            task.enterLoop()
        } else {
            stripes[(turn++ and Int.MAX_VALUE) % stripes.size].add(task)
        }
    }

    /**
     * Removes [task] if it is in (a second removal does nothing), on any thread, after the task's
     * completion handlers ran: clears its slot after a release fence, so that a reader that sees the
     * slot clear ([holdsBlockingTask]) sees what they did. The loop's thread counts a slot of [home]
     * that it clears, and drops the chunk once all its slots are (inside the sequence); another
     * thread marks [home] strayed, for its prunes.
     */
    fun remove(task: TaskImpl<*>) {
        val chunk = task.loopChunk ?: return
        task.loopChunk = null // a done task kept by its user must not keep its chunk
        VarHandle.releaseFence()
        chunk.slots[task.loopSlot] = null
        if (chunk.owned == null) return // a stripe's
        if (loop.inLoopThread()) {
            if (home.dropsAtNextClear(chunk)) changeHome { home.clearedByOwner(chunk) } else home.clearedByOwner(chunk)
        } else if (!home.strayed) {
            home.strayed = true
        }
    }

    /** The end of a run of the loop, on its thread, while it still runs it: see [tidy]. */
    fun endOfRun() = tidy()

    /** The loop's thread is about to wait for work: see [tidy]. */
    fun idle() = tidy()

    /** When [tidy] last pruned, or the loop was made (on the loop's thread; a run on another thread may read a stale time, which only moves a prune). */
    private var lastTidy = loop.startNanos

    /**
     * On the loop's thread: drops the cleared chunks of every chain, so that those of a burst of
     * ended tasks go while the loop runs even if no task is added any more, unless the chains hold
     * [TIDY_MIN] chunks or fewer (a loop without many tasks reads four counts: under lincheck's model
     * checking every read of a prune is a switch point, and the loop's short runs each end with
     * one), or less than [TIDY_NANOS_PER_CHUNK] a chunk has passed since the last such prune or
     * the loop was made (a prune reads two or three cache lines a cleared chunk, 200-250 ns: 2-3 %
     * of the loop's time at most, whatever it holds; an Async.run that spawns a million tasks
     * ends without one, and its close drops the chunks without reading them).
     */
    private fun tidy() {
        var chunks = home.chunkCount
        for (stripe in stripes) chunks += stripe.chunkCount
        if (chunks <= TIDY_MIN) return
        val now = System.nanoTime()
        if (now - lastTidy < chunks * TIDY_NANOS_PER_CHUNK) return
        lastTidy = now
        if (loop.inLoopThread() && home.strayed) changeHome { home.prune() }
        for (stripe in stripes) stripe.prune()
    }

    /**
     * Changes [home] on the loop's thread (or while no run can begin) inside a sequence: the
     * number odd before the first store of [change] (a store-store fence), even again after its
     * last (a release store). Plain stores on x86, where the fences only bind the compiler.
     */
    private inline fun changeHome(change: () -> Unit) {
        val v = version
        VERSION.lazySet(this, v + 1)
        VarHandle.storeStoreFence()
        change()
        VERSION.lazySet(this, v + 2)
    }

    /**
     * The tasks in now that are not done, in no particular order. A task leaves just after it
     * completes (and its completion handlers ran): one done but not gone yet is left out, so that
     * close() does not cancel it, which would count as retrieving its failure.
     */
    fun pending(): List<TaskImpl<*>> {
        val list = ArrayList<TaskImpl<*>>()
        if (loop.singleThread) addHomePendingTo(list)
        for (stripe in stripes) stripe.addPendingTo(list)
        return list
    }

    /**
     * Whether a blocking task is in, done or not: one that is done is still running its completion
     * handlers. Only the stripes hold blocking tasks ([add]), so [home] is not read: its reader on
     * another thread would have to go through the sequence number.
     */
    fun holdsBlockingTask(): Boolean = stripes.any { it.holdsBlockingTask() }.also { VarHandle.acquireFence() }

    /** How many chunks the chains hold now (white-box tests: what the prunes left). */
    fun chunks(): Int = home.chunkCount + stripes.sumOf { it.chunkCount }

    /**
     * The loop is closed, on the closing thread: drops every chunk but each chain's last, without
     * reading them, so that a closed loop that its user keeps keeps none of its tasks' chunks. The
     * close waited for every task to end and leave (a blocking task's thread, a thread completing a
     * task elsewhere), so every slot is clear or about to be (a clearing store into a dropped chunk
     * only writes garbage). Reading a million tasks' chunks to find them clear was 5 % of an
     * Async.run that spawned them (JFR). No run can begin any more.
     */
    fun closed() {
        synchronized(loop) { changeHome { home.clear() } }
        for (stripe in stripes) stripe.clear()
    }

    /**
     * Adds [home]'s pending tasks to [list], reading the chain where no run of the loop changes
     * it meanwhile, or where a change is seen: here on the loop's thread; elsewhere under the
     * sequence number, a few times; under the loop's monitor while it is not running (a run takes
     * it to begin, and the last run's end, a volatile store, came before); else, as the running
     * loop keeps changing the chain, as a callback of the loop, waited for (an interrupt is kept
     * for later: the loop answers within a step), reading under the sequence number again each
     * millisecond meanwhile (a loop's thread that blocks changes nothing).
     */
    private fun addHomePendingTo(list: MutableList<TaskImpl<*>>) {
        if (loop.inLoopThread()) return home.addPendingTo(list)
        var asked: CompletableFuture<List<TaskImpl<*>>>? = null
        var interrupted = false
        try {
            while (true) {
                repeat(OPTIMISTIC_READS) { readUnderSequence()?.let { return list.addAll(it).let {} } }
                synchronized(loop) { if (!loop.isRunning) return home.addPendingTo(list) }
                val answer = asked ?: CompletableFuture<List<TaskImpl<*>>>().also { a ->
                    asked = a
                    loop.enqueue { if (loop.inLoopThread() && !a.isDone) a.complete(ArrayList<TaskImpl<*>>().also { home.addPendingTo(it) }) }
                }
                try {
                    return list.addAll(answer.get(1, TimeUnit.MILLISECONDS)).let {} // the run may end first
                } catch (e: TimeoutException) {
                    // again
                } catch (e: InterruptedException) {
                    interrupted = true
                } catch (e: ExecutionException) {
                    throw e.cause!!
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt()
        }
    }

    /**
     * [home]'s pending tasks read on another thread while the loop's thread may change the chain,
     * or null if it did (or was doing so). A read that overlaps a change sees any mix of old and new
     * links, and stops: every link ever stored points to a chunk made later, or is null.
     */
    private fun readUnderSequence(): List<TaskImpl<*>>? {
        val before = version
        if (before and 1 != 0) return null
        val read = ArrayList<TaskImpl<*>>()
        home.addPendingTo(read)
        VarHandle.loadLoadFence()
        return if (version == before) read else null
    }

    /** A [SlotList] under a spin lock, for any thread (a task leaves it without the lock). */
    private class Stripe {
        private val tasks = SlotList(ownedByOneThread = false)

        /** How many chunks are chained (read without the lock: a stale count only moves a prune). */
        val chunkCount: Int get() = tasks.chunkCount

        fun add(task: TaskImpl<*>) = locked {
            tasks.add(task)
            task.enterLoop()
        }

        fun prune() = locked { tasks.prune() }

        fun clear() = locked { tasks.clear() }


        fun addPendingTo(list: MutableList<TaskImpl<*>>) = locked { tasks.addPendingTo(list) }

        fun holdsBlockingTask(): Boolean = locked { tasks.holdsBlockingTask() }

        /**
         * A spin lock: every section is a few stores long (but for the prunes and the reads), and a
         * monitor's contention would park the virtual threads of blocking tasks that start others at
         * once. It is released by lazySet: the stores under it need only be ordered before the
         * release, not fenced.
         */
        @Volatile private var lock = 0

        private inline fun <R> locked(section: () -> R): R {
            var spins = 0
            while (!LOCK.compareAndSet(this, 0, 1)) {
                if (++spins < 64) Thread.onSpinWait() else Thread.yield()
            }
            try {
                return section()
            } finally {
                LOCK.lazySet(this, 0) // a release store: the next holder sees the section; a volatile store's full fence is not needed
            }
        }

        private companion object {
            val LOCK: AtomicIntegerFieldUpdater<Stripe> = AtomicIntegerFieldUpdater.newUpdater(Stripe::class.java, "lock")
        }
    }

    private companion object {
        /** Chains of so few chunks (170 bytes each) are not pruned by [tidy]. */
        const val TIDY_MIN = 12
        /** The least time between two prunes by [tidy], per chunk held. */
        const val TIDY_NANOS_PER_CHUNK = 10_000L
        /** Reads under the sequence number before a reader asks the loop's thread. */
        const val OPTIMISTIC_READS = 4
        val VERSION: AtomicIntegerFieldUpdater<LoopTasks> = AtomicIntegerFieldUpdater.newUpdater(LoopTasks::class.java, "version")
    }
}
