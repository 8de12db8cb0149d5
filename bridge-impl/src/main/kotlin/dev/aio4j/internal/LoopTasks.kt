/*
 * The loop's top-level tasks: the tasks that close() cancels and waits for and allTasks() lists.
 * Every task started on the loop is one (a task with a kotlinx Job, a coroutine body's, has a job
 * without a parent); a task of a TaskGroup is not (its group's job keeps it), nor is a task born
 * done (DoneTask: nothing to cancel or wait for). A task costs two
 * links in a list of its own fields and a few stores under a spin lock (one of four stripes),
 * no node and no array slot. The root job's children (kotlinx coroutines started on the loop's
 * context by Kotlin code) are the other top-level work; close() and allTasks() read both.
 */
package dev.aio4j.internal

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater

internal class LoopTasks {
    /**
     * Four stripes, each with its own lock: a blocking task is added by the thread that creates it
     * and removed by its own thread when it ends, so one lock would be contended by every carrier
     * thread of a burst of short tasks. A task goes to the next stripe in turn (a plain counter: a
     * lost increment only evens out less), and keeps its stripe number ([TaskImpl.loopStripe]).
     */
    private val stripes = Array(STRIPES) { Stripe() }
    private var turn = 0

    /** Adds [task]; it must not be in yet. */
    fun add(task: TaskImpl<*>) {
        val stripe = turn++ and (STRIPES - 1)
        stripes[stripe].add(task, stripe)
    }

    /** Removes [task] if it is in (a second removal does nothing). */
    fun remove(task: TaskImpl<*>) {
        val stripe = task.loopStripe
        if (stripe >= 0) stripes[stripe].remove(task) // a task's stripe never changes
    }

    /**
     * The tasks in now that are not done, in no particular order. A task leaves just after it
     * completes (and its completion handlers ran): one done but not gone yet is left out, so that
     * close() does not cancel it, which would count as retrieving its failure.
     */
    fun pending(): List<TaskImpl<*>> {
        val list = ArrayList<TaskImpl<*>>()
        for (stripe in stripes) stripe.addPendingTo(list)
        return list
    }

    /** Whether a blocking task is in, done or not: one that is done is still running its completion handlers. */
    fun holdsBlockingTask(): Boolean = stripes.any { it.holdsBlockingTask() }

    /**
     * One stripe: its tasks in a doubly linked list through the tasks' own [TaskImpl.loopPrev] and
     * [TaskImpl.loopNext], oldest first. No array: a burst of a million pending tasks would grow one
     * far past G1's humongous size, and every young task stored into it would be a reference from
     * the old generation that the next young collection has to scan.
     */
    private class Stripe {
        private var head: TaskImpl<*>? = null
        private var tail: TaskImpl<*>? = null

        fun add(task: TaskImpl<*>, stripe: Int) {
            locked {
                val last = tail
                task.loopPrev = last
                if (last == null) head = task else last.loopNext = task
                tail = task
                task.enterLoop(stripe)
            }
        }

        fun remove(task: TaskImpl<*>) {
            locked {
                val prev = task.loopPrev
                if (prev == null && head !== task) return // not in (any more): both complete() and start() may remove it
                val next = task.loopNext
                if (prev == null) head = next else prev.loopNext = next
                if (next == null) tail = prev else next.loopPrev = prev
                task.loopPrev = null // a done task kept by its user must not keep its neighbours
                task.loopNext = null
            }
        }

        fun addPendingTo(list: MutableList<TaskImpl<*>>) = locked {
            var task = head
            while (task != null) {
                if (!task.isDone) list.add(task)
                task = task.loopNext
            }
        }

        fun holdsBlockingTask(): Boolean = locked {
            var task = head
            while (task != null && task !is BlockingTask<*>) task = task.loopNext
            task != null
        }

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
        const val STRIPES = TaskImpl.LOOP_STRIPES // a task keeps its stripe in two bits of its status
    }
}
