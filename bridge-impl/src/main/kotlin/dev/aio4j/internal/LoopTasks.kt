/*
 * The loop's top-level tasks: the tasks that close() cancels and waits for and allTasks() lists.
 * Every task started on the loop is one (a task with a kotlinx Job, a coroutine body's, has a job
 * without a parent); a task of a TaskGroup is not (its group's job keeps it), nor is a task born
 * done (DoneTask: nothing to cancel or wait for). A task costs two links in a list of its own
 * fields, no node and no array slot. The root job's children (kotlinx coroutines started on the
 * loop's context by Kotlin code) are the other top-level work; close() and allTasks() read both.
 *
 * Two kinds of list:
 * - the loop's own list ([home]): the tasks that the loop's thread starts during a run (a
 *   SINGLE_THREAD loop; blocking tasks excepted, see [holdsBlockingTask]), which is nearly every
 *   non-blocking task. Only the thread running the loop changes it, so a task comes and goes
 *   with a few plain stores, no atomic update (a lock's two were a tenth of a non-blocking spawn).
 *   A task of it that another thread completes is not unlinked by that thread: it is counted
 *   ([strays]), and the loop's thread unlinks the done tasks in a sweep once they are at least 16
 *   and as many as the live ones, at the end of a run if they are an eighth of the list or more,
 *   and at close(). Another thread reads the list under a sequence
 *   number ([version], odd while the loop's thread changes the list; a reader whose number changed
 *   reads again), or under the loop's monitor while the loop is not running (a run takes it to
 *   begin), or, when the running loop keeps changing the list, has the loop's thread read it.
 * - three stripes ([stripes]), each under a spin lock, for the tasks that other threads start:
 *   blocking tasks, and tasks made from outside the loop. A blocking task leaves without the
 *   lock: its completing thread (one of the carriers of a burst of short tasks, which would all
 *   contend for the lock and the neighbours' links) clears IN_LOOP in the task's own status once
 *   its completion handlers ran ([TaskImpl.leaveStripe]), and writes nothing the other threads
 *   share (a count of the tasks that left gave back half the saving or more); a sweep unlinks the
 *   tasks that left: in an add that finds the stripe twice as long as after its last sweep (and 16
 *   more), when the loop's thread waits for work and has not swept for a while ([idle]), at a
 *   run's start and end ([sweepStripes]; these only while a stripe holds a blocking task), and at
 *   close(). Another task (usually completed on the loop's thread) is unlinked at once, under the
 *   lock.
 */
package dev.aio4j.internal

import java.lang.invoke.VarHandle
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater

internal class LoopTasks(private val loop: EventLoop) {
    /** The loop's own list: see the file's comment. Its place number is [HOME]. */
    private val home = TaskList()
    /** How many of [home]'s tasks other threads completed and left linked (an estimate: a race may count one twice). */
    @Volatile private var strays = 0
    /** [home]'s sequence number: odd while the loop's thread changes it (see [changeHome]). */
    @Volatile private var version = 0

    /**
     * The stripes of the other threads, numbered from 1 ([HOME] is 0): several threads may start
     * tasks at once (blocking tasks that spawn blocking tasks), and a stripe's lock is held for a
     * sweep too, so one lock would be contended by all of them. A task goes to the next stripe
     * in turn (a plain counter: a lost increment only evens out less), and keeps its place number
     * ([TaskImpl.loopStripe]).
     */
    private val stripes = Array(PLACES - 1) { Stripe() }
    private var turn = 0

    /** Adds [task]; it must not be in yet. */
    fun add(task: TaskImpl<*>) {
        if (task !is BlockingTask<*> && loop.inLoopThread()) {
            if (strays >= SWEEP_MIN && strays * 2 >= home.size) sweepHome()
            changeHome { home.add(task) }
            task.enterLoop(HOME)
            return
        }
        val place = 1 + (turn++ and Int.MAX_VALUE) % stripes.size
        stripes[place - 1].add(task, place)
    }

    /** Removes [task] if it is in (a second removal does nothing). */
    fun remove(task: TaskImpl<*>) {
        when (val place = task.loopStripe) {
            -1 -> {}
            HOME -> if (loop.inLoopThread()) changeHome { home.unlink(task) } else STRAYS.incrementAndGet(this)
            // a task's place never changes; a blocking task leaves without the lock (the file's comment)
            else -> if (task is BlockingTask<*>) task.leaveStripe() else stripes[place - 1].remove(task)
        }
    }

    /**
     * A run of the loop begins, on its thread: unlinks the blocking tasks that left the stripes
     * since the last run ended (those whose threads still ran their completion handlers then).
     */
    fun beforeRun() = sweepStripes(0)

    /**
     * The end of a run of the loop, on its thread: unlinks the done tasks of [home] that other
     * threads completed, unless they are few beside many live ones (the sweep reads them all).
     */
    fun endOfRun() {
        val n = strays
        if (n > 0 && n * 8 >= home.size) sweepHome()
    }

    /**
     * A run of the loop has ended, on the thread that ran it: unlinks the blocking tasks that left
     * the stripes. One whose thread still runs its completion handlers then is let go at the next
     * run's start, by an add or at close(): its thread does nothing more than clear its IN_LOOP (a
     * leaving thread that also read whether the loop runs, and unlinked its task if not, measured
     * 470-530 ns a task in the blocking spawn against 400-410, A/B on 2026-12-06).
     */
    fun afterRun() = sweepStripes(0)

    /**
     * When the stripes were last swept by [sweepStripes]: volatile, as a run's end on one thread
     * and the next run's start on another may both sweep.
     */
    @Volatile private var lastSweep = 0L

    /**
     * The loop's thread is about to wait for work: unlinks the blocking tasks that left the stripes
     * if it did not for [IDLE_SWEEP_NANOS], so that an ended task is let go (and an unretrieved
     * failure of it reported once it is collected) while the loop runs, even if no task is added
     * any more.
     */
    fun idle() = sweepStripes(IDLE_SWEEP_NANOS)

    /**
     * On the loop's thread (or the one whose run begins or ended): unlinks the blocking tasks that
     * left the stripes, unless the stripes hold none, or the last such sweep was less than
     * [minNanos] ago, or less than a microsecond per linked blocking task: a sweep reads every
     * linked task, a few nanoseconds each, so these sweeps take a few percent of the loop's time at
     * most. A loop without blocking tasks reads three counts and never sweeps (under lincheck's
     * model checking every read of a sweep is a switch point: sweeps at every run of the loop's
     * short runs made its AsyncQueue stress test run for over 20 minutes).
     */
    private fun sweepStripes(minNanos: Long) {
        var linked = 0L
        for (stripe in stripes) linked += stripe.blockingLinked
        if (linked == 0L) return
        val now = System.nanoTime()
        if (now - lastSweep < maxOf(minNanos, linked * 1_000)) return
        lastSweep = now
        for (stripe in stripes) stripe.sweep()
    }

    /** On the loop's thread, or while no run can begin: unlinks [home]'s done tasks. */
    private fun sweepHome() {
        val counted = strays
        changeHome { home.unlinkDone() }
        STRAYS.addAndGet(this, -counted)
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
     * handlers. Only the stripes can hold one: [home] leaves a task another thread completed linked
     * until a sweep, so it could not tell.
     */
    fun holdsBlockingTask(): Boolean = stripes.any { it.holdsBlockingTask() }

    /**
     * The loop is closed, on the closing thread: unlinks [home]'s done tasks and the tasks that left
     * the stripes, so that a closed loop that its user keeps does not keep them. No run can begin
     * any more.
     */
    fun closed() {
        synchronized(loop) { sweepHome() }
        for (stripe in stripes) stripe.sweepNow()
    }

    /**
     * Adds [home]'s pending tasks to [list], reading the list where no run of the loop changes
     * it meanwhile, or where a change is seen: here on the loop's thread; elsewhere under the
     * sequence number, a few times; under the loop's monitor while it is not running (a run takes
     * it to begin, and the last run's end, a volatile store, came before); else, as the running
     * loop keeps changing the list, as a callback of the loop, waited for (an interrupt is kept
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
     * [home]'s pending tasks read on another thread while the loop's thread may change the list,
     * or null if it did (or was doing so). A read that overlaps a change sees any mix of old and new
     * links, and stops: every link ever stored points to a task added later, or is null.
     */
    private fun readUnderSequence(): List<TaskImpl<*>>? {
        val before = version
        if (before and 1 != 0) return null
        val read = ArrayList<TaskImpl<*>>()
        home.addPendingTo(read)
        VarHandle.loadLoadFence()
        return if (version == before) read else null
    }

    /**
     * Tasks in a doubly linked list through the tasks' own [TaskImpl.loopPrev] and
     * [TaskImpl.loopNext], oldest first. No array: a burst of a million pending tasks would grow
     * one far past G1's humongous size, and every young task stored into it would be a reference
     * from the old generation that the next young collection has to scan. Not thread-safe: its
     * owner guards it.
     */
    private class TaskList {
        private var head: TaskImpl<*>? = null
        private var tail: TaskImpl<*>? = null
        /** How many tasks are linked. */
        var size = 0
            private set

        fun add(task: TaskImpl<*>) {
            val last = tail
            task.loopPrev = last
            if (last == null) head = task else last.loopNext = task
            tail = task
            size++
        }

        fun unlink(task: TaskImpl<*>) {
            val prev = task.loopPrev
            if (prev == null && head !== task) return // not in (any more): both complete() and start() may remove it
            val next = task.loopNext
            if (prev == null) head = next else prev.loopNext = next
            if (next == null) tail = prev else next.loopPrev = prev
            task.loopPrev = null // a done task kept by its user must not keep its neighbours
            task.loopNext = null
            size--
        }

        fun unlinkDone() = unlinkIf { it.isDone }

        inline fun unlinkIf(gone: (TaskImpl<*>) -> Boolean) {
            var task = head
            while (task != null) {
                val next = task.loopNext
                if (gone(task)) unlink(task)
                task = next
            }
        }

        fun addPendingTo(list: MutableList<TaskImpl<*>>) {
            var task = head
            while (task != null) {
                if (!task.isDone) list.add(task)
                task = task.loopNext
            }
        }

        /** Whether a blocking task that has not left (see [Stripe]) is linked. */
        fun holdsBlockingTask(): Boolean {
            var task = head
            while (task != null && (task !is BlockingTask<*> || task.loopStripe == -1)) task = task.loopNext
            return task != null
        }
    }

    /**
     * A [TaskList] under a spin lock, for any thread, from which a blocking task leaves without the
     * lock: its status's IN_LOOP cleared ([TaskImpl.leaveStripe]), it stays linked until a sweep.
     */
    private class Stripe {
        private val tasks = TaskList()
        /** How many tasks were linked after the last sweep (under the lock). */
        private var kept = 0

        /**
         * How many blocking tasks are linked, left or not: written under the lock, read without it
         * too (a stale count only moves a sweep). The other tasks unlink themselves.
         */
        var blockingLinked = 0
            private set

        fun add(task: TaskImpl<*>, place: Int) = locked {
            // the sweeps read each task added about twice at most
            if (blockingLinked > 0 && tasks.size >= 2 * kept + SWEEP_MIN) unlinkLeft()
            tasks.add(task)
            if (task is BlockingTask<*>) blockingLinked++
            task.enterLoop(place)
        }

        fun remove(task: TaskImpl<*>) = locked { tasks.unlink(task) }

        /**
         * Unlinks the blocking tasks that left ([TaskImpl.leaveStripe]), if a blocking task is
         * linked (read without the lock: for the loop's own sweeps, which may come late).
         */
        fun sweep() {
            if (blockingLinked > 0) sweepNow()
        }

        /** Unlinks the blocking tasks that left, whatever the count read without the lock says. */
        fun sweepNow() = locked { unlinkLeft() }

        private fun unlinkLeft() {
            tasks.unlinkIf { gone -> (gone.loopStripe == -1).also { if (it) blockingLinked-- } }
            kept = tasks.size
        }

        fun addPendingTo(list: MutableList<TaskImpl<*>>) = locked { tasks.addPendingTo(list) }

        fun holdsBlockingTask(): Boolean = locked { blockingLinked > 0 && tasks.holdsBlockingTask() }

        /**
         * A spin lock: every section is a few stores long (but for the scans), and a monitor's
         * contention would park the virtual threads of blocking tasks that complete at once. It is
         * released by lazySet: the stores under it need only be ordered before the release, not fenced.
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
        /** A task's place number (of PLACES) is kept in two bits of its status. */
        const val PLACES = TaskImpl.LOOP_STRIPES
        const val HOME = 0
        /** Fewer strays than this wait for the end of the run. */
        const val SWEEP_MIN = 16
        /** The least time between two sweeps of the stripes by an idle loop ([idle]). */
        const val IDLE_SWEEP_NANOS = 10_000_000L
        /** Reads under the sequence number before a reader asks the loop's thread. */
        const val OPTIMISTIC_READS = 4
        val VERSION: AtomicIntegerFieldUpdater<LoopTasks> = AtomicIntegerFieldUpdater.newUpdater(LoopTasks::class.java, "version")
        val STRAYS: AtomicIntegerFieldUpdater<LoopTasks> = AtomicIntegerFieldUpdater.newUpdater(LoopTasks::class.java, "strays")
    }
}
